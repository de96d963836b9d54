// The settings this window keeps (name, language, notifications, recent rooms): read at once
// from what the page stored, then from the desktop once its bridge is there; saved on change.
// The Settings panel and the Join screen change them only through the actions returned here.
import { computed, reactive, ref, watch } from 'vue'
import * as desktop from '../desktopBridge.js'
import { systemLanguage } from '../i18n.js'
import { EDIT_WINDOW_SECONDS, cleanName, nameProblem } from '../protocol.js'
import { appStorage } from '../windowStorage.js'

const RECENT_MAX = 8
// Rooms whose messages notify only when they name us, as "host/room" keys. Bounded as the
// window's settings.json bounds it (desktop/settings.py MAX_MUTED_ROOMS, the same number).
export const MUTED_ROOMS_MAX = 200
// Names this client used before a rename: a message without an identity (from before this client
// said hello, or from a host that keeps none) still shows as ours under them, after a reload too
// (ownMessages.js goes by identity first); bounded so a list of them stays small.
export const FORMER_NAMES_MAX = 20
const FORMER_NAMES_KEY = 'lanchat.formerNames'

/**
 * @param {import('vue').Ref<string>} locale  vue-i18n's locale, which the language setting drives
 * @param {object} [options]
 * @param {Storage} [options.storage]  where the former names are kept (mirrored to the window)
 */
export function useSettings(locale, { storage = appStorage } = {}) {
  // notifications: in the window the desktop's settings.json says (true by default); in a
  // browser they need the page's permission, so they start off.
  // receipts: "Send read receipts", on unless switched off (off: we see nobody's either).
  const settings = reactive({
    name: '',
    language: '',
    recent: [],
    notifications: false,
    receipts: true,
    muted: [],
    edit_window_hours: EDIT_WINDOW_SECONDS / 3600, // the window's server: how long edits are allowed
  })
  const myName = computed(() => settings.name.trim())
  const formerNames = ref(loadFormerNames())
  const ownNames = computed(() => new Set([myName.value, ...formerNames.value].filter(Boolean)))

  function loadFormerNames() {
    try {
      const saved = JSON.parse(storage.getItem(FORMER_NAMES_KEY) ?? '[]')
      return Array.isArray(saved) ? saved.filter((name) => typeof name === 'string') : []
    } catch {
      return []
    }
  }

  function apply(saved) {
    settings.name = typeof saved.name === 'string' ? saved.name : settings.name
    settings.recent = Array.isArray(saved.recent) ? saved.recent : settings.recent
    settings.language = saved.language ?? settings.language
    if (typeof saved.notifications === 'boolean') settings.notifications = saved.notifications
    if (typeof saved.receipts === 'boolean') settings.receipts = saved.receipts
    if (typeof saved.edit_window_hours === 'number')
      settings.edit_window_hours = saved.edit_window_hours
    if (Array.isArray(saved.muted))
      settings.muted = saved.muted.filter((key) => typeof key === 'string')
    locale.value = settings.language || systemLanguage()
  }

  // In the window, settings.json is the truth. Until it has been read, a save (a room rejoined
  // at start-up puts itself first among the recent ones) would write the page's defaults over
  // it: "Send read receipts" switched off came back on after a restart. Such a save waits for
  // the window's settings, then goes out with them.
  let windowSettingsRead = false
  let saveWaiting = false

  function save() {
    if (desktop.desktopApi.value && !windowSettingsRead) {
      saveWaiting = true
      return
    }
    desktop.saveSettings({ ...settings, recent: [...settings.recent], muted: [...settings.muted] })
  }

  /** Put a room first among the recent ones. */
  function remember(host, room) {
    const recent = settings.recent.filter((entry) => entry.host !== host || entry.room !== room)
    settings.recent = [{ host, room }, ...recent].slice(0, RECENT_MAX)
    save()
  }

  /**
   * Take a new name at once, saved, for every room (the rooms follow `myName`). The problem code
   * (`name_empty`, `name_too_long`) when the name cannot be used, else null.
   */
  function rename(wanted) {
    const problem = nameProblem(wanted)
    if (problem) return problem
    const name = cleanName(wanted) // as the server keeps it (trimmed, NFC), so our messages match it
    if (name === myName.value) return null
    if (myName.value) {
      const former = [myName.value, ...formerNames.value.filter((old) => old !== name)]
      formerNames.value = [...new Set(former)].slice(0, FORMER_NAMES_MAX)
      storage.setItem(FORMER_NAMES_KEY, JSON.stringify(formerNames.value))
    }
    settings.name = name
    save()
    return null
  }

  /** Whether `sender` is us: our name now or one we used before a rename. */
  function isOwnName(sender) {
    return ownNames.value.has(sender)
  }

  /** Whether room `key` ("host/room") is muted: it notifies only of messages that name us. */
  function isMuted(key) {
    return settings.muted.includes(key)
  }

  function setMuted(key, muted) {
    const others = settings.muted.filter((each) => each !== key)
    // The newest mute is kept when the list is full; the oldest is let go.
    settings.muted = muted ? [...others, key].slice(-MUTED_ROOMS_MAX) : others
    save()
  }

  function setNotifications(enabled) {
    settings.notifications = Boolean(enabled)
    save()
  }

  /** How long after sending people may edit their messages on this window's server (0: never). */
  function setEditWindowHours(hours) {
    settings.edit_window_hours = hours
    save()
  }

  function setReceipts(enabled) {
    settings.receipts = Boolean(enabled)
    save()
  }

  const language = computed({
    get: () => locale.value,
    set: (code) => {
      locale.value = code
      settings.language = code
      save()
    },
  })

  apply(desktop.localSettings())
  watch(
    desktop.desktopApi,
    async (api) => {
      if (!api) return
      // The window's settings.json has notifications on unless the person switched them off.
      apply({ notifications: true, ...(await desktop.loadSettings()) })
      windowSettingsRead = true
      if (saveWaiting) {
        saveWaiting = false
        save()
      }
    },
    { immediate: true },
  )

  return {
    settings,
    myName,
    formerNames,
    ownNames,
    language,
    remember,
    rename,
    isOwnName,
    isMuted,
    setMuted,
    setNotifications,
    setReceipts,
    setEditWindowHours,
  }
}
