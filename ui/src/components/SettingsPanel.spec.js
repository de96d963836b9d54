import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { effectScope, ref } from 'vue'
import SettingsPanel from './SettingsPanel.vue'
import { useSettings } from '../composables/useSettings.js'
import { useNotifications } from '../composables/useNotifications.js'
import { memoryStorage } from '../testing/FakeWebSocket.js'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { createAppI18n } from '../i18n.js'
import { MAX_SENDER_CHARS } from '../protocol.js'

function panel(locale = 'en', props = {}, NotificationImpl = null, { name = 'Anna' } = {}) {
  const settings = useSettings(ref(locale), { storage: memoryStorage() })
  if (name) settings.rename(name)
  const scope = effectScope()
  const notifications = scope.run(() =>
    useNotifications({ t: createAppI18n(locale).global.t, settings, NotificationImpl }),
  )
  const wrapper = mountWithI18n(
    SettingsPanel,
    { props: { settings, notifications, ...props } },
    locale,
  )
  return { wrapper, settings }
}

// The browser's Notification API is the boundary: its question answered with `answer`, once
// `release()` is called (the person takes a moment).
function browserAnswering(answer) {
  let release
  const answered = new Promise((resolve) => (release = resolve))
  class FakeNotification {
    static permission = 'default'
    static async requestPermission() {
      await answered
      FakeNotification.permission = answer
      return answer
    }
  }
  return { NotificationImpl: FakeNotification, release: () => release() }
}

beforeEach(() => localStorage.clear())

describe('SettingsPanel', () => {
  it('renames at once and says so, in both languages', async () => {
    const { wrapper, settings } = panel()
    await wrapper.get('#settings-name').setValue('Anya')
    await wrapper.get('form').trigger('submit')
    expect(settings.myName.value).toBe('Anya')
    expect(wrapper.get('[role="status"]').text()).toBe('Saved: your rooms now show you as Anya.')

    const ru = panel('ru')
    await ru.wrapper.get('#settings-name').setValue('Аня')
    await ru.wrapper.get('form').trigger('submit')
    expect(ru.wrapper.get('[role="status"]').text()).toBe(
      'Сохранено: в комнатах вас видят как Аня.',
    )
  })

  it.each([
    ['en', 'Others see you as', 'You choose your name when you join your first room.'],
    ['ru', 'Вас видят как', 'Имя вы выберете, когда войдёте в первую комнату.'],
  ])(
    'asks for no name before the first one is chosen on the Join form, then offers renaming (%s)',
    async (locale, label, hint) => {
      const { wrapper, settings } = panel(locale, {}, null, { name: '' })
      expect(wrapper.find('input#settings-name').exists()).toBe(false)
      expect(wrapper.get('[data-testid="settings-no-name"]').text()).toBe(`${label}${hint}`)
      settings.rename('Anna') // as the Join form does when the first room is joined
      await flushPromises()
      expect(wrapper.find('[data-testid="settings-no-name"]').exists()).toBe(false)
      expect(wrapper.get('#settings-name').element.value).toBe('Anna')
    },
  )

  it('stops the Name field at the name limit, counted in characters', async () => {
    const { wrapper } = panel()
    await wrapper.get('#settings-name').setValue('😀'.repeat(MAX_SENDER_CHARS + 5))
    expect(wrapper.get('#settings-name').element.value).toBe('😀'.repeat(MAX_SENDER_CHARS))
  })

  it('switches read receipts off and on, saved, in both languages', async () => {
    const { wrapper, settings } = panel()
    const toggle = wrapper.get('[data-testid="receipts-toggle"]')
    expect(toggle.element.checked).toBe(true)
    expect(toggle.element.closest('label').textContent.trim()).toBe('Send read receipts')
    await toggle.setValue(false)
    expect(settings.settings.receipts).toBe(false)
    await toggle.setValue(true)
    expect(settings.settings.receipts).toBe(true)
    const ru = panel('ru')
    expect(
      ru.wrapper.get('[data-testid="receipts-toggle"]').element.closest('label').textContent.trim(),
    ).toBe('Отправлять отметки о прочтении')
    expect(ru.wrapper.get('#settings-receipts-hint').text()).toContain('не видите их отметок')
  })

  it('keeps the name and says why when the new one cannot be used', async () => {
    const { wrapper, settings } = panel()
    await wrapper.get('#settings-name').setValue('   ')
    await wrapper.get('form').trigger('submit')
    expect(settings.myName.value).toBe('Anna')
    expect(wrapper.get('[role="status"]').text()).toBe('Enter your name.')
  })

  it("shows a room's refusal of the name in plain words, or the server's own for a code it does not know", () => {
    const taken = panel('en', { nameRefusal: { code: 'name_taken', detail: 'x' } })
    expect(taken.wrapper.get('[role="status"]').text()).toContain(
      'Someone else is using this name here.',
    )
    const soon = panel('ru', { nameRefusal: { code: 'name_change_too_soon', retryAfter: 4.2 } })
    expect(soon.wrapper.get('[role="status"]').text()).toContain('попробуйте через 5 секунд.')
    const other = panel('en', {
      nameRefusal: { code: 'name_reserved', detail: 'That name is reserved.' },
    })
    expect(other.wrapper.get('[role="status"]').text()).toBe(
      'The server refused this (name_reserved): That name is reserved.',
    )
  })

  it.each([
    ['en', 'denied', 'This browser blocks notifications for this page'],
    ['ru', 'denied', 'Браузер запретил уведомления для этой страницы'],
    ['en', 'default', 'The browser did not allow notifications, so they stay off.'],
    ['ru', 'default', 'Браузер не разрешил уведомления, поэтому они выключены.'],
  ])(
    'unticks the notifications switch when the browser does not allow it (%s, %s), and says why',
    async (locale, answer, reason) => {
      const browser = browserAnswering(answer)
      const { wrapper, settings } = panel(locale, {}, browser.NotificationImpl)
      const box = wrapper.get('[data-testid="notifications-toggle"]')
      await box.setValue(true)
      // While the browser asks: the box waits for the answer, and the hint says so.
      expect(box.attributes('disabled')).toBeDefined()
      expect(wrapper.get('#settings-notifications-hint').text()).toBe(
        createAppI18n(locale).global.t('notificationSwitch.asking'),
      )
      browser.release()
      await flushPromises()
      expect(box.element.checked).toBe(false)
      expect(box.attributes('disabled')).toBeUndefined()
      expect(settings.settings.notifications).toBe(false)
      expect(wrapper.get('#settings-notifications-hint').text()).toContain(reason)
    },
  )

  it('ticks the notifications switch once the browser allows it', async () => {
    const browser = browserAnswering('granted')
    const { wrapper, settings } = panel('en', {}, browser.NotificationImpl)
    const box = wrapper.get('[data-testid="notifications-toggle"]')
    await box.setValue(true)
    browser.release()
    await flushPromises()
    expect(box.element.checked).toBe(true)
    expect(settings.settings.notifications).toBe(true)
    expect(wrapper.get('#settings-notifications-hint').text()).toContain('While lanchat is in')
  })

  it('offers no notifications switch where the browser has none to give, and says why', () => {
    const { wrapper } = panel()
    expect(wrapper.get('[data-testid="notifications-toggle"]').attributes('disabled')).toBeDefined()
    expect(wrapper.text()).toContain('only to https or localhost pages')
  })
})
