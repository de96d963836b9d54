import { describe, expect, it, vi } from 'vitest'
import { ROOM_LIST_PAGE } from '../protocol.js'
import { useRoomDirectory } from './useRoomDirectory.js'

const answer = (rooms) => async () => ({ ok: true, json: async () => ({ rooms }) })

describe('useRoomDirectory', () => {
  it("lists a host's rooms from its /api/rooms, saying it is loading meanwhile", async () => {
    const fetchImpl = vi.fn(answer([{ name: 'general', members: 2 }]))
    const directory = useRoomDirectory({ fetchImpl })
    const loading = directory.load('h:1')
    expect(directory.listing.value).toEqual({ host: 'h:1', state: 'loading', rooms: [] })
    await loading
    expect(fetchImpl.mock.calls[0][0]).toBe('https://h:1/api/rooms')
    expect(directory.listing.value).toEqual({
      host: 'h:1',
      state: 'ready',
      rooms: [{ name: 'general', members: 2 }],
    })
  })

  it('says the list failed when the host answers with an error', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const directory = useRoomDirectory({ fetchImpl: async () => ({ ok: false, status: 500 }) })
    await directory.load('h:1')
    expect(directory.listing.value).toEqual({ host: 'h:1', state: 'failed', rooms: [] })
  })

  it('keeps showing the last list of a host while it reloads', async () => {
    const directory = useRoomDirectory({ fetchImpl: answer([{ name: 'a', members: 1 }]) })
    await directory.load('h:1')
    const reloading = directory.load('h:1')
    expect(directory.listing.value).toEqual({
      host: 'h:1',
      state: 'loading',
      rooms: [{ name: 'a', members: 1 }],
    })
    await reloading
  })

  it('drops a late answer from a host that is no longer asked about', async () => {
    const replies = {}
    const fetchImpl = (url) => new Promise((resolve) => (replies[url] = resolve))
    const directory = useRoomDirectory({ fetchImpl })
    const first = directory.load('old:1')
    const second = directory.load('new:1')
    replies['https://new:1/api/rooms']({ ok: true, json: async () => ({ rooms: [] }) })
    await second
    replies['https://old:1/api/rooms']({ ok: true, json: async () => ({ rooms: [{ name: 'x' }] }) })
    await first
    expect(directory.listing.value).toEqual({ host: 'new:1', state: 'ready', rooms: [] })
  })

  it('lists more rooms from the offset the host gave, without repeating one that moved', async () => {
    const pages = {
      'https://h:1/api/rooms': { rooms: [{ name: 'a' }, { name: 'b' }], next_offset: 2, total: 4 },
      'https://h:1/api/rooms?offset=2': {
        rooms: [{ name: 'b' }, { name: 'c' }],
        next_offset: 4,
        total: 4,
      },
      'https://h:1/api/rooms?offset=4': { rooms: [{ name: 'd' }], next_offset: null, total: 4 },
    }
    const fetchImpl = vi.fn(async (url) => ({ ok: true, json: async () => pages[url] }))
    const directory = useRoomDirectory({ fetchImpl })
    await directory.load('h:1')
    expect(directory.listing.value.next).toBe(2)
    await directory.loadMore()
    await directory.loadMore()
    expect(directory.listing.value).toEqual({
      host: 'h:1',
      state: 'ready',
      rooms: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }],
      total: 4,
    })
    await directory.loadMore() // nothing more to ask for
    expect(fetchImpl).toHaveBeenCalledTimes(3)
  })

  it('asks again for as many rooms as it shows when it reloads', async () => {
    const many = Array.from({ length: ROOM_LIST_PAGE + 20 }, (_, index) => ({ name: `r${index}` }))
    const fetchImpl = vi.fn(async (url) => ({
      ok: true,
      json: async () =>
        url.includes('offset=')
          ? { rooms: many.slice(ROOM_LIST_PAGE), next_offset: null, total: many.length }
          : {
              rooms: many.slice(0, ROOM_LIST_PAGE),
              next_offset: ROOM_LIST_PAGE,
              total: many.length,
            },
    }))
    const directory = useRoomDirectory({ fetchImpl })
    await directory.load('h:1')
    await directory.loadMore()
    await directory.load('h:1')
    expect(fetchImpl.mock.calls[2][0]).toBe(`https://h:1/api/rooms?limit=${ROOM_LIST_PAGE + 20}`)
  })

  it('keeps the rooms it has when a further page fails', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    let calls = 0
    const fetchImpl = async () =>
      ++calls === 1
        ? { ok: true, json: async () => ({ rooms: [{ name: 'a' }], next_offset: 1, total: 2 }) }
        : { ok: false, status: 503 }
    const directory = useRoomDirectory({ fetchImpl })
    await directory.load('h:1')
    await directory.loadMore()
    expect(directory.listing.value).toEqual({
      host: 'h:1',
      state: 'ready',
      rooms: [{ name: 'a' }],
      next: 1,
      total: 2,
    })
  })
})
