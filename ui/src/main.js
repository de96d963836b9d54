import { createApp } from 'vue'
import App from './App.vue'
import { localServerHost } from './address.js'
import { storedRoomHosts } from './composables/useJoinedRooms.js'
import { restoreHostRoutes } from './hostIdentity.js'
import { createAppI18n } from './i18n.js'
import { startWindowStorage } from './windowStorage.js'
import './style.css'

// In the desktop window, what the last run kept is put back before anything reads it, and the
// rooms it brings back reach other hosts through the window's pinned gateway from their first byte.
async function start() {
  const api = await startWindowStorage()
  if (api) {
    const own = localServerHost()
    await restoreHostRoutes(
      storedRoomHosts().filter((host) => host !== own),
      { api },
    )
  }
  createApp(App).use(createAppI18n()).mount('#app')
}

start()
