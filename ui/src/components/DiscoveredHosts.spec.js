import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import DiscoveredHosts, { DISCOVERED_REFRESH_MS } from './DiscoveredHosts.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const KITCHEN = {
  name: 'Kitchen laptop',
  address: '10.0.0.5',
  port: 8765,
  protocol: 2,
  rooms: [{ name: 'lobby', members: 2, messages: 10 }],
}

// fetch is the boundary: our server's /api/discovered answers are given one after another.
function answering(...bodies) {
  const calls = []
  const fetchImpl = async (url) => {
    calls.push(url)
    const body = bodies.length > 1 ? bodies.shift() : bodies[0]
    if (body instanceof Error) throw body
    if (typeof body === 'number') return { ok: false, status: body, json: async () => ({}) }
    return { ok: true, status: 200, json: async () => body }
  }
  return { fetchImpl, calls }
}

async function mountHosts(fetchImpl, locale = 'en') {
  const wrapper = mountWithI18n(
    DiscoveredHosts,
    { props: { serverHost: '127.0.0.1:18765', fetchImpl } },
    locale,
  )
  await flushPromises()
  return wrapper
}

afterEach(() => vi.useRealTimers())

describe('DiscoveredHosts', () => {
  it('says how a host not heard on this network is known: joined before, or through another host', async () => {
    const remembered = { ...KITCHEN, address: '10.1.0.5', source: 'remembered' }
    const viaPeer = { ...KITCHEN, name: 'Attic', address: '10.2.0.5', source: 'peer' }
    const found = { ...KITCHEN, source: 'found' }
    const { fetchImpl } = answering({ browsing: true, hosts: [found, remembered, viaPeer] })
    const wrapper = await mountHosts(fetchImpl)
    const items = wrapper.findAll('li').map((item) => item.text())
    expect(items[0]).not.toContain('·')
    expect(items[1]).toContain('10.1.0.5:8765 · joined before')
    expect(items[2]).toContain('10.2.0.5:8765 · known to another host')
  })

  it('marks a host whose identity changed, offers none of its rooms, and sends the person to the check, in both languages', async () => {
    const fingerprint = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'
    const changed = {
      ...KITCHEN,
      rooms: [],
      source: 'remembered',
      fingerprint,
      identity_changed: true,
      presented_safety_code: '66666 77777 88888 99999 00000',
    }
    for (const [locale, mark, words, button] of [
      [
        'en',
        'Identity changed',
        'another identity than the one this window knows',
        'See what changed',
      ],
      [
        'ru',
        'Подлинность изменилась',
        'не той подлинностью, которую знает это окно',
        'Посмотреть, что изменилось',
      ],
    ]) {
      const { fetchImpl } = answering({
        browsing: true,
        hosts: [changed, { ...KITCHEN, address: '10.0.0.6' }],
      })
      const wrapper = await mountHosts(fetchImpl, locale)
      const [first, second] = wrapper.findAll('li')
      expect(first.attributes('data-identity-changed')).toBe('true')
      const note = first.get('[data-testid="discovered-changed"]')
      expect(note.get('.mark').text()).toContain(mark)
      expect(note.text()).toContain(words)
      expect(first.findAll('button').map((b) => b.text())).toEqual([button])
      expect(first.text()).not.toContain(
        locale === 'en' ? 'No rooms there yet' : 'Комнат там пока нет',
      )
      await first.get('[data-testid="discovered-changed-check"]').trigger('click')
      expect(wrapper.emitted('check')).toEqual([[{ host: '10.0.0.5:8765', fp: fingerprint }]])
      expect(wrapper.emitted('join')).toBeUndefined()
      // An ordinary host beside it is as it was.
      expect(second.attributes('data-identity-changed')).toBeUndefined()
      expect(second.find('[data-testid="discovered-changed"]').exists()).toBe(false)
      wrapper.unmount()
    }
  })

  it('lists each found host with its rooms and joins a room there in one click', async () => {
    const { fetchImpl, calls } = answering({ browsing: true, hosts: [KITCHEN] })
    const wrapper = await mountHosts(fetchImpl)
    expect(calls).toEqual(['http://127.0.0.1:18765/api/discovered'])
    expect(wrapper.text()).toContain('Found on this network')
    expect(wrapper.text()).toContain('Kitchen laptop')
    expect(wrapper.text()).toContain('10.0.0.5:8765')
    await wrapper.get('button').trigger('click')
    expect(wrapper.emitted('join')).toEqual([[{ host: '10.0.0.5:8765', room: 'lobby' }]])
  })

  it('joins with the host fingerprint discovery carries, for the window to pin from the first byte', async () => {
    const fingerprint = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'
    const { fetchImpl } = answering({ browsing: true, hosts: [{ ...KITCHEN, fingerprint }] })
    const wrapper = await mountHosts(fetchImpl)
    await wrapper.get('button').trigger('click')
    expect(wrapper.emitted('join')).toEqual([
      [{ host: '10.0.0.5:8765', room: 'lobby', fp: fingerprint }],
    ])
  })

  it('shows nothing while our server does not browse or refuses the list', async () => {
    for (const answer of [{ browsing: false, hosts: [] }, 403, new Error('offline')]) {
      const wrapper = await mountHosts(answering(answer).fetchImpl)
      expect(wrapper.find('[data-testid="discovered-hosts"]').exists()).toBe(false)
    }
  })

  it('drops a host that disappeared at the next refresh', async () => {
    vi.useFakeTimers()
    const { fetchImpl } = answering(
      { browsing: true, hosts: [KITCHEN] },
      { browsing: true, hosts: [] },
    )
    const wrapper = await mountHosts(fetchImpl)
    expect(wrapper.text()).toContain('Kitchen laptop')
    await vi.advanceTimersByTimeAsync(DISCOVERED_REFRESH_MS)
    await flushPromises()
    expect(wrapper.find('[data-testid="discovered-hosts"]').exists()).toBe(false)
  })

  it('speaks Russian, rooms-less hosts included', async () => {
    const { fetchImpl } = answering({ browsing: true, hosts: [{ ...KITCHEN, rooms: [] }] })
    const wrapper = await mountHosts(fetchImpl, 'ru')
    expect(wrapper.text()).toContain('Найдено в сети')
    expect(wrapper.text()).toContain('Комнат там пока нет')
  })
})
