import { describe, expect, it } from 'vitest'
import { createWindowStorage, inDesktopWindow } from './windowStorage.js'

function memoryStorage() {
  const items = new Map()
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => items.set(key, String(value)),
    removeItem: (key) => items.delete(key),
    items,
  }
}

// The window's bridge is the boundary: a stand-in that keeps what it is sent, in order.
function bridgeKeeping(initial = {}) {
  const kept = { ...initial }
  const calls = []
  return {
    kept,
    calls,
    storage_items: async () => ({ ...kept }),
    storage_set: async (key, value) => {
      calls.push(['set', key])
      kept[key] = value
    },
    storage_remove: async (key) => {
      calls.push(['remove', key])
      delete kept[key]
    },
  }
}

describe('windowStorage', () => {
  it('puts what the window kept back into an empty localStorage before anything reads it', async () => {
    const local = memoryStorage()
    const storage = createWindowStorage({ local })

    await storage.attach(bridgeKeeping({ 'lanchat.rooms': '{"rooms":[]}' }))

    expect(storage.getItem('lanchat.rooms')).toBe('{"rooms":[]}')
    expect(local.getItem('lanchat.rooms')).toBe('{"rooms":[]}')
  })

  it('mirrors lanchat items to the window in the order they were made, and only those', async () => {
    const bridge = bridgeKeeping()
    const storage = createWindowStorage({ local: memoryStorage() })
    await storage.attach(bridge)

    storage.setItem('lanchat.outbox.a', '[1]')
    await storage.settled()
    storage.removeItem('lanchat.outbox.a')
    await storage.settled()
    storage.setItem('lanchat.rooms', '[]')
    storage.setItem('lanchat.outbox.a', '[2]')
    storage.setItem('someone-else', 'x')
    await storage.settled()

    expect(bridge.calls).toEqual([
      ['set', 'lanchat.outbox.a'],
      ['remove', 'lanchat.outbox.a'],
      ['set', 'lanchat.rooms'],
      ['set', 'lanchat.outbox.a'],
    ])
    expect(bridge.kept).toEqual({ 'lanchat.outbox.a': '[2]', 'lanchat.rooms': '[]' })
  })

  it("sends a key's changes that piled up while the bridge was busy as one, its latest", async () => {
    const bridge = bridgeKeeping()
    const storage = createWindowStorage({ local: memoryStorage() })
    await storage.attach(bridge)

    for (const draft of ['h', 'he', 'hel', 'hell', 'hello'])
      storage.setItem('lanchat.draft.a', draft)
    storage.setItem('lanchat.rooms', '[]')
    storage.removeItem('lanchat.draft.a')
    storage.setItem('lanchat.draft.a', 'hello!')
    await storage.settled()

    expect(bridge.calls).toEqual([
      ['set', 'lanchat.draft.a'],
      ['set', 'lanchat.rooms'],
    ])
    expect(bridge.kept).toEqual({ 'lanchat.draft.a': 'hello!', 'lanchat.rooms': '[]' })
  })

  it('is plain localStorage in a browser', () => {
    const local = memoryStorage()
    const storage = createWindowStorage({ local })

    storage.setItem('lanchat.rooms', 'x')

    expect(local.getItem('lanchat.rooms')).toBe('x')
    expect(inDesktopWindow({ search: '' })).toBe(false)
    expect(inDesktopWindow({ search: '?server=127.0.0.1%3A1' })).toBe(true)
  })
})
