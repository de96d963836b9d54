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
})
