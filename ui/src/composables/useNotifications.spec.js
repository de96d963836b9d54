import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, ref } from 'vue'
import { useNotifications } from './useNotifications.js'
import { useSettings } from './useSettings.js'
import { NOTIFICATION_GATHER_SECONDS } from '../notificationGathering.js'
import { createAppI18n } from '../i18n.js'
import { memoryStorage } from '../testing/FakeWebSocket.js'
import { isolate } from '../bidi.js'

// The browser's Notification API is the boundary: a stand-in that records what was shown.
function fakeNotificationApi(answer) {
  class FakeNotification {
    static permission = 'default'
    static shown = []
    static async requestPermission() {
      FakeNotification.permission = answer
      return answer
    }
    constructor(title, options) {
      FakeNotification.shown.push([title, options.body])
    }
  }
  return FakeNotification
}

let scope

function notificationsWith(NotificationImpl) {
  const settings = useSettings(ref('en'), { storage: memoryStorage() })
  scope = effectScope()
  const notifications = scope.run(() =>
    useNotifications({ t: createAppI18n('en').global.t, settings, NotificationImpl }),
  )
  return { settings, notifications }
}

beforeEach(() => {
  vi.useFakeTimers()
  localStorage.clear()
  vi.spyOn(document, 'hasFocus').mockReturnValue(false)
})
afterEach(() => {
  scope?.stop()
  vi.useRealTimers()
})

describe('useNotifications in a browser', () => {
  it('follows a permission changed later in the browser’s site settings', async () => {
    const api = fakeNotificationApi('granted')
    // navigator.permissions is the boundary: a status whose change the browser announces.
    const status = new EventTarget()
    const permissions = { query: async () => status }
    const settings = useSettings(ref('en'), { storage: memoryStorage() })
    scope = effectScope()
    const notifications = scope.run(() =>
      useNotifications({
        t: createAppI18n('en').global.t,
        settings,
        NotificationImpl: api,
        permissions,
      }),
    )
    await notifications.setEnabled(true)
    await vi.runAllTimersAsync()
    expect(notifications.enabled.value).toBe(true)

    api.permission = 'denied'
    status.dispatchEvent(new Event('change'))
    expect(notifications.enabled.value).toBe(false)
    expect(notifications.blocked.value).toBe(true)

    api.permission = 'granted'
    status.dispatchEvent(new Event('change'))
    expect(notifications.enabled.value).toBe(true) // the setting was kept on
  })

  it('asks for permission when switched on, then shows one notification for a burst', async () => {
    const api = fakeNotificationApi('granted')
    const { settings, notifications } = notificationsWith(api)
    expect(notifications.enabled.value).toBe(false)
    await notifications.setEnabled(true)
    expect(settings.settings.notifications).toBe(true)

    for (const text of ['one', 'two', 'three'])
      notifications.add('h/general', 'general', { sender: 'Bob', text })
    vi.advanceTimersByTime(NOTIFICATION_GATHER_SECONDS * 1000)
    expect(api.shown).toEqual([
      [`${isolate('Bob')}: 3 new messages in ${isolate('general')}`, 'three'],
    ])
  })

  it('stays off when the person refuses the permission', async () => {
    const api = fakeNotificationApi('denied')
    const { settings, notifications } = notificationsWith(api)
    await notifications.setEnabled(true)
    expect(settings.settings.notifications).toBe(false)
    expect(notifications.blocked.value).toBe(true)
  })

  it('shows nothing once switched off, not even what was being gathered', async () => {
    const api = fakeNotificationApi('granted')
    const { notifications } = notificationsWith(api)
    await notifications.setEnabled(true)
    notifications.add('h/general', 'general', { sender: 'Bob', text: 'one' })
    await notifications.setEnabled(false)
    notifications.add('h/general', 'general', { sender: 'Bob', text: 'two' })
    vi.runAllTimers()
    expect(api.shown).toEqual([])
  })

  it('says nothing of a muted room, except at once of a message that names us, in both languages', async () => {
    const api = fakeNotificationApi('granted')
    const { notifications } = notificationsWith(api)
    await notifications.setEnabled(true)
    notifications.add('h/quiet', 'quiet', { sender: 'Bob', text: 'chatter' }, { muted: true })
    notifications.add(
      'h/quiet',
      'quiet',
      { sender: 'Bob', text: '@Anna look' },
      { muted: true, mentioned: true },
    )
    expect(api.shown).toEqual([
      [`${isolate('Bob')} mentioned you in ${isolate('quiet')}`, '@Anna look'],
    ])
    vi.runAllTimers()
    expect(api.shown).toHaveLength(1)
    const { t } = createAppI18n('ru').global
    expect(t('mentions.notify', { sender: 'Борис', room: 'тихая' })).toBe(
      'Борис упоминает вас в комнате тихая',
    )
  })
})
