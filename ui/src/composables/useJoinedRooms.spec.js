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
    expect(entry.unread).toBe(0)
    roomShown.value = false
    FakeWebSocket.last.receive(message(2, { sender: 'Bob' }))
    expect(entry.unread).toBe(1)
    expect(rooms.totalUnread.value).toBe(1)
  })
})
