// Who we are to a host without an account: a random secret made on first use and kept with the
// rest of what survives a restart (appStorage: localStorage, and the window's data folder). It
// goes only in the hello frame, never in a URL. One secret per host: a host learns the secret we
// show it, so a hostile host must not be able to present it elsewhere and speak as us there.
import { IDENTITY_SECRET_CHARS, IDENTITY_SECRET_MIN_CHARS } from './protocol.generated.js'
import { appStorage } from './windowStorage.js'

const SECRET_BYTES = 32 // 256 bits; the server wants at least 128

export function identityKey(host) {
  return `lanchat.identity.${host}`
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/** Whether the server would take this secret (a kept one may have been damaged). */
function usable(secret) {
  return (
    typeof secret === 'string' &&
    secret.length >= IDENTITY_SECRET_MIN_CHARS &&
    [...secret].every((ch) => IDENTITY_SECRET_CHARS.includes(ch))
  )
}

/** Our secret for `host`, made and kept on first use. */
export function identitySecret(
  host,
  {
    storage = appStorage,
    getRandomValues = (bytes) => globalThis.crypto.getRandomValues(bytes),
  } = {},
) {
  const key = identityKey(host)
  let secret = null
  try {
    secret = storage?.getItem(key) ?? null
  } catch (error) {
    console.error('lanchat: could not read the identity', error)
  }
  if (usable(secret)) return secret
  secret = base64url(getRandomValues(new Uint8Array(SECRET_BYTES)))
  try {
    storage?.setItem(key, secret)
  } catch (error) {
    // Still usable for this session: the name is ours until the window closes.
    console.error('lanchat: could not keep the identity', error)
  }
  return secret
}
