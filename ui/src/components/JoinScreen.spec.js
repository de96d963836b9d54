import { afterEach, describe, expect, it, vi } from 'vitest'
import JoinScreen, { ROOM_LIST_REFRESH_MS } from './JoinScreen.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { MAX_ROOM_CHARS, MAX_SENDER_CHARS } from '../protocol.js'

const localRooms = { state: 'ready', rooms: [] }

// The join screen's DiscoveredHosts asks our server for hosts found; here no server browses.
vi.stubGlobal('fetch', async () => ({ ok: false, status: 404, json: async () => ({}) }))

function mountJoin(props = {}, locale = 'en') {
  return mountWithI18n(
    JoinScreen,
    {
      props: { name: 'Alice', localRooms, localHost: '127.0.0.1:18765', ...props },
      attachTo: document.body,
    },
    locale,
  )
}

afterEach(() => {
  vi.useRealTimers()
  document.body.innerHTML = ''
})

describe('JoinScreen', () => {
  it('joins on Enter in the Name field when a room is typed, and moves to the Room field otherwise', async () => {
    const wrapper = mountJoin()
    await wrapper.get('#join-name').trigger('keydown', { key: 'Enter' })
    expect(wrapper.emitted('join')).toBeUndefined()
    expect(document.activeElement).toBe(wrapper.get('#join-room').element)
    await wrapper.get('#join-room').setValue('kitchen')
    await wrapper.get('#join-name').trigger('keydown', { key: 'Enter' })
    expect(wrapper.emitted('join')).toEqual([[{ host: null, room: 'kitchen' }]])
  })

  it('goes back to the chat on Escape when a room is open, and not otherwise', async () => {
    const alone = mountJoin()
    await alone.get('.join-screen').trigger('keydown', { key: 'Escape' })
    expect(alone.emitted('back')).toBeUndefined()
    const inRoom = mountJoin({ canGoBack: true })
    await inRoom.get('#join-name').trigger('keydown', { key: 'Escape' })
    expect(inRoom.emitted('back')).toHaveLength(1)
  })

  it('asks for the name, not a room, when a listed room is picked without one, then joins it', async () => {
    const wrapper = mountJoin({
      name: '',
      localRooms: { state: 'ready', rooms: [{ name: 'kitchen', members: 2 }] },
    })
    await wrapper.get('[data-testid="room-list"] li button').trigger('click')
    expect(wrapper.emitted('join')).toBeUndefined()
    expect(wrapper.get('#join-name-error').text()).toBe('Enter your name.')
    expect(wrapper.find('#join-room-error').exists()).toBe(false)
    expect(document.activeElement).toBe(wrapper.get('#join-name').element)
    await wrapper.setProps({ name: 'Alice' })
    await wrapper.get('#join-name').trigger('keydown', { key: 'Enter' })
    expect(wrapper.emitted('join')).toEqual([[{ host: null, room: 'kitchen' }]])
  })

  it('offers to join the host whose join link is pasted into the Room field, in both languages', async () => {
    for (const [locale, offer] of [
      ['en', 'Join kitchen on 10.0.0.5:8765'],
      ['ru', 'Войти в kitchen на 10.0.0.5:8765'],
    ]) {
      const wrapper = mountJoin({}, locale)
      await wrapper.get('#join-room').setValue('http://10.0.0.5:8765/#room=kitchen')
      const button = wrapper.get('[data-testid="room-field-address"] button')
      expect(button.text()).toBe(offer)
      await button.trigger('click')
      expect(wrapper.find('#join-room-error').exists()).toBe(false)
      expect(wrapper.emitted('join')).toEqual([[{ host: '10.0.0.5:8765', room: 'kitchen' }]])
      expect(wrapper.get('#join-address').element.value).toBe('10.0.0.5:8765')
      expect(wrapper.get('#join-remote-room').element.value).toBe('kitchen')
      wrapper.unmount()
    }
  })

  it('carries the host fingerprint of a pasted https join link to the join and the room list', async () => {
    const fp = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'
    const wrapper = mountJoin()
    await wrapper.get('#join-room').setValue(`https://10.0.0.5:8765/#fp=${fp}&room=kitchen`)
    await wrapper.get('[data-testid="room-field-address"] button').trigger('click')
    expect(wrapper.emitted('join')).toEqual([[{ host: '10.0.0.5:8765', room: 'kitchen', fp }]])
    const listed = mountJoin()
    await listed.get('#join-room').setValue(`https://10.0.0.5:8765/#fp=${fp}`)
    await listed.get('form').trigger('submit')
    expect(listed.emitted('list-remote')).toEqual([['10.0.0.5:8765', fp]])
    // Another address typed afterwards is not pinned to that link's fingerprint.
    await listed.get('#join-address').setValue('10.0.0.6:8765')
    const showRooms = listed.findAll('button').find((button) => button.text() === 'Show rooms')
    await showRooms.trigger('click')
    expect(listed.emitted('list-remote').at(-1)).toEqual(['10.0.0.6:8765'])
  })

  it('asks the doctor about a failed join or listing with the fingerprint of the join link', async () => {
    const fp = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'
    const asked = []
    const answer = {
      outcome: 'identity_changed',
      step: 'identity',
      safety_code: '1',
      expected_safety_code: '2',
    }
    vi.stubGlobal('fetch', async (url) => {
      asked.push(String(url))
      return { ok: true, status: 200, json: async () => answer }
    })
    try {
      const wrapper = mountJoin()
      await wrapper.get('#join-room').setValue(`https://10.0.0.5:8765/#fp=${fp}&room=kitchen`)
      await wrapper.get('[data-testid="room-field-address"] button').trigger('click')
      const joining = { host: '10.0.0.5:8765', room: 'kitchen', address: '10.0.0.5:8765' }
      await wrapper.setProps({ joining: { ...joining, failure: null } })
      await wrapper.setProps({ joining: { ...joining, failure: { reason: 'closed' } } })
      await vi.waitFor(() => expect(asked.some((url) => url.includes('/api/diagnose?'))).toBe(true))
      const joinQuery = new URL(asked.find((url) => url.includes('/api/diagnose?'))).searchParams
      expect([joinQuery.get('address'), joinQuery.get('fp'), joinQuery.get('fp_from')]).toEqual([
        '10.0.0.5:8765',
        fp,
        'link',
      ])

      // Show rooms with the link in the address field: its listing's doctor is asked the same.
      asked.length = 0
      const listed = mountJoin()
      await listed.get('#join-room').setValue(`https://10.0.0.7:8765/#fp=${fp}`)
      await listed.get('form').trigger('submit')
      await listed.setProps({ remoteRooms: { host: '10.0.0.7:8765', state: 'failed', rooms: [] } })
      await vi.waitFor(() => expect(asked.some((url) => url.includes('/api/diagnose?'))).toBe(true))
      const listQuery = new URL(asked.find((url) => url.includes('/api/diagnose?'))).searchParams
      expect([listQuery.get('address'), listQuery.get('fp')]).toEqual(['10.0.0.7:8765', fp])

      // A plain address names no fingerprint: the doctor is asked without one.
      asked.length = 0
      await listed.get('#join-address').setValue('10.0.0.8:8765')
      await listed
        .findAll('button')
        .find((button) => button.text() === 'Show rooms')
        .trigger('click')
      await listed.setProps({ remoteRooms: { host: '10.0.0.8:8765', state: 'failed', rooms: [] } })
      await vi.waitFor(() => expect(asked.some((url) => url.includes('/api/diagnose?'))).toBe(true))
      const plainQuery = new URL(asked.find((url) => url.includes('/api/diagnose?'))).searchParams
      expect([plainQuery.get('address'), plainQuery.get('fp')]).toEqual(['10.0.0.8:8765', null])
    } finally {
      vi.stubGlobal('fetch', async () => ({ ok: false, status: 404, json: async () => ({}) }))
    }
  })

  it('sends a listed host whose identity changed to the window’s check, naming the list as the key’s source', async () => {
    const fp = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'
    const changed = {
      name: 'Kitchen',
      address: '10.0.0.5',
      port: 8765,
      rooms: [],
      fingerprint: fp,
      identity_changed: true,
    }
    vi.stubGlobal('fetch', async () => ({
      ok: true,
      status: 200,
      json: async () => ({ browsing: true, hosts: [changed] }),
    }))
    try {
      const wrapper = mountJoin()
      await vi.waitFor(() =>
        expect(wrapper.find('[data-testid="discovered-changed-check"]').exists()).toBe(true),
      )
      await wrapper.get('[data-testid="discovered-changed-check"]').trigger('click')
      expect(wrapper.emitted('list-remote')).toEqual([['10.0.0.5:8765', fp, 'list']])
      expect(wrapper.emitted('join')).toBeUndefined()
    } finally {
      vi.stubGlobal('fetch', async () => ({ ok: false, status: 404, json: async () => ({}) }))
    }
  })

  it('fills the address from a bare address in the Room field and lists the rooms there', async () => {
    const wrapper = mountJoin()
    await wrapper.get('#join-room').setValue('10.0.0.5:8765')
    await wrapper.get('form').trigger('submit')
    expect(wrapper.find('#join-room-error').exists()).toBe(false)
    expect(wrapper.emitted('list-remote')).toEqual([['10.0.0.5:8765']])
    expect(wrapper.get('#join-address').element.value).toBe('10.0.0.5:8765')
    expect(wrapper.get('#join-room').element.value).toBe('')
    expect(document.activeElement).toBe(wrapper.get('#join-remote-room').element)
  })

  it('cuts the Room and Name fields at the server’s limits, counted in characters', async () => {
    const wrapper = mountJoin({ name: '' })
    await wrapper.get('#join-room').setValue('r'.repeat(80))
    expect(wrapper.get('#join-room').element.value).toBe('r'.repeat(MAX_ROOM_CHARS))
    await wrapper.get('#join-name').setValue('😀'.repeat(40))
    expect(wrapper.emitted('update:name').at(-1)).toEqual(['😀'.repeat(MAX_SENDER_CHARS)])
  })

  it('lists the rooms at an address without asking for a room or a name first', async () => {
    const wrapper = mountJoin({ name: '' })
    await wrapper.get('#join-address').setValue('192.0.2.7:8765')
    const showRooms = wrapper.findAll('button').find((button) => button.text() === 'Show rooms')
    await showRooms.trigger('click')
    expect(wrapper.emitted('list-remote')).toEqual([['192.0.2.7:8765']])
    expect(wrapper.find('#join-remote-room-error').exists()).toBe(false)
    expect(wrapper.find('#join-name-error').exists()).toBe(false)
  })

  it('keeps the Room box out of the region labelled "Rooms on this server", in both languages', () => {
    for (const [locale, label] of [
      ['en', 'Rooms on this server'],
      ['ru', 'Комнаты на этом сервере'],
    ]) {
      const wrapper = mountJoin({}, locale)
      const region = wrapper.get('#join-room').element.closest('[aria-label]')
      expect(region?.getAttribute('aria-label')).not.toBe(label)
    }
  })

  it('shows no room name as a placeholder, since an empty Room field joins nothing', () => {
    const wrapper = mountJoin()
    expect(wrapper.get('#join-room').attributes('placeholder')).toBeUndefined()
    expect(wrapper.get('#join-remote-room').attributes('placeholder')).toBeUndefined()
  })

  it('leaves open rooms out of Recent and calls this computer by name, in both languages', () => {
    const recent = [
      { host: '127.0.0.1:18765', room: 'general' },
      { host: '127.0.0.1:18765', room: 'kitchen' },
      { host: '10.0.0.2:8765', room: 'attic' },
    ]
    const openRooms = [{ host: '127.0.0.1:18765', room: 'general' }]
    const en = mountJoin({ recent, openRooms })
    expect(en.findAll('.chip').map((chip) => chip.text())).toEqual([
      'kitchen on this computer',
      'attic on 10.0.0.2:8765',
    ])
    const ru = mountJoin({ recent, openRooms }, 'ru')
    expect(ru.findAll('.chip').map((chip) => chip.text())[0]).toBe('kitchen на этом компьютере')
  })

  it('refreshes the room list by itself while it is shown', async () => {
    vi.useFakeTimers()
    const wrapper = mountJoin()
    vi.advanceTimersByTime(ROOM_LIST_REFRESH_MS - 1)
    expect(wrapper.emitted('refresh')).toBeUndefined()
    vi.advanceTimersByTime(1)
    const refreshes = wrapper.emitted('refresh')
    expect(refreshes).toHaveLength(1)
    wrapper.unmount()
    vi.advanceTimersByTime(ROOM_LIST_REFRESH_MS * 3)
    expect(refreshes).toHaveLength(1)
  })

  it('offers more rooms when the host has more than it listed, in both languages', async () => {
    const rooms = [{ name: 'general', members: 2 }]
    const wrapper = mountJoin({ localRooms: { state: 'ready', rooms, next: 1, total: 250 } })
    const more = wrapper.get('[data-testid="more-rooms"]')
    expect(more.text()).toBe('More rooms (1 of 250 listed)')
    await more.trigger('click')
    expect(wrapper.emitted('more-local')).toHaveLength(1)
    const ru = mountJoin({ localRooms: { state: 'ready', rooms, next: 1, total: 250 } }, 'ru')
    expect(ru.get('[data-testid="more-rooms"]').text()).toBe('Ещё комнаты (показано 1 из 250)')
    const all = mountJoin({ localRooms: { state: 'ready', rooms } })
    expect(all.find('[data-testid="more-rooms"]').exists()).toBe(false)
  })
})

describe('a join the host refused with a ban', () => {
  it.each([
    ['en', 'Cancel', 'the host of this server has banned you.'],
    ['ru', 'Отмена', 'владелец этого сервера заблокировал вас.'],
  ])('offers no Retry, only Cancel (%s)', (locale, cancel, why) => {
    const wrapper = mountJoin(
      {
        joining: {
          host: '127.0.0.1:18765',
          room: 'general',
          address: '127.0.0.1:18765',
          failure: { reason: 'rejected', code: 'banned' },
        },
      },
      locale,
    )
    const status = wrapper.get('[data-testid="join-status"]')
    expect(status.text()).toContain(why)
    expect(status.findAll('button').map((button) => button.text())).toEqual([cancel])
    wrapper.unmount()
  })
})
