import { describe, expect, it, vi } from 'vitest'
import { useRoomDirectory } from './useRoomDirectory.js'

const answer = (rooms) => async () => ({ ok: true, json: async () => ({ rooms }) })

describe('useRoomDirectory', () => {
  it("lists a host's rooms from its /api/rooms, saying it is loading meanwhile", async () => {
    const fetchImpl = vi.fn(answer([{ name: 'general', members: 2 }]))
    const directory = useRoomDirectory({ fetchImpl })
    const loading = directory.load('h:1')
    expect(directory.listing.value).toEqual({ host: 'h:1', state: 'loading', rooms: [] })
    await loading
    expect(fetchImpl.mock.calls[0][0]).toBe('http://h:1/api/rooms')
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
    replies['http://new:1/api/rooms']({ ok: true, json: async () => ({ rooms: [] }) })
    await second
    replies['http://old:1/api/rooms']({ ok: true, json: async () => ({ rooms: [{ name: 'x' }] }) })
    await first
    expect(directory.listing.value).toEqual({ host: 'new:1', state: 'ready', rooms: [] })
  })
})
