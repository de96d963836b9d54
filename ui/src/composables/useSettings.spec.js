import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import { desktopApi } from '../desktopBridge.js'
import { FORMER_NAMES_MAX, MUTED_ROOMS_MAX, useSettings } from './useSettings.js'
import { memoryStorage } from '../testing/FakeWebSocket.js'

let storage

const settingsFor = () => useSettings(ref('en'), { storage })
const stored = () => JSON.parse(localStorage.getItem('lanchat.settings'))

beforeEach(() => {
  localStorage.clear()
  storage = memoryStorage()
})

afterEach(() => {
  desktopApi.value = null
})

/** The window's bridge as pywebview offers it: its settings.json, answered a moment later. */
function fakeWindow(file) {
  let answer
  const api = {
    host_status: () => null,
    get_settings: () => new Promise((resolve) => (answer = () => resolve({ ...file }))),
    save_settings: async (settings) => Object.assign(file, settings),
  }
  return { api, answer: () => answer() }
}

describe('useSettings', () => {
  it('keeps "Send read receipts" on unless switched off, after a reload too', () => {
    const first = settingsFor()
    expect(first.settings.receipts).toBe(true)
    first.setReceipts(false)
    expect(stored().receipts).toBe(false)
    expect(settingsFor().settings.receipts).toBe(false)
  })

  it("never writes the page's defaults over the window's settings before it has read them", async () => {
    const file = { receipts: false, recent: [] }
    const window = fakeWindow(file)
    const settings = settingsFor()
    desktopApi.value = window.api
    await nextTick()
    settings.remember('127.0.0.1:8765', 'general') // a room rejoined at start-up
    expect(file.receipts).toBe(false)
    window.answer()
    await new Promise((resolve) => setTimeout(resolve))
    expect(settings.settings.receipts).toBe(false)
    expect(file.receipts).toBe(false)
  })

  it('saves a rename at once, and it is still the name after a reload', () => {
    const first = settingsFor()
    expect(first.rename('  Anna ')).toBeNull()
    expect(stored().name).toBe('Anna')

    const reloaded = settingsFor()
    expect(reloaded.myName.value).toBe('Anna')
  })

  it('keeps treating the names used before a rename as ours, after a reload too', () => {
    const first = settingsFor()
    first.rename('Anna')
    first.rename('Anya')
    first.rename('Anna')

    const reloaded = settingsFor()
    expect(reloaded.isOwnName('Anna')).toBe(true)
    expect(reloaded.isOwnName('Anya')).toBe(true)
    expect(reloaded.isOwnName('Bob')).toBe(false)
    expect(reloaded.formerNames.value).toEqual(['Anya'])
  })

  it(`remembers at most ${FORMER_NAMES_MAX} former names, the newest`, () => {
    const settings = settingsFor()
    for (let index = 0; index <= FORMER_NAMES_MAX + 1; index++) settings.rename(`name ${index}`)
    expect(settings.formerNames.value).toHaveLength(FORMER_NAMES_MAX)
    expect(settings.formerNames.value[0]).toBe(`name ${FORMER_NAMES_MAX}`)
    expect(settings.isOwnName('name 0')).toBe(false)
  })

  it('refuses an empty or too long name and keeps the one it had', () => {
    const settings = settingsFor()
    settings.rename('Anna')
    expect(settings.rename('   ')).toBe('name_empty')
    expect(settings.rename('x'.repeat(33))).toBe('name_too_long')
    expect(settings.myName.value).toBe('Anna')
    expect(settings.formerNames.value).toEqual([])
  })

  it('keeps a name as the server does (NFC) and refuses one with invisible characters', () => {
    const settings = settingsFor()
    expect(settings.rename(' Rene\u0301e ')).toBeNull()
    expect(settings.myName.value).toBe('Ren\u00e9e')
    expect(settings.rename('Ali\u200bce')).toBe('name_invalid')
    expect(settings.myName.value).toBe('Ren\u00e9e')
  })

  it('saves the notifications switch at once; in a browser it starts off', () => {
    const settings = settingsFor()
    expect(settings.settings.notifications).toBe(false)
    settings.setNotifications(true)
    expect(stored().notifications).toBe(true)
    expect(settingsFor().settings.notifications).toBe(true)
  })

  it('keeps a muted room muted after a reload, and unmutes it', () => {
    const settings = settingsFor()
    settings.setMuted('h:1/general', true)
    expect(stored().muted).toEqual(['h:1/general'])
    const reloaded = settingsFor()
    expect(reloaded.isMuted('h:1/general')).toBe(true)
    expect(reloaded.isMuted('h:1/other')).toBe(false)
    reloaded.setMuted('h:1/general', false)
    expect(settingsFor().isMuted('h:1/general')).toBe(false)
  })

  it('keeps at most MUTED_ROOMS_MAX muted rooms, letting the oldest go', () => {
    const settings = settingsFor()
    for (let index = 0; index < MUTED_ROOMS_MAX; index++) settings.setMuted(`h:1/r${index}`, true)
    expect(settings.settings.muted).toHaveLength(MUTED_ROOMS_MAX)
    settings.setMuted('h:1/one-more', true)
    expect(settings.settings.muted).toHaveLength(MUTED_ROOMS_MAX)
    expect(settings.isMuted('h:1/r0')).toBe(false)
    expect(settings.isMuted('h:1/one-more')).toBe(true)
  })
})
