import { describe, expect, it } from 'vitest'
import { identityKey, identitySecret } from './identity.js'
import { IDENTITY_SECRET_CHARS, IDENTITY_SECRET_MIN_CHARS } from './protocol.generated.js'
import { memoryStorage } from './testing/memoryStorage.js'

describe('identitySecret', () => {
  it('makes a secret of 256 random bits on first use and keeps it', () => {
    const storage = memoryStorage()
    const secret = identitySecret('h:1', { storage })
    expect(secret).toHaveLength(43)
    expect(secret.length).toBeGreaterThanOrEqual(IDENTITY_SECRET_MIN_CHARS)
    expect([...secret].every((ch) => IDENTITY_SECRET_CHARS.includes(ch))).toBe(true)
    expect(storage.items.get(identityKey('h:1'))).toBe(secret)
    expect(identitySecret('h:1', { storage })).toBe(secret)
  })

  it('replaces a kept secret that the server would refuse', () => {
    const storage = memoryStorage()
    storage.setItem(identityKey('h:1'), 'short')
    const secret = identitySecret('h:1', { storage })
    expect(secret).toHaveLength(43)
    expect(storage.items.get(identityKey('h:1'))).toBe(secret)
  })

  it('keeps a different secret for each host', () => {
    const storage = memoryStorage()
    expect(identitySecret('a:1', { storage })).not.toBe(identitySecret('b:1', { storage }))
  })

  it('spells every byte value in the server alphabet', () => {
    const storage = memoryStorage()
    const secret = identitySecret('h:1', {
      storage,
      getRandomValues: (bytes) => bytes.map((_, i) => [0, 62, 63, 255, 251][i % 5]),
    })
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })
})
