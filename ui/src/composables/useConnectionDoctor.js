// Asks our own server which step of reaching another host fails (GET /api/diagnose): the
// browser reports a refused port, a silent address and a web server that is not lanchat as
// the same bare error, the server beside the page can tell them apart. Only this machine's
// own server answers; anywhere else `diagnosis.state` is 'unavailable' and the page says
// what the browser alone can tell. Given the host's fingerprint (its pin, or a join link's), the
// server also checks that the host presents that key, and says nothing to it when it does not.
import { ref } from 'vue'
import { PROTOCOL_VERSION } from '../protocol.js'

// The server's steps take at most 3 s each (server/peers/doctor.py); past this it is not answering.
export const DOCTOR_TIMEOUT_MS = 15_000
// The server checks one address at a time (429 meanwhile): ask again this much later.
export const DOCTOR_BUSY_RETRY_MS = 500
// Without it the server refuses: no other site's page can send it without a CORS preflight.
export const DOCTOR_HEADER = 'X-Lanchat-Doctor'

/**
 * @param {{ serverHost: string, fetchImpl?: typeof fetch }} options  serverHost: "name:port" of our server
 * @returns {{ diagnosis: import('vue').Ref<null | { address: string, state: 'checking'|'done'|'unavailable', result: object | null }>, diagnose: (address: string, options?: { fingerprint?: string, fingerprintFrom?: 'link' | 'list' }) => Promise<void>, clear: () => void }}
 */
export function useConnectionDoctor({
  serverHost,
  fetchImpl = (...args) => globalThis.fetch(...args),
}) {
  const diagnosis = ref(null)
  let asked = 0 // only the latest question's answer is shown

  // fingerprintFrom: where the page had it (a join link, or the host's listing), so that the
  // answer can say whose key a host failed; the window's pin, if it holds one, comes first.
  async function diagnose(address, { fingerprint = '', fingerprintFrom = 'link' } = {}) {
    const ticket = ++asked
    diagnosis.value = { address, state: 'checking', result: null }
    const query = new URLSearchParams({ address, v: String(PROTOCOL_VERSION) })
    if (fingerprint) {
      query.set('fp', fingerprint) // as a join link's #fp= carries it
      query.set('fp_from', fingerprintFrom)
    }
    let shown = { address, state: 'unavailable', result: null }
    const base = serverHost ? `http://${serverHost}` : ''
    const giveUpAt = Date.now() + DOCTOR_TIMEOUT_MS
    try {
      let response
      do {
        if (response) await new Promise((resolve) => setTimeout(resolve, DOCTOR_BUSY_RETRY_MS))
        response = await fetchImpl(`${base}/api/diagnose?${query}`, {
          headers: { [DOCTOR_HEADER]: '1' },
          signal: AbortSignal.timeout(Math.max(1, giveUpAt - Date.now())),
        })
        // Another check (the Show rooms one, say) is running: wait for it, unless superseded.
      } while (response.status === 429 && ticket === asked && Date.now() < giveUpAt)
      if (response.ok) shown = { address, state: 'done', result: await response.json() }
    } catch {
      // Not our machine's server, or it did not answer: the page says less, not nothing.
    }
    if (ticket === asked) diagnosis.value = shown
  }

  function clear() {
    asked += 1
    diagnosis.value = null
  }

  return { diagnosis, diagnose, clear }
}
