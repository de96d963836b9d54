import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'
import { useJoinedRooms } from './useJoinedRooms.js'
import { FakeWebSocket, memoryStorage, message, welcome } from '../testing/FakeWebSocket.js'

let storage
let scope

function joinedRooms(options = {}) {
  scope = effectScope()
  return scope.run(() =>
    useJoinedRooms({ name: ref('Anna'), localHost: 'h:1', storage, ...options }),
  )
}

const savedRooms = () => JSON.parse(storage.getItem('lanchat.rooms') ?? '{"rooms":[]}').rooms

beforeEach(() => {
  vi.useFakeTimers()
  vi.stubGlobal('WebSocket', FakeWebSocket)
  FakeWebSocket.reset()
  storage = memoryStorage()
})

afterEach(() => {
  scope?.stop()
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('useJoinedRooms', () => {
  it('remembers a room once it welcomed us', async () => {
    const rooms = joinedRooms()
    rooms.join('h:1', 'general')
    FakeWebSocket.last.accept()
    FakeWebSocket.last.receive(welcome())
    await nextTick()
    expect(savedRooms()).toEqual([{ host: 'h:1', room: 'general' }])
  })

  it('stops a left room for good: its socket closes and its watcher writes nothing more', async () => {
    const rooms = joinedRooms()
    const entry = rooms.join('h:1', 'general')
    const socket = FakeWebSocket.last
    rooms.leave(entry.key)
    expect(socket.readyState).toBe(FakeWebSocket.CLOSED)
    const writes = vi.spyOn(storage, 'setItem')
    entry.connection.joined.value = true // what a late welcome would have done
    await nextTick()
    expect(writes).not.toHaveBeenCalled()
  })

  it('keeps a left room’s draft, and brings it back when the room is joined again', () => {
    const rooms = joinedRooms()
    const entry = rooms.join('h:1', 'general')
    rooms.setDraft(entry, 'half a thought')
    rooms.leave(entry.key)
    expect(rooms.join('h:1', 'general').draft).toBe('half a thought')
    // and after a reload, from the page's storage
    scope.stop()
    expect(joinedRooms().join('h:1', 'general').draft).toBe('half a thought')
  })

  it('removes its visibilitychange listener and closes every room when its scope ends', () => {
    const added = vi.spyOn(document, 'addEventListener')
    const removed = vi.spyOn(document, 'removeEventListener')
    const rooms = joinedRooms()
    rooms.join('h:1', 'general')
    const socket = FakeWebSocket.last
    socket.accept()
    scope.stop()
    const listener = added.mock.calls.find(([type]) => type === 'visibilitychange')[1]
    expect(removed).toHaveBeenCalledWith('visibilitychange', listener)
    expect(socket.readyState).toBe(FakeWebSocket.CLOSED)
  })

  it('counts a message in the open room as unread while the Join screen hides it', async () => {
    const roomShown = ref(true)
    const rooms = joinedRooms({ roomShown })
    const entry = rooms.join('h:1', 'general')
    FakeWebSocket.last.accept()
    FakeWebSocket.last.receive(welcome())
    rooms.select(entry.key)
    FakeWebSocket.last.receive(message(1, { sender: 'Bob' }))
    await nextTick()
    expect(entry.unread).toBe(0)
    roomShown.value = false
    await nextTick()
    FakeWebSocket.last.receive(message(2, { sender: 'Bob' }))
    await nextTick()
    expect(entry.unread).toBe(1)
    expect(rooms.totalUnread.value).toBe(1)
  })

  it('opens one direct conversation with a member, listed apart under their name, and remembers it', async () => {
    const rooms = joinedRooms()
    rooms.join('h:1', 'general')
    const general = FakeWebSocket.last
    general.accept()
    general.receive(welcome({ members: ['Anna', 'Bob'], identities: { Bob: 'ffffffffffffffff' } }))
    general.receive({ type: 'identified', identity: '0000000000000000' })
    await nextTick()
    const from = rooms.listed.value[0]
    const theirs = from.connection.memberIdentities.value.Bob
    const entry = rooms.openDirect('h:1', from.connection.identity.value, theirs, 'Bob')
    expect(entry.room).toBe('@dm:0000000000000000:ffffffffffffffff')
    expect(rooms.openDirect('h:1', '0000000000000000', 'ffffffffffffffff', 'Bob')).toBe(entry) // one conversation per pair
    const door = FakeWebSocket.last
    door.accept()
    expect(door.allFrames[0].type).toBe('hello') // its door opens to our hello, no password
    door.receive({ type: 'entered', room: entry.room, token: 't', expires_in: 600 })
    door.receive(welcome({ room: entry.room, members: ['Anna'] }))
    await nextTick()
    expect(rooms.listedGroups.value.map((e) => e.room)).toEqual(['general'])
    expect(rooms.listedDirect.value.map((e) => e.title)).toEqual(['Bob'])
    door.receive(message(1, { room: entry.room, sender: 'Bob', text: 'hi' }))
    expect(entry.unread).toBe(1) // unread like any room
    expect(savedRooms()).toContainEqual({ host: 'h:1', room: entry.room, title: 'Bob' })
  })

  it('opens no direct conversation before both identities are known', () => {
    const rooms = joinedRooms()
    expect(rooms.openDirect('h:1', null, 'ffffffffffffffff', 'Bob')).toBeNull()
    expect(rooms.openDirect('h:1', '0000000000000000', undefined, 'Bob')).toBeNull()
  })

  it('opens a direct conversation someone started with us, unread, under their name', async () => {
    const rooms = joinedRooms()
    rooms.join('h:1', 'general')
    FakeWebSocket.last.accept()
    FakeWebSocket.last.receive(welcome())
    const room = '@dm:0000000000000000:ffffffffffffffff'
    FakeWebSocket.last.receive({ type: 'direct', room, sender: 'Bob' })
    const door = FakeWebSocket.last
    expect(new URL(door.url).pathname).toBe(`/ws/${encodeURIComponent(room)}`)
    door.accept()
    door.receive({ type: 'entered', room, token: 't', expires_in: 600 })
    door.receive(message(1, { room, sender: 'Bob', text: 'hi' })) // their message, as history
    door.receive(welcome({ room }))
    await nextTick()
    expect(rooms.listedDirect.value.map((e) => [e.title, e.unread])).toEqual([['Bob', 1]])
    FakeWebSocket.last.receive({ type: 'direct', room: 'general', sender: 'Mallory' })
    expect(rooms.listed.value).toHaveLength(2) // only a direct room's name opens anything
  })

  it('keeps where reading stopped across a reload: unread counts and the line come back', async () => {
    const rooms = joinedRooms()
    const entry = rooms.join('h:1', 'general')
    FakeWebSocket.last.accept()
    FakeWebSocket.last.receive(message(1, { sender: 'Bob' }))
    FakeWebSocket.last.receive(welcome())
    rooms.select(entry.key)
    await nextTick()
    expect(entry.readUpTo).toBe(1)
    scope.stop()

    // Away: the room got two more messages, one naming us. The other room is the one shown.
    const again = joinedRooms()
    const general = again.join('h:1', 'general')
    const other = again.join('h:1', 'other')
    again.select(other.key)
    const [generalSocket] = FakeWebSocket.instances.slice(-2)
    generalSocket.accept()
    for (const [id, text] of [
      [1, 'old'],
      [2, 'news'],
      [3, 'hi @anna'],
    ])
      generalSocket.receive(message(id, { sender: 'Bob', text }))
    generalSocket.receive(welcome())
    await nextTick()
    expect([general.unread, general.mentions]).toEqual([2, 1])
    expect(again.totalUnread.value).toBe(2)
    again.select(general.key)
    await nextTick()
    expect(general.lineAfter).toBe(1) // the line goes above message 2
    expect(general.unread).toBe(0)
  })

  it('counts only mentions of a muted room in the window total, and says the room is muted to announce', async () => {
    const muted = new Set(['h:1/quiet'])
    const announce = vi.fn()
    const rooms = joinedRooms({ isMuted: (key) => muted.has(key), announce })
    const shown = rooms.join('h:1', 'shown')
    FakeWebSocket.last.accept()
    FakeWebSocket.last.receive(welcome({ room: 'shown' }))
    rooms.select(shown.key)
    const quiet = rooms.join('h:1', 'quiet')
    const socket = FakeWebSocket.last
    socket.accept()
    socket.receive(welcome({ room: 'quiet' }))
    await nextTick()
    socket.receive(message(1, { room: 'quiet', sender: 'Bob', text: 'chatter' }))
    socket.receive(message(2, { room: 'quiet', sender: 'Bob', text: '@Anna look' }))
    await nextTick()
    expect([quiet.unread, quiet.mentions, rooms.totalUnread.value]).toEqual([2, 1, 1])
    expect(announce.mock.calls.map((call) => call[3])).toEqual([
      { muted: true, mentioned: false },
      { muted: true, mentioned: true },
    ])
  })

  it('draws no line for what arrives while the room is looked at', async () => {
    const rooms = joinedRooms()
    const entry = rooms.join('h:1', 'general')
    FakeWebSocket.last.accept()
    FakeWebSocket.last.receive(welcome())
    await nextTick()
    rooms.select(entry.key)
    await nextTick()
    FakeWebSocket.last.receive(message(1, { sender: 'Bob' }))
    await nextTick()
    expect([entry.lineAfter, entry.unread]).toEqual([null, 0])
  })
})
