import { describe, expect, it } from 'vitest'
import RoomKindMark from './RoomKindMark.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

describe('RoomKindMark', () => {
  it('marks a direct conversation with a person, not a padlock, in both languages', () => {
    const en = mountWithI18n(RoomKindMark, { props: { direct: true, locked: true } })
    expect(en.find('[data-testid="room-direct"]').exists()).toBe(true)
    expect(en.find('[data-testid="room-lock"]').exists()).toBe(false)
    expect(en.find('.person-icon').exists()).toBe(true)
    expect(en.find('.lock-icon').exists()).toBe(false)
    expect(en.text()).toBe('Direct conversation')
    const ru = mountWithI18n(RoomKindMark, { props: { direct: true } }, 'ru')
    expect(ru.text()).toBe('Личная переписка')
  })

  it('keeps the padlock for a room with a password, in both languages', () => {
    const en = mountWithI18n(RoomKindMark, { props: { locked: true } })
    expect(en.find('[data-testid="room-lock"]').exists()).toBe(true)
    expect(en.find('.lock-icon').exists()).toBe(true)
    expect(en.find('.person-icon').exists()).toBe(false)
    expect(en.get('[data-testid="room-lock"]').attributes('title')).toBe('Room with a password')
    const ru = mountWithI18n(RoomKindMark, { props: { locked: true } }, 'ru')
    expect(ru.text()).toBe('Комната с паролем')
  })

  it('shows nothing for an open room', () => {
    const open = mountWithI18n(RoomKindMark, { props: {} })
    expect(open.find('.room-kind').exists()).toBe(false)
  })
})
