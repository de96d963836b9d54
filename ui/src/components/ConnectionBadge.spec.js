import { describe, expect, it } from 'vitest'
import ConnectionBadge from './ConnectionBadge.vue'
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

  it('speaks Russian', () => {
    const wrapper = mountWithI18n(ConnectionBadge, { props: { status: 'offline' } }, 'ru')
    expect(wrapper.text()).toContain('Нет сети')
  })
})
