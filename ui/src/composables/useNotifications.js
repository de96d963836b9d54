// Notifications for messages from others: on or off (a setting, saved at once), gathered per
// room (notificationGathering.js), shown natively by the desktop window or by the browser's
// Notification API. The window decides about its own focus; in a browser we do.
import { computed, onScopeDispose, ref } from 'vue'
import { desktopApi, notify as desktopNotify } from '../desktopBridge.js'
import {
  createNotificationGatherer,
  mentionText,
  notificationText,
} from '../notificationGathering.js'

/**
 * @param {object} options
 * @param {(key: string, named?: object, plural?: number) => string} options.t  vue-i18n's
 * @param {ReturnType<import('./useSettings.js').useSettings>} options.settings
 * @param {typeof globalThis.Notification} [options.NotificationImpl]  the browser's API, if any
 * @param {Permissions} [options.permissions]  navigator.permissions: tells when the person
 *   changes the page's permission in the browser's site settings
 */
export function useNotifications({
  t,
  settings,
  NotificationImpl = globalThis.Notification,
  permissions = globalThis.navigator?.permissions,
  gatherMs,
}) {
  const inWindow = computed(() => Boolean(desktopApi.value))
  // Browsers offer notifications only to secure pages (https, localhost): a page on a LAN
  // address over http has none to give.
  const browserCan = Boolean(NotificationImpl) && globalThis.isSecureContext !== false
  const permission = ref(NotificationImpl?.permission ?? 'denied')
  // While the browser's question is open, and whether its answer was no (a dismissed question
  // leaves the permission at 'default': not blocked, but not given either).
  const asking = ref(false)
  const refused = ref(false)
  // Allowed or blocked later in the site settings: the switch follows without a reload.
  let permissionStatus = null
  const followPermission = () => {
    permission.value = NotificationImpl.permission
    if (permission.value === 'granted') refused.value = false
  }
  if (browserCan && permissions?.query) {
    permissions
      .query({ name: 'notifications' })
      .then((status) => {
        permissionStatus = status
        status.addEventListener('change', followPermission)
      })
      .catch(() => {}) // a browser that cannot tell: the permission is read when asked
  }
  const available = computed(() => inWindow.value || browserCan)
  const blocked = computed(() => !inWindow.value && browserCan && permission.value === 'denied')
  const enabled = computed(
    () =>
      settings.settings.notifications &&
      (inWindow.value || (browserCan && permission.value === 'granted')),
  )

  const gatherer = createNotificationGatherer(deliver, gatherMs ? { gatherMs } : undefined)

  function deliver(batch) {
    show(batch.key, notificationText(t, batch))
  }

  function show(key, [title, body]) {
    if (!enabled.value) return
    const shortBody = body.slice(0, 200)
    if (inWindow.value) desktopNotify(title, shortBody)
    else if (!globalThis.document?.hasFocus()) {
      // The tag replaces the room's previous notification rather than stacking another.
      new NotificationImpl(title, { body: shortBody, tag: key })
    }
  }

  /**
   * A live message from someone else in the room `key`. One that names us notifies at once, on
   * its own, even in a muted room; a muted room says nothing else.
   */
  function add(key, room, message, { muted = false, mentioned = false } = {}) {
    if (!enabled.value) return
    if (mentioned) show(`${key}@`, mentionText(t, room, message))
    else if (!muted) gatherer.add(key, room, message)
  }

  async function setEnabled(on) {
    if (on && !inWindow.value) {
      if (!browserCan) return
      if (permission.value !== 'granted') {
        asking.value = true
        try {
          permission.value = await NotificationImpl.requestPermission()
        } finally {
          asking.value = false
        }
        refused.value = permission.value !== 'granted'
        if (refused.value) return
      }
    }
    refused.value = false
    if (!on) gatherer.drop()
    settings.setNotifications(on)
  }

  onScopeDispose(() => {
    gatherer.drop()
    permissionStatus?.removeEventListener('change', followPermission)
  })

  return {
    enabled,
    available,
    blocked,
    asking,
    refused,
    inWindow,
    add,
    drop: gatherer.drop,
    setEnabled,
  }
}
