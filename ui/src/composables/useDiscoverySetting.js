// The discovery switch of the desktop window: whether it announces while hosting and lists
// the hosts around. The window owns the setting (settings.json) and says what blocks it
// (LANCHAT_DISCOVERY=off, --no-discovery); a plain browser has no such switch.
import { ref, watch } from 'vue'
import * as desktop from '../desktopBridge.js'

export function useDiscoverySetting() {
  const status = ref(null) // { setting, enabled, blocked_by } once the window answered
  const busy = ref(false)

  async function setEnabled(on) {
    busy.value = true
    try {
      status.value = await desktop.setDiscovery(on)
    } catch (error) {
      console.error('lanchat: could not switch discovery', error)
    } finally {
      busy.value = false
    }
  }

  watch(
    desktop.desktopApi,
    async (api) => {
      if (!api) return
      try {
        status.value = await desktop.discoveryStatus()
      } catch (error) {
        console.error('lanchat: could not read the discovery setting', error) // no switch shown
      }
    },
    { immediate: true },
  )

  return { status, busy, setEnabled }
}
