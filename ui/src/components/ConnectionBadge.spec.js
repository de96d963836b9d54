import { describe, expect, it, vi } from 'vitest'
import ConnectionBadge, { UNREACHABLE_AFTER_MS } from './ConnectionBadge.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

describe('ConnectionBadge', () => {
  it('counts down to the next attempt and offers to try now', async () => {
    const wrapper = mountWithI18n(ConnectionBadge, {
      props: { status: 'reconnecting', retryIn: 4 },
    })
    expect(wrapper.text()).toContain('Reconnecting in 4 s')
    await wrapper.get('button').trigger('click')
    expect(wrapper.emitted('reconnect')).toHaveLength(1)
  })

  it('says connected with nothing to press', () => {
    const wrapper = mountWithI18n(ConnectionBadge, { props: { status: 'connected' } })
    expect(wrapper.text()).toBe('Connected')
    expect(wrapper.find('button').exists()).toBe(false)
  })

  it.each([
    ['en', 'You are banned'],
    ['ru', 'Вы заблокированы'],
  ])('says a ban is final and offers no reconnecting (%s)', (locale, words) => {
    const wrapper = mountWithI18n(
      ConnectionBadge,
      { props: { status: 'failed', banned: true } },
      locale,
    )
    expect(wrapper.text()).toBe(words)
    expect(wrapper.find('button').exists()).toBe(false)
  })

  it('speaks Russian', () => {
    const wrapper = mountWithI18n(ConnectionBadge, { props: { status: 'offline' } }, 'ru')
    expect(wrapper.text()).toContain('Нет сети')
  })

  it('after a long outage says since when the room is unreachable, in both languages', async () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date(2026, 11, 1, 20, 51))
    for (const [locale, text] of [
      ['en', 'Unreachable since 8:51 PM'],
      ['ru', 'Нет связи с 20:51'],
    ]) {
      vi.setSystemTime(new Date(2026, 11, 1, 20, 51))
      const wrapper = mountWithI18n(ConnectionBadge, { props: { status: 'connected' } }, locale)
      await wrapper.setProps({ status: 'reconnecting', retryIn: 5, downSince: Date.now() })
      await vi.advanceTimersByTimeAsync(UNREACHABLE_AFTER_MS - 1000)
      expect(wrapper.text()).not.toContain(text)
      await vi.advanceTimersByTimeAsync(1000)
      expect(wrapper.text()).toContain(text)
      await wrapper.setProps({ status: 'connected', downSince: null })
      expect(wrapper.text()).not.toContain(text)
      wrapper.unmount()
    }
    vi.useRealTimers()
  })

  it('shows a long outage at once when it is shown again, as after switching rooms and back', () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date(2026, 11, 1, 20, 51))
    const downSince = Date.now()
    vi.setSystemTime(new Date(2026, 11, 1, 20, 55))
    const wrapper = mountWithI18n(ConnectionBadge, {
      props: { status: 'reconnecting', retryIn: 5, downSince },
    })
    expect(wrapper.text()).toContain('Unreachable since 8:51 PM')
    vi.useRealTimers()
  })
})
