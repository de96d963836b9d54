// Hosting from the window: the listener's status as the desktop reports it, start and
// stop (busy while the window works), and copying an address to give to others.
import { ref, watch } from 'vue'
import * as desktop from '../desktopBridge.js'

const COPIED_SHOWN_MS = 2000

export function useHosting() {
  const status = ref(null) // { hosting, port, addresses, error, suggested_port } from the window
  const busy = ref(false)
  const copied = ref('') // the address just copied, shown as such for a moment

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

  watch(desktop.desktopApi, async (api) => {
    if (api) status.value = await desktop.hostStatus()
  })

  return { status, busy, copied, start, stop, copyAddress }
}
