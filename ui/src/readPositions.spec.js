import { describe, expect, it } from 'vitest'
import { createReadPositions, firstUnreadKey, newestMessageId, unreadIn } from './readPositions.js'
import { memoryStorage } from './testing/FakeWebSocket.js'
import { ownMessageTest } from './ownMessages.js'

const item = (id, sender = 'Bob', text = 'hi') => ({
  kind: 'message',
  key: `m${id}`,
  id,
  sender,
  text,
})
const isOwn = ownMessageTest({ isOwnName: (name) => name === 'Me' })

describe('readPositions', () => {
  it('only moves forward, survives a new store on the same storage, and forgets a left room', () => {
    const storage = memoryStorage()
    const positions = createReadPositions(storage)
    expect(positions.get('h/general')).toBeNull()
    expect(positions.advance('h/general', 5)).toBe(true)
    expect(positions.advance('h/general', 3)).toBe(false)
    expect(createReadPositions(storage).get('h/general')).toBe(5)
    positions.forget('h/general')
    expect(createReadPositions(storage).get('h/general')).toBeNull()
  })

  it('reads a damaged store as nothing read', () => {
    const storage = memoryStorage()
    storage.setItem('lanchat.read', '[1,2')
    expect(createReadPositions(storage).get('h/general')).toBeNull()
  })

  it('counts what others wrote past the position, and the mentions among it', () => {
    const items = [
      item(1),
      { kind: 'notice', key: 'n1' },
      item(2, 'Me'),
      item(3, 'Bob', '@Me hi'),
      item(4),
    ]
    const counts = unreadIn(items, 1, { isOwn, mentionsMe: (text) => text.includes('@Me') })
    expect(counts).toEqual({ count: 2, mentions: 1 })
    expect(unreadIn(items, null, { isOwn, mentionsMe: () => true })).toEqual({
      count: 0,
      mentions: 0,
    })
    expect(firstUnreadKey(items, 1, isOwn)).toBe('m3')
    expect(firstUnreadKey(items, 4, isOwn)).toBeNull()
    expect(newestMessageId(items)).toBe(4)
    expect(newestMessageId([])).toBe(0)
  })
})
