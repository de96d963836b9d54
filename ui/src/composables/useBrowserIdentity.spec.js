import { describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { useBrowserIdentity } from './useBrowserIdentity.js'

const answer = (body, ok = true) =>
  vi.fn(async () => ({ ok, status: ok ? 200 : 500, json: async () => body }))
const IDENTITY = {
  fingerprint: 'LXEWQrcmsEQBYnyp-6wy9chTD7GQPMTbAiWHF5IaSIE',
  safety_code: '12345 67890 12345 67890 12345',
  certificate_sha256: 'ab'.repeat(32),
  encrypted: true,
  plain_http_allowed: false,
}

describe('useBrowserIdentity', () => {
  it('reads the safety code of the host that served the page, over the page’s own scheme', async () => {
    const fetchImpl = answer(IDENTITY)
    const shown = useBrowserIdentity({ location: new URL('https://10.0.0.5:8765/'), fetchImpl })
    await flushPromises()
    expect(fetchImpl).toHaveBeenCalledWith('https://10.0.0.5:8765/api/identity')
    expect(shown.shown).toBe(true)
    expect(shown.identity.value).toMatchObject({
      safetyCode: IDENTITY.safety_code,
      encrypted: true,
      plainAllowed: false,
    })
    expect(shown.identity.value.fingerprint).toMatch(/^2D 71 16/)
    expect(shown.identity.value.certificate).toBe(Array(32).fill('AB').join(' '))
    expect(shown.address).toBe('https://10.0.0.5:8765/')
  })

  it('asks nothing on this machine (the window shows the host’s code itself)', async () => {
    const fetchImpl = answer(IDENTITY)
    const shown = useBrowserIdentity({ location: new URL('http://127.0.0.1:8765/'), fetchImpl })
    await flushPromises()
    expect(shown.shown).toBe(false)
    expect(fetchImpl).not.toHaveBeenCalled()
  })

  it('says when the code could not be read, and reads it again when asked', async () => {
    const fetchImpl = answer({}, false)
    const shown = useBrowserIdentity({ location: new URL('http://10.0.0.5:8765/'), fetchImpl })
    await flushPromises()
    expect(shown.failed.value).toBe(true)
    fetchImpl.mockImplementation(async () => ({
      ok: true,
      json: async () => ({ ...IDENTITY, encrypted: false }),
    }))
    await shown.load()
    expect(shown.failed.value).toBe(false)
    expect(shown.identity.value.encrypted).toBe(false)
  })
})
