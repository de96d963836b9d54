import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import JoinScreen from './JoinScreen.vue'
import { NOTHING_FOUND_AFTER_MS } from './NothingFoundHint.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

// Our server's /api/discovered, at the page's fetch boundary.
function discovered(body) {
  vi.stubGlobal('fetch', async () => ({ ok: true, status: 200, json: async () => body }))
}

function mountJoin(locale = 'en') {
  return mountWithI18n(
    JoinScreen,
    {
      props: {
        name: 'Alice',
        localRooms: { state: 'ready', rooms: [] },
        localHost: '127.0.0.1:18765',
      },
      attachTo: document.body,
    },
    locale,
  )
}

async function waitFor(wrapper, ms) {
  vi.advanceTimersByTime(ms)
  await flushPromises()
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('the join screen when nothing is found', () => {
  it('says why after NOTHING_FOUND_AFTER_MS and opens join-by-address, in English', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    discovered({ browsing: true, hosts: [] })
    const wrapper = mountJoin()
    await waitFor(wrapper, NOTHING_FOUND_AFTER_MS - 1)
    expect(wrapper.find('[data-testid="nothing-found"]').exists()).toBe(false)
    await waitFor(wrapper, 1)
    const hint = wrapper.get('[data-testid="nothing-found"]')
    const reasons = hint.findAll('li').map((li) => li.text())
    expect(reasons).toHaveLength(4)
    expect(reasons[0]).toContain('another network or subnet')
    expect(reasons[1]).toContain('client isolation')
    expect(reasons[2]).toContain('firewall')
    expect(reasons[3]).toContain('VPN')
    expect(wrapper.get('details').element.open).toBe(false)
    await hint.get('button').trigger('click')
    await flushPromises()
    expect(wrapper.get('details').element.open).toBe(true)
    expect(document.activeElement).toBe(wrapper.get('#join-address').element)
  })

  it('says it in Russian', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    discovered({ browsing: true, hosts: [] })
    const wrapper = mountJoin('ru')
    await waitFor(wrapper, NOTHING_FOUND_AFTER_MS)
    const hint = wrapper.get('[data-testid="nothing-found"]')
    expect(hint.get('h2').text()).toBe('В этой сети пока не найдено других lanchat')
    expect(hint.get('button').text()).toBe('Подключиться по адресу')
  })

  it('says nothing while discovery is off, or once a host is found', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    discovered({ browsing: false, hosts: [] })
    const off = mountJoin()
    await waitFor(off, NOTHING_FOUND_AFTER_MS * 2)
    expect(off.find('[data-testid="nothing-found"]').exists()).toBe(false)

    const host = { name: 'Kitchen', address: '10.0.0.5', port: 8765, protocol: 2, rooms: [] }
    discovered({ browsing: true, hosts: [host] })
    const found = mountJoin()
    await waitFor(found, NOTHING_FOUND_AFTER_MS * 2)
    expect(found.find('[data-testid="nothing-found"]').exists()).toBe(false)
  })
})
