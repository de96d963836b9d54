import { describe, expect, it } from 'vitest'
import JoinedRoomsSidebar from './JoinedRoomsSidebar.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const room = {
  key: 'k',
  room: 'general',
  hostLabel: '',
  unread: 0,
  status: 'reconnecting',
  active: true,
}

describe('JoinedRoomsSidebar', () => {
  it('says in words what the connection dot shows, in both languages', () => {
    const en = mountWithI18n(JoinedRoomsSidebar, { props: { rooms: [room] } })
    expect(en.get('.room').text()).toContain('Reconnecting…')
    const ru = mountWithI18n(JoinedRoomsSidebar, { props: { rooms: [room] } }, 'ru')
    expect(ru.get('.room').text()).toContain('Переподключение…')
  })

  it('asks before leaving a room whose messages are not sent yet, in both languages', async () => {
    const waiting = { ...room, pending: 1 }
    const en = mountWithI18n(JoinedRoomsSidebar, { props: { rooms: [waiting] } })
    await en.get('.leave').trigger('click')
    expect(en.emitted('leave')).toBeUndefined()
    expect(en.get('[role="alertdialog"]').text()).toContain('1 message not sent yet: leave anyway?')
    await en.get('[data-testid="stay"]').trigger('click')
    expect(en.find('[role="alertdialog"]').exists()).toBe(false)
    await en.get('.leave').trigger('click')
    await en.get('[data-testid="leave-anyway"]').trigger('click')
    expect(en.emitted('leave')).toEqual([['k']])
    const ru = mountWithI18n(
      JoinedRoomsSidebar,
      { props: { rooms: [{ ...room, pending: 3 }] } },
      'ru',
    )
    await ru.get('.leave').trigger('click')
    expect(ru.get('[role="alertdialog"]').text()).toContain(
      '3 сообщения ещё не отправлены: всё равно выйти?',
    )
  })

  it('leaves at once a room with nothing waiting to send', async () => {
    const en = mountWithI18n(JoinedRoomsSidebar, { props: { rooms: [{ ...room, pending: 0 }] } })
    await en.get('.leave').trigger('click')
    expect(en.emitted('leave')).toEqual([['k']])
  })

  it('lists direct conversations apart, under the other person’s name, in both languages', () => {
    const direct = { ...room, key: 'd', room: '@dm:x', title: 'Bob', active: false, unread: 2 }
    const en = mountWithI18n(JoinedRoomsSidebar, {
      props: { rooms: [room], directRooms: [direct] },
    })
    expect(en.get('[data-testid="joined-rooms"]').text()).not.toContain('Bob')
    const listed = en.get('[data-testid="direct-rooms"]')
    expect(listed.text()).toContain('Bob')
    expect(listed.get('[data-testid="unread"]').text()).toContain('2')
    expect(en.text()).toContain('Direct messages')
    const ru = mountWithI18n(
      JoinedRoomsSidebar,
      { props: { rooms: [], directRooms: [direct] } },
      'ru',
    )
    expect(ru.text()).toContain('Личные сообщения')
  })

  it('shows no direct messages heading without any', () => {
    const en = mountWithI18n(JoinedRoomsSidebar, { props: { rooms: [room] } })
    expect(en.find('[data-testid="direct-rooms"]').exists()).toBe(false)
  })

  it('shows a muted room’s count quietly and a mention with @, in both languages', () => {
    const quiet = { ...room, unread: 3, mentions: 1, muted: true }
    const en = mountWithI18n(JoinedRoomsSidebar, { props: { rooms: [quiet] } })
    expect(en.get('[data-testid="unread"]').classes()).toContain('muted')
    expect(en.get('[data-testid="mentioned"]').attributes('title')).toBe('You are mentioned')
    expect(en.get('.room').text()).toContain('Muted: no notifications unless you are mentioned')
    const ru = mountWithI18n(JoinedRoomsSidebar, { props: { rooms: [quiet] } }, 'ru')
    expect(ru.get('[data-testid="mentioned"]').attributes('title')).toBe('Вас упомянули')
    const loud = mountWithI18n(JoinedRoomsSidebar, { props: { rooms: [{ ...room, unread: 2 }] } })
    expect(loud.get('[data-testid="unread"]').classes()).not.toContain('muted')
  })
})
