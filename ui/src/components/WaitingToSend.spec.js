import { describe, expect, it } from 'vitest'
import WaitingToSend from './WaitingToSend.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

describe('WaitingToSend', () => {
  it('says how many messages wait to send, in both languages, and nothing when none do', () => {
    expect(mountWithI18n(WaitingToSend, { props: { count: 3 } }).text()).toBe('3 waiting to send')
    expect(mountWithI18n(WaitingToSend, { props: { count: 1 } }).text()).toBe('1 waiting to send')
    expect(mountWithI18n(WaitingToSend, { props: { count: 3 } }, 'ru').text()).toBe(
      '3 сообщения ждут отправки',
    )
    expect(mountWithI18n(WaitingToSend, { props: { count: 5 } }, 'ru').text()).toBe(
      '5 сообщений ждут отправки',
    )
    expect(
      mountWithI18n(WaitingToSend, { props: { count: 0 } })
        .find('p')
        .exists(),
    ).toBe(false)
  })
})
