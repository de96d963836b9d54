import { describe, expect, it } from 'vitest'
import { MAX_KEPT_DRAFTS, createRoomDrafts } from './roomDrafts.js'
import { memoryStorage } from './testing/memoryStorage.js'

describe('createRoomDrafts', () => {
  it('keeps a draft per room, and an empty text drops it', () => {
    const storage = memoryStorage()
    const drafts = createRoomDrafts(storage)
    drafts.set('h:1/general', 'half a thought')
    drafts.set('h:1/kitchen', 'lunch?')
    expect(createRoomDrafts(storage).get('h:1/general')).toBe('half a thought')
    expect(drafts.get('h:1/kitchen')).toBe('lunch?')
    drafts.set('h:1/general', '')
    expect(drafts.get('h:1/general')).toBe('')
    expect(storage.getItem('lanchat.draft.h:1/general')).toBeNull()
    expect(drafts.get('h:1/never')).toBe('')
  })

  it(`keeps the ${MAX_KEPT_DRAFTS} most recently written drafts and drops older ones`, () => {
    const storage = memoryStorage()
    const drafts = createRoomDrafts(storage)
    for (let n = 0; n <= MAX_KEPT_DRAFTS; n++) drafts.set(`h:1/room${n}`, `draft ${n}`)
    expect(drafts.get('h:1/room0')).toBe('')
    expect(drafts.get('h:1/room1')).toBe('draft 1')
    expect(drafts.get(`h:1/room${MAX_KEPT_DRAFTS}`)).toBe(`draft ${MAX_KEPT_DRAFTS}`)
    const kept = [...storage.items.keys()].filter((key) => key.startsWith('lanchat.draft.'))
    expect(kept).toHaveLength(MAX_KEPT_DRAFTS)
  })

  it('counts writing in a room again as recent, so its draft outlives older ones', () => {
    const drafts = createRoomDrafts(memoryStorage(), { limit: 2 })
    drafts.set('h:1/a', 'a')
    drafts.set('h:1/b', 'b')
    drafts.set('h:1/a', 'a, more')
    drafts.set('h:1/c', 'c')
    expect(drafts.get('h:1/a')).toBe('a, more')
    expect(drafts.get('h:1/b')).toBe('')
    expect(drafts.get('h:1/c')).toBe('c')
  })

  it('writes only the draft while typing goes on in the same room', () => {
    const storage = memoryStorage()
    const drafts = createRoomDrafts(storage)
    drafts.set('h:1/a', 'h')
    const order = storage.getItem('lanchat.drafts')
    let writes = 0
    const setItem = storage.setItem
    storage.setItem = (key, value) => {
      writes += key === 'lanchat.drafts'
      setItem(key, value)
    }
    drafts.set('h:1/a', 'he')
    drafts.set('h:1/a', 'hey')
    expect(writes).toBe(0)
    expect(storage.getItem('lanchat.drafts')).toBe(order)
  })

  it('starts afresh from a damaged list of drafts', () => {
    const storage = memoryStorage()
    storage.setItem('lanchat.drafts', '{not json')
    const drafts = createRoomDrafts(storage)
    drafts.set('h:1/a', 'a')
    expect(JSON.parse(storage.getItem('lanchat.drafts'))).toEqual(['h:1/a'])
  })
})
