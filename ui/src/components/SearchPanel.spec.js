import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import SearchPanel from './SearchPanel.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { ROOM_TOKEN_HEADER, SEARCH_PAGE } from '../protocol.js'

const HOST = '127.0.0.1:18765'

function result(id, overrides = {}) {
  return {
    room: 'general',
    id,
    sender: 'Аня',
    timestamp: 1764636000 + id,
    text: `<b>Где</b> книги ${id}?`,
    marks: [[11, 16]],
    ...overrides,
  }
}

// The server's /api/search at the fetch boundary: pages of `total` results.
function searchServer(total, { refuse } = {}) {
  const calls = []
  async function fetchImpl(url, init) {
    const parsed = new URL(url)
    calls.push({ url: parsed, headers: init?.headers ?? {} })
    if (refuse) return { ok: false, status: 400, json: async () => ({ detail: refuse }) }
    const offset = Number(parsed.searchParams.get('offset'))
    const limit = Number(parsed.searchParams.get('limit'))
    const ids = Array.from({ length: total }, (_, index) => total - index).slice(
      offset,
      offset + limit,
    )
    const next = offset + limit < total ? offset + limit : null
    return {
      ok: true,
      status: 200,
      json: async () => ({ results: ids.map((id) => result(id)), next_offset: next }),
    }
  }
  return { fetchImpl, calls }
}

function mountPanel(server, locale = 'en', props = {}) {
  return mountWithI18n(
    SearchPanel,
    {
      props: {
        hosts: [{ host: HOST, label: HOST }],
        tokensFor: () => ['tok-1', 'tok-2'],
        fetchImpl: server.fetchImpl,
        ...props,
      },
      attachTo: document.body,
    },
    locale,
  )
}

async function searchFor(wrapper, words) {
  await wrapper.get('[data-testid="search-input"]').setValue(words)
  await wrapper.get('form').trigger('submit')
  await flushPromises()
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('the search panel', () => {
  it('shows room, sender, time and the snippet with its matches marked, built from elements', async () => {
    const server = searchServer(1)
    const wrapper = mountPanel(server, 'en', { roomTitle: () => 'General chat' })
    await searchFor(wrapper, 'книга')
    const item = wrapper.get('[data-testid="search-result"]')
    expect(item.text()).toContain('General chat')
    expect(item.text()).toContain('Аня')
    expect(item.get('time').attributes('datetime')).toBe(new Date(1764636001000).toISOString())
    expect(item.findAll('mark').map((mark) => mark.text())).toEqual(['книги'])
    expect(item.find('b').exists()).toBe(false) // the message's markup stays text
    expect(item.get('.snippet').text()).toBe('<b>Где</b> книги 1?')
    const { url, headers } = server.calls[0]
    expect(url.pathname).toBe('/api/search')
    expect(url.searchParams.get('q')).toBe('книга')
    expect(headers[ROOM_TOKEN_HEADER]).toBe('tok-1,tok-2') // never in the URL
    expect(url.search).not.toContain('tok-1')
  })

  it('pages with "More results" until the last page', async () => {
    const server = searchServer(SEARCH_PAGE + 3)
    const wrapper = mountPanel(server)
    await searchFor(wrapper, 'report')
    expect(wrapper.findAll('[data-testid="search-result"]')).toHaveLength(SEARCH_PAGE)
    await wrapper.get('[data-testid="search-more"]').trigger('click')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="search-result"]')).toHaveLength(SEARCH_PAGE + 3)
    expect(server.calls[1].url.searchParams.get('offset')).toBe(String(SEARCH_PAGE))
    expect(wrapper.find('[data-testid="search-more"]').exists()).toBe(false)
  })

  it('opens a result: its host, room and message id', async () => {
    const wrapper = mountPanel(searchServer(2))
    await searchFor(wrapper, 'книга')
    await wrapper.findAll('[data-testid="search-result"]')[1].trigger('click')
    expect(wrapper.emitted('open')).toEqual([[{ host: HOST, room: 'general', id: 1 }]])
  })

  it('says when nothing was found, in English and in Russian', async () => {
    const english = mountPanel(searchServer(0))
    await searchFor(english, 'zebra')
    expect(english.text()).toContain('No messages found.')
    expect(english.text()).toContain('Search messages')
    const russian = mountPanel(searchServer(0), 'ru')
    await searchFor(russian, 'зебра')
    expect(russian.text()).toContain('Ничего не найдено.')
    expect(russian.text()).toContain('Поиск сообщений')
    expect(russian.get('button[type="submit"]').text()).toBe('Найти')
  })

  it('says why the server refused a search, in both languages', async () => {
    const refuse = { code: 'search_invalid', detail: 'A search needs at least one word.' }
    const english = mountPanel(searchServer(0, { refuse }))
    await searchFor(english, '?!')
    expect(english.get('[role="alert"]').text()).toContain('Type one or more words')
    const russian = mountPanel(searchServer(0, { refuse }), 'ru')
    await searchFor(russian, '?!')
    expect(russian.get('[role="alert"]').text()).toContain('Введите одно или несколько слов')
  })

  it('asks the chosen host when there are several', async () => {
    const server = searchServer(1)
    const wrapper = mountPanel(server, 'en', {
      hosts: [
        { host: HOST, label: HOST },
        { host: '10.0.0.5:8765', label: '10.0.0.5:8765' },
      ],
    })
    await wrapper.get('[data-testid="search-host"]').setValue('10.0.0.5:8765')
    await searchFor(wrapper, 'книга')
    expect(server.calls[0].url.host).toBe('10.0.0.5:8765')
  })
})
