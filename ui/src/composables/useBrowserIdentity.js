// The identity of the host that served this page, for a browser on the network: its safety code
// to compare with the host's window, and whether this page is encrypted. Nothing in the desktop
// window or on this machine (the window shows the host's code itself).
import { ref } from 'vue'
import { fingerprintHex, hexPairs, isBrowserOnTheNetwork } from '../browserIdentity.js'
import { identityUrl } from '../protocol.js'

export function useBrowserIdentity({
  location = globalThis.location,
  fetchImpl = (...args) => globalThis.fetch(...args),
} = {}) {
  const shown = isBrowserOnTheNetwork(location)
  // { safetyCode, fingerprint (the key's SHA-256), certificate (the certificate's), encrypted, plainAllowed }
  const identity = ref(null)
  const failed = ref(false)

  async function load() {
    failed.value = false
    try {
      const response = await fetchImpl(identityUrl(location.host))
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const answer = await response.json()
      identity.value = {
        safetyCode: typeof answer.safety_code === 'string' ? answer.safety_code : '',
        fingerprint: fingerprintHex(answer.fingerprint),
        certificate: hexPairs(answer.certificate_sha256),
        encrypted: answer.encrypted !== false,
        plainAllowed: answer.plain_http_allowed === true,
      }
    } catch (error) {
      console.warn('lanchat: could not read the host’s identity:', error)
      failed.value = true
    }
  }

  if (shown) load()
  return { shown, identity, failed, load, address: `https://${location?.host ?? ''}/` }
}
