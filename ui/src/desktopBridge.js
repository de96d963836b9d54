// Everything the UI may ask of the desktop window, feature-detected in one place.
// In the pywebview window `window.pywebview.api` appears (announced by the
// `pywebviewready` event); in a plain browser it never does and every function
// here falls back to what a browser can do.
import { shallowRef } from 'vue'

const SETTINGS_KEY = 'lanchat.settings'

/** The pywebview API once it is ready, else null. Reactive, so the Host panel appears when it does. */
export const desktopApi = shallowRef(null)

function detect() {
  const api = globalThis.window?.pywebview?.api
  if (api && typeof api.host_status === 'function') desktopApi.value = api
}

export function watchForDesktop() {
  detect()
  if (!desktopApi.value) window.addEventListener('pywebviewready', detect, { once: true })
}

/** What this browser remembers, available at once (the window's copy comes later). */
export function localSettings() {
  try {
    return JSON.parse(localStorage.getItem(SETTINGS_KEY)) ?? {}
  } catch {
    return {}
  }
}

/** Settings kept by the window when there is one, else by this browser. */
export async function loadSettings() {
  const saved = localSettings()
  if (!desktopApi.value) return saved
  try {
    return { ...saved, ...((await desktopApi.value.get_settings()) ?? {}) }
  } catch (error) {
    console.error('lanchat: could not read the window settings', error)
    return saved
  }
}

export async function saveSettings(settings) {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings))
  if (!desktopApi.value) return
  try {
    await desktopApi.value.save_settings(settings)
  } catch (error) {
    console.error('lanchat: could not save the window settings', error)
  }
}

/** Open a link in the system browser from the window; in a browser the link's own target does it. */
export function openExternal(url) {
  if (!desktopApi.value) return false
  desktopApi.value.open_external(url)
  return true
}

/** Copy text: through the window's clipboard when there is one (the window grants web pages no
 * clipboard permission), else through the browser's. */
export async function copyText(text) {
  if (desktopApi.value) await desktopApi.value.copy_text(text)
  else await navigator.clipboard.writeText(text)
}

export function notify(title, body) {
  desktopApi.value?.notify(title, body)
}

export function setUnread(count) {
  if (desktopApi.value) desktopApi.value.set_unread(count)
  else document.title = count > 0 ? `(${count}) lanchat` : 'lanchat'
}

export async function hostStatus() {
  return desktopApi.value.host_status()
}

export async function startHosting(port) {
  return desktopApi.value.start_hosting(port)
}

export async function stopHosting() {
  return desktopApi.value.stop_hosting()
}

/** { setting, enabled, blocked_by }: blocked_by is 'environment', 'flag' or null. */
export async function discoveryStatus() {
  return desktopApi.value.discovery_status()
}

export async function setDiscovery(on) {
  await desktopApi.value.save_settings({ discovery: on })
  return discoveryStatus()
}

/** The host's controls (remove, ban, delete), in the window only: null in a browser, and for a
 * room on another host, which this window does not run. */
export function hostControlsFor(host, ownHost) {
  const api = desktopApi.value
  if (!api || typeof api.delete_message !== 'function' || host !== ownHost) return null
  return {
    members: (room) => api.host_members(room),
    remove: (room, name) => api.remove_member(room, name, ''),
    banIdentity: (identity, name) => api.ban_identity(identity, name),
    banAddress: (address, name) => api.ban_address(address, name),
    bans: () => api.host_bans(),
    unban: (kind, value) => api.unban(kind, value),
    deleteMessage: (room, id) => api.delete_message(room, id),
  }
}

// The host's private rooms (desktop/room_admin.py): each answers { room, private }.
export async function roomPrivacy(room) {
  return desktopApi.value.room_privacy(room)
}

/**
 * What the window's page sends, instead of a password, to enter a private room of its own host
 * (the host keeps only the password's hash): a token, or null when the room is not private or
 * there is no window.
 */
export async function ownRoomPass(room) {
  const api = desktopApi.value
  if (!api || typeof api.room_pass !== 'function') return null
  try {
    return (await api.room_pass(room)) ?? null
  } catch {
    return null
  }
}

export async function makeRoomPrivate(room, password) {
  return desktopApi.value.make_room_private(room, password)
}

export async function makeRoomOpen(room) {
  return desktopApi.value.make_room_open(room)
}
