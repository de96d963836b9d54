// What a browser on the network shows of the host that served its page: the host's safety code
// (GET /api/identity), the certificate's public key fingerprint as the browser's own certificate
// viewer spells it, and when a room's encrypted socket fails although the page itself loaded over
// https (Safari on iPhone and iPad refuses such a socket to a host's own certificate). Pure.
import { isThisMachine } from './protocol.js'

/** Whether this page is a browser's, served by a host on the network (not the window, not loopback). */
export function isBrowserOnTheNetwork(location = globalThis.location) {
  return Boolean(location?.host) && !isThisMachine(location.host)
}

/**
 * The fingerprint a join link carries (base64url of SHA-256 of the public key) as the browser's
 * certificate viewer shows "Public key SHA-256": upper-case hex pairs joined by spaces.
 */
export function fingerprintHex(link) {
  if (typeof link !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(link)) return ''
  const bytes = atob(link.replace(/-/g, '+').replace(/_/g, '/') + '=')
  return Array.from(bytes, (ch) =>
    ch.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase(),
  ).join(' ')
}

/** A SHA-256 in hex (the certificate's, from the host) as certificate viewers show it. */
export function hexPairs(hex) {
  if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/i.test(hex)) return ''
  return hex.toUpperCase().match(/../g).join(' ')
}

/**
 * Whether a room socket to `host` that `failed` to open is the encrypted socket of the page's own
 * host, refused although the page itself came over https: the browser took the certificate for the
 * page but not for the socket. Only then is the explanation about certificates worth showing.
 */
export function secureSocketRefused(host, failed, location = globalThis.location) {
  return Boolean(failed) && location?.protocol === 'https:' && host === location.host
}
