import { afterEach, describe, expect, it } from 'vitest'
import { desktopApi } from '../desktopBridge.js'
import { ErrorCode, ROOM_TOKEN_HEADER } from '../protocol.js'
import { memoryStorage } from '../testing/memoryStorage.js'
import { rememberPassword } from '../roomPasswords.js'
import { DoorAnswer, useRoomAccess } from './useRoomAccess.js'

// A host other than the page's own: no files cookie is asked for.
const HOST = '192.0.2.1:8765'

function door(overrides = {}) {
  const calls = { fetched: [], reconnects: 0 }
  const access = useRoomAccess({
    host: HOST,
    room: 'secret',
    reconnect: () => (calls.reconnects += 1),
    fetchImpl: async (...args) => {
      calls.fetched.push(args)
      return { ok: true }
    },
    passwordStorage: memoryStorage(),
    ...overrides,
  })
  return { access, calls }
}

describe('useRoomAccess', () => {
  it('sends the token the door gave in a header, and none before or after a new connection', async () => {
    const { access, calls } = door()
    await access.fetch('http://h/api/x')
    access.entered({ token: 'tok-1' })
    await access.fetch('http://h/api/x')
    access.renewed({ token: 'tok-2' })
    await access.fetch('http://h/api/x')
    expect(calls.fetched).toEqual([
      ['http://h/api/x'],
      ['http://h/api/x', { headers: { [ROOM_TOKEN_HEADER]: 'tok-1' } }],
      ['http://h/api/x', { headers: { [ROOM_TOKEN_HEADER]: 'tok-2' } }],
    ])
    expect(access.roomToken()).toBe('tok-2')
    access.opening()
    expect(access.roomToken()).toBeNull()
  })

  it('opens with the typed password, keeps it once the door opens, and is private from then on', () => {
    const passwordStorage = memoryStorage()
    const { access, calls } = door({ passwordStorage })
    expect(access.opening()).toBeNull()
    access.enterPassword('hunter22')
    expect(calls.reconnects).toBe(1)
    expect(access.opening()).toEqual({ type: 'password', password: 'hunter22' })
    access.entered({ token: 'tok' })
    access.welcomed()
    expect(access.isPrivate.value).toBe(true)
    expect(door({ passwordStorage }).access.opening()).toEqual({
      type: 'password',
      password: 'hunter22',
    })
  })

  it('asks for the password on a door’s refusal, and forgets a wrong one', () => {
    const passwordStorage = memoryStorage()
    rememberPassword(HOST, 'secret', 'old', passwordStorage)
    const { access } = door({ passwordStorage })
    access.opening()
    const wrong = { code: ErrorCode.PASSWORD_WRONG, retry_after: 2 }
    expect(access.refused(wrong)).toBe(DoorAnswer.PROMPT)
    expect(access.passwordPrompt.value).toEqual({ code: ErrorCode.PASSWORD_WRONG, retryAfter: 2 })
    expect(access.opening()).toBeNull()
    expect(access.refused({ code: ErrorCode.RATE_LIMITED })).toBeNull()
  })

  it('tries a password this tab learnt meanwhile once the connection closes, instead of asking', () => {
    const passwordStorage = memoryStorage()
    const { access } = door({ passwordStorage })
    access.opening()
    rememberPassword(HOST, 'secret', 'new', passwordStorage)
    expect(access.refused({ code: ErrorCode.PASSWORD_REQUIRED })).toBe(DoorAnswer.RETRY)
    expect(access.passwordPrompt.value).toBeNull()
    access.closed()
    expect(access.opening()).toEqual({ type: 'password', password: 'new' })
  })

  it('forgets a password sent to a room that is open now', () => {
    const passwordStorage = memoryStorage()
    rememberPassword(HOST, 'secret', 'old', passwordStorage)
    const { access } = door({ passwordStorage })
    expect(access.opening()).toEqual({ type: 'password', password: 'old' })
    expect(access.refused({ code: ErrorCode.UNKNOWN_TYPE })).toBe(DoorAnswer.STALE)
    expect(access.opening()).toBeNull()
  })

  describe('in the host’s own window', () => {
    afterEach(() => {
      desktopApi.value = null
    })

    it('enters its own private room with the pass its bridge gives, without asking', async () => {
      const asked = []
      desktopApi.value = { room_pass: async (room) => (asked.push(room), 'pass-1') }
      const { access, calls } = door({ host: globalThis.location.host })
      expect(access.opening()).toBeNull()
      expect(access.refused({ code: ErrorCode.PASSWORD_REQUIRED })).toBe(DoorAnswer.RETRY)
      access.closed()
      await Promise.resolve()
      await Promise.resolve()
      expect(asked).toEqual(['secret'])
      expect(calls.reconnects).toBe(1)
      expect(access.passwordPrompt.value).toBeNull()
      expect(access.opening()).toEqual({ type: 'password', token: 'pass-1' })
      expect(access.opening()).toBeNull() // a pass opens one connection
    })

    it('asks its person when the bridge has no pass, and never for another host’s room', async () => {
      desktopApi.value = { room_pass: async () => null }
      const own = door({ host: globalThis.location.host }).access
      own.opening()
      expect(own.refused({ code: ErrorCode.PASSWORD_REQUIRED })).toBe(DoorAnswer.RETRY)
      own.closed()
      await Promise.resolve()
      await Promise.resolve()
      expect(own.passwordPrompt.value).toEqual({ code: ErrorCode.PASSWORD_REQUIRED })
      const other = door().access
      other.opening()
      expect(other.refused({ code: ErrorCode.PASSWORD_REQUIRED })).toBe(DoorAnswer.PROMPT)
    })
  })
})
