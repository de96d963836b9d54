import { describe, expect, it } from 'vitest'
import {
  fingerprintHex,
  hexPairs,
  isBrowserOnTheNetwork,
  secureSocketRefused,
} from './browserIdentity.js'
import { travelsInClear } from './protocol.js'

const page = (href) => new URL(href)

describe('browserIdentity', () => {
  it('spells a link fingerprint as the certificate viewer shows the public key’s SHA-256', () => {
    // SHA-256 of "x", as base64url (a join link's #fp=) and as hex.
    expect(fingerprintHex('LXEWQrcmsEQBYnyp-6wy9chTD7GQPMTbAiWHF5IaSIE')).toBe(
      '2D 71 16 42 B7 26 B0 44 01 62 7C A9 FB AC 32 F5 C8 53 0F B1 90 3C C4 DB 02 25 87 17 92 1A 48 81',
    )
    expect(fingerprintHex('too short')).toBe('')
    expect(fingerprintHex(null)).toBe('')
    expect(hexPairs('2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881')).toBe(
      '2D 71 16 42 B7 26 B0 44 01 62 7C A9 FB AC 32 F5 C8 53 0F B1 90 3C C4 DB 02 25 87 17 92 1A 48 81',
    )
    expect(hexPairs('2d71')).toBe('')
    expect(hexPairs(undefined)).toBe('')
  })

  it('is a browser on the network only on a page a host on the network served', () => {
    expect(isBrowserOnTheNetwork(page('https://10.0.0.5:8765/'))).toBe(true)
    expect(isBrowserOnTheNetwork(page('http://pc-anna.local:8765/'))).toBe(true)
    expect(isBrowserOnTheNetwork(page('http://127.0.0.1:8765/'))).toBe(false)
    expect(isBrowserOnTheNetwork(page('http://localhost:5173/?server=127.0.0.1:8765'))).toBe(false)
    expect(isBrowserOnTheNetwork(page('http://[::1]:8765/'))).toBe(false)
  })

  it('explains a failed socket only for the page’s own host, on a page that came over https', () => {
    const secure = page('https://10.0.0.5:8765/')
    expect(secureSocketRefused('10.0.0.5:8765', true, secure)).toBe(true)
    expect(secureSocketRefused('10.0.0.5:8765', false, secure)).toBe(false)
    expect(secureSocketRefused('10.0.0.6:8765', true, secure)).toBe(false)
    expect(secureSocketRefused('10.0.0.5:8765', true, page('http://10.0.0.5:8765/'))).toBe(false)
  })

  it('travels in the clear only over plain http to a host on the network', () => {
    const plain = page('http://10.0.0.5:8765/')
    expect(travelsInClear('10.0.0.5:8765', plain)).toBe(true)
    expect(travelsInClear('10.0.0.5:8765', page('https://10.0.0.5:8765/'))).toBe(false)
    expect(travelsInClear('10.0.0.6:8765', plain)).toBe(false) // another host: https
    expect(travelsInClear('127.0.0.1:8765', page('http://127.0.0.1:8765/'))).toBe(false)
  })
})
