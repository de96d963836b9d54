// Hosting from the window: the listener's status as the desktop reports it, start and
// stop (busy while the window works), copying an address to give to others, and this host's own
// identity (GET /api/identity of the window's server: its safety code, and the fingerprint its
// join links carry).
import { ref, watch } from 'vue'
import * as desktop from '../desktopBridge.js'

const COPIED_SHOWN_MS = 2000

/**
 * @param {object} [options]
 * @param {string} [options.localHost]  "127.0.0.1:PORT" of the window's own server
 * @param {typeof fetch} [options.fetchImpl]
 */
export function useHosting({
  localHost = '',
  fetchImpl = (...args) => globalThis.fetch(...args),
} = {}) {
  const status = ref(null) // { hosting, port, addresses, error, suggested_port } from the window
  const busy = ref(false)
  const copied = ref('') // the address just copied, shown as such for a moment
  const identity = ref(null) // { fingerprint, safety_code } of this host, once read

  async function loadIdentity() {
    if (!localHost) return
    try {
      const response = await fetchImpl(`http://${localHost}/api/identity`)
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const body = await response.json()
      identity.value = { fingerprint: body.fingerprint, safety_code: body.safety_code }
    } catch (error) {
      console.error("lanchat: could not read this host's identity", error)
    }
  }

  async function whileBusy(action) {
    busy.value = true
    try {
      status.value = await action()
    } finally {
      busy.value = false
    }
  }

  const start = (port) => whileBusy(() => desktop.startHosting(port))
  const stop = () => whileBusy(() => desktop.stopHosting())

  async function copyAddress(url) {
    try {
      await desktop.copyText(url)
      copied.value = url
      setTimeout(() => {
        if (copied.value === url) copied.value = ''
      }, COPIED_SHOWN_MS)
    } catch (error) {
      console.error('lanchat: could not copy', error)
    }
  }

  // The code shows (with the way to replace it) hosting or not: it is this computer's identity.
  watch(desktop.desktopApi, async (api) => {
    if (!api) return
    loadIdentity()
    status.value = await desktop.hostStatus()
  })
  // Read once hosting starts (the certificate is renewed for the addresses hosting serves, the
  // key and so the fingerprint stay), and again when asked (a new identity was made).
  watch(
    () => status.value?.hosting,
    (hosting) => {
      if (hosting) loadIdentity()
    },
  )

  return { status, busy, copied, identity, start, stop, copyAddress, loadIdentity }
}
