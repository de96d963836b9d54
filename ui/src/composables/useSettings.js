// The settings this window keeps (name, language, recent rooms): read at once from
// what the page stored, then from the desktop once its bridge is there; saved on change.
import { computed, reactive, watch } from 'vue'
import * as desktop from '../desktopBridge.js'
import { systemLanguage } from '../i18n.js'

const RECENT_MAX = 8

/** @param {import('vue').Ref<string>} locale  vue-i18n's locale, which the language setting drives */
export function useSettings(locale) {
  const settings = reactive({ name: '', language: '', recent: [] })
  const myName = computed(() => settings.name.trim())

  function apply(saved) {
    settings.name = saved.name ?? settings.name
    settings.recent = Array.isArray(saved.recent) ? saved.recent : settings.recent
    settings.language = saved.language ?? settings.language
    locale.value = settings.language || systemLanguage()
  }

  function save() {
    desktop.saveSettings({ ...settings, recent: [...settings.recent] })
  }

  /** Put a room first among the recent ones. */
  function remember(host, room) {
    const recent = settings.recent.filter((entry) => entry.host !== host || entry.room !== room)
    settings.recent = [{ host, room }, ...recent].slice(0, RECENT_MAX)
    save()
  }

  /** Keep the name as trimmed, as the rooms use it. */
  function saveName() {
    settings.name = myName.value
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
  watch(desktop.desktopApi, async (api) => {
    if (api) apply(await desktop.loadSettings())
  })

  return { settings, myName, language, remember, saveName }
}
