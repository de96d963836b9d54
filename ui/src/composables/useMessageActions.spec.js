import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import { useMessageActions } from './useMessageActions.js'
import { useRoomConnection } from './useRoomConnection.js'
import { FakeWebSocket, memoryStorage, message, welcome } from '../testing/FakeWebSocket.js'

// A real room connection over the fake socket: what the actions send is read off the wire.
const NOW = 1764147600 + 3600
const WINDOW = 3600
const mineFrame = message(5, { sender: 'Anna', identity: 'me', text: 'mine', timestamp: NOW - 60 })
const theirsFrame = message(6, { identity: 'b', text: 'theirs', timestamp: NOW - 30 })

function joined({ editWindow = WINDOW, history = [mineFrame, theirsFrame] } = {}) {
  const connection = useRoomConnection({
    host: '127.0.0.1:8765',
    room: 'general',
    name: ref('Anna'),
    storage: memoryStorage(),
    WebSocketImpl: FakeWebSocket,
    random: () => 0.5,
  })
  const socket = FakeWebSocket.last
  socket.accept()
  socket.receive({ type: 'identified', identity: 'me' })
  for (const frame of history) socket.receive(frame)
  const limits = { ...welcome().limits, edit_window_seconds: editWindow }
  socket.receive(welcome({ first_id: 5, last_id: 6, limits }))
  const actions = useMessageActions({ connection, jump: () => {}, now: () => NOW })
  const [mine, theirs] = connection.timeline.value
  return { connection, actions, socket, mine, theirs }
}

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
})
afterEach(() => vi.useRealTimers())

describe('useMessageActions', () => {
  it('offers edit and delete of our own message only, and edit only within the window', () => {
    const { actions, mine, theirs } = joined()
    expect(actions.can(mine)).toEqual({ reply: true, react: true, edit: true, remove: true })
    expect(actions.can(theirs)).toEqual({ reply: true, react: true, edit: false, remove: false })
    expect(actions.can({ ...mine, timestamp: NOW - WINDOW }).edit).toBe(false) // at the edge: gone
    expect(actions.can({ ...mine, timestamp: NOW - WINDOW + 1 }).edit).toBe(true)
    const off = joined({ editWindow: 0 }) // the host turned edits off
    expect(off.actions.can(off.mine).edit).toBe(false)
  })

  it('sends a reply with what it answers and an edit as an edit, then the composer is plain again', () => {
    const { actions, socket, mine, theirs } = joined()
    actions.reply(theirs)
    actions.submit('answer')
    expect(socket.frames.at(-1)).toMatchObject({ type: 'message', text: 'answer', reply_to: 6 })
    expect(actions.composing.value).toBeNull()
    expect(actions.editLast([mine, theirs])).toBe(true)
    expect(actions.editText.value).toBe('mine')
    actions.submit('mine, better')
    expect(socket.frames.at(-1)).toEqual({ type: 'edit', id: 5, text: 'mine, better' })
    expect(actions.editLast([{ ...mine, timestamp: 0 }])).toBe(false)
    actions.remove(mine)
    expect(socket.frames.at(-1)).toEqual({ type: 'delete', id: 5 })
  })

  it('puts a picked emoji on, or takes ours off', () => {
    const { actions, socket, theirs } = joined()
    const reacted = { ...theirs, reactions: [{ emoji: '👍', by: [{ identity: 'me', name: 'A' }] }] }
    actions.pick(reacted, '👍')
    actions.pick(reacted, '🎉')
    expect(socket.frames.slice(-2)).toEqual([
      { type: 'react', id: 6, emoji: '👍', on: false },
      { type: 'react', id: 6, emoji: '🎉', on: true },
    ])
  })
})
