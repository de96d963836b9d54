import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick, ref } from 'vue'
import { useRoomConnection } from './useRoomConnection.js'
import {
  BACKOFF_MAX_MS,
  CONNECT_TIMEOUT_MS,
  ConnectionStatus,
  backoffDelay,
} from './useReconnectingSocket.js'
import { NOTICES_PER_SECOND } from './useRoomMembers.js'
import { outboxKey } from './useOutbox.js'
import { TYPING_SHOW_MS } from './useTyping.js'
import { FakeWebSocket, memoryStorage, message, welcome } from '../testing/FakeWebSocket.js'

let storage

function connect(options = {}) {
  return useRoomConnection({
    host: '127.0.0.1:8765',
    room: 'general',
    name: ref('Anna'),
    storage,
    WebSocketImpl: FakeWebSocket,
    random: () => 0.5,
    ...options,
  })
}

/** Open the last socket and finish its history replay. */
function joinWith(history = [], extra = {}) {
  const socket = FakeWebSocket.last
  socket.accept()
  for (const frame of history) socket.receive(frame)
  const lastId = history.at(-1)?.id ?? 0
  socket.receive(welcome({ first_id: history[0]?.id ?? 0, last_id: lastId, ...extra }))
  return socket
}

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.reset()
  storage = memoryStorage()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('backoffDelay', () => {
  it('doubles with each attempt, stays within half to all of the ceiling, and is capped', () => {
    expect(backoffDelay(0, () => 0)).toBe(250)
    expect(backoffDelay(0, () => 1)).toBe(500)
    expect(backoffDelay(3, () => 0)).toBe(2000)
    expect(backoffDelay(3, () => 1)).toBe(4000)
    expect(backoffDelay(30, () => 1)).toBe(BACKOFF_MAX_MS)
  })
})

describe('useRoomConnection', () => {
  it('says hello with the same kept secret first on every connection, never in the URL', () => {
    connect()
    const first = FakeWebSocket.last
    first.accept()
    const [hello] = first.allFrames
    expect(hello.type).toBe('hello')
    expect(hello.secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(first.url).not.toContain(hello.secret)
    first.receive({ type: 'identified', identity: '0123456789abcdef' })
    first.serverClose(1012)
    vi.advanceTimersByTime(BACKOFF_MAX_MS)
    FakeWebSocket.last.accept()
    expect(FakeWebSocket.last.allFrames[0]).toEqual(hello)
  })

  it('asks for another name when the server says ours is taken, and rejoins under the new one', async () => {
    const name = ref('Alice')
    const room = connect({ name })
    const socket = joinWith()
    room.send('hi')
    const [sent] = socket.frames
    socket.receive({
      type: 'error',
      code: 'name_taken',
      detail: 'taken',
      client_id: sent.client_id,
    })
    expect(room.nameTaken.value).toBe(true)
    expect(room.outbox.value[0]).toMatchObject({ state: 'failed', error: 'name_taken' })
    name.value = 'Alice 2'
    await nextTick()
    expect(room.nameTaken.value).toBe(false)
    const again = FakeWebSocket.last
    expect(again).not.toBe(socket)
    expect(again.params.get('name')).toBe('Alice 2')
    joinWith()
    expect(again.frames).toEqual([
      expect.objectContaining({ type: 'message', text: 'hi', sender: 'Alice 2' }),
    ])
  })

  it('connects with the v2 protocol and our name, and shows history only once the welcome says it is complete', () => {
    const room = connect()
    const socket = FakeWebSocket.last
    expect(socket.url).toBe('ws://127.0.0.1:8765/ws/general?v=2&name=Anna')
    expect(room.status.value).toBe(ConnectionStatus.CONNECTING)

    socket.accept()
    socket.receive(message(1))
    socket.receive(message(2))
    expect(room.timeline.value).toEqual([])

    socket.receive(welcome({ first_id: 1, last_id: 2, members: ['Anna', 'Bob'] }))
    expect(room.timeline.value.map((item) => item.id)).toEqual([1, 2])
    expect(room.members.value).toEqual(['Anna', 'Bob'])
    expect(room.status.value).toBe(ConnectionStatus.CONNECTED)
    expect(room.joined.value).toBe(true)
    expect(room.hasOlder.value).toBe(false)
  })

  it('takes the receipts a receipts frame says moved, several at once, and ignores a malformed one', () => {
    const room = connect()
    const socket = joinWith([message(1), message(2), message(3)])
    socket.receive({
      type: 'identified',
      identity: '0123456789abcdef',
      seen: [{ identity: 'b', name: 'Bob', id: 1 }],
    })
    socket.receive({
      type: 'receipts',
      room: 'general',
      seen: [
        { identity: 'c', name: 'Clara', id: 3 },
        { identity: 'b', name: 'Bob', id: 2 },
      ],
    })
    socket.receive({ type: 'receipts', room: 'general', seen: [{ identity: 'd', name: 'Dan' }] })
    expect(room.receipts.value).toEqual({ b: { name: 'Bob', id: 2 }, c: { name: 'Clara', id: 3 } })
  })

  it('takes the receipts from the answer to its hello and from seen frames, and sends its own', () => {
    const room = connect()
    const socket = joinWith([message(1), message(2)])
    expect(socket.allFrames[0].receipts).toBeUndefined() // on: the hello is as before
    socket.receive({
      type: 'identified',
      identity: '0123456789abcdef',
      seen: [{ identity: 'b', name: 'Bob', id: 1 }],
    })
    socket.receive({ type: 'seen', room: 'general', identity: 'b', name: 'Bob', id: 2 })
    socket.receive({ type: 'seen', room: 'general', identity: 'c', name: 'Clara', id: 'x' })
    expect(room.receipts.value).toEqual({ b: { name: 'Bob', id: 2 } })
    room.markSeen(2)
    expect(socket.frames.at(-1)).toEqual({ type: 'seen', id: 2 })
    // A refused receipt concerns no message of ours: no banner.
    socket.receive({ type: 'error', code: 'rate_limited', detail: 'x', retry_after: 0.5, id: 2 })
    expect(room.roomError.value).toBeNull()
  })

  it('turning receipts off reconnects saying so, and sends and shows none', async () => {
    const receipts = ref(true)
    const room = connect({ receipts })
    const first = joinWith([message(1)])
    first.receive({
      type: 'identified',
      identity: '0123456789abcdef',
      seen: [{ identity: 'b', name: 'Bob', id: 1 }],
    })
    receipts.value = false
    await nextTick()
    expect(room.receipts.value).toEqual({})
    const second = FakeWebSocket.last
    expect(second).not.toBe(first)
    second.accept()
    expect(second.allFrames[0]).toMatchObject({ type: 'hello', receipts: false })
    second.receive(welcome({ first_id: 1, last_id: 1 }))
    second.receive({ type: 'identified', identity: '0123456789abcdef' })
    second.receive({ type: 'seen', room: 'general', identity: 'b', name: 'Bob', id: 1 })
    room.markSeen(1)
    vi.advanceTimersByTime(5000)
    expect(second.frames.filter((frame) => frame.type === 'seen')).toEqual([])
    expect(room.receipts.value).toEqual({})
  })

  it('shows a message the host deleted as deleted in its place, from history and live', () => {
    const room = connect()
    const socket = joinWith([message(1), message(2, { text: '', deleted: true }), message(3)])
    expect(room.timeline.value.map((item) => [item.id, item.deleted])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ])
    socket.receive({ type: 'deleted', room: 'general', id: 3 })
    expect(room.timeline.value.at(-1)).toMatchObject({ id: 3, text: '', deleted: true })
  })

  it('does not reconnect on its own after the host removed or banned us, and says why', () => {
    for (const [code, close] of [
      ['removed', 4020],
      ['banned', 4021],
    ]) {
      FakeWebSocket.reset()
      const room = connect()
      const socket = joinWith()
      socket.receive({ type: 'error', code, detail: 'the host did it' })
      socket.serverClose(close)
      vi.advanceTimersByTime(BACKOFF_MAX_MS * 2)
      expect(FakeWebSocket.instances).toHaveLength(1)
      expect(room.roomError.value.code).toBe(code)
    }
  })

  it('says older history exists when the replay did not start at the first message', () => {
    const room = connect()
    joinWith([message(401), message(402)])
    expect(room.hasOlder.value).toBe(true)
  })

  it('sends a message with a client_id and forgets it from the outbox when the server confirms it', () => {
    const room = connect()
    const socket = joinWith()
    expect(room.send('  hello  ')).toBe(true)
    const [frame] = socket.frames
    expect(frame).toMatchObject({ type: 'message', text: 'hello', sender: 'Anna', room: 'general' })
    expect(frame.client_id).toMatch(/^c-.{1,62}$/)
    expect(room.outbox.value).toHaveLength(1)

    socket.receive(message(1, { sender: 'Anna', text: 'hello', client_id: frame.client_id }))
    socket.receive({
      type: 'ack',
      client_id: frame.client_id,
      id: 1,
      timestamp: 1,
      duplicate: false,
    })
    expect(room.outbox.value).toEqual([])
    expect(room.timeline.value.map((item) => item.text)).toEqual(['hello'])
  })

  it('refuses to queue blank text or text over the limit', () => {
    const room = connect()
    joinWith()
    expect(room.send('   ')).toBe(false)
    expect(room.send('x'.repeat(4001))).toBe(false)
    expect(room.send('я'.repeat(4000))).toBe(true)
  })

  it('takes its text limit and its pace from the limits in the welcome frame', () => {
    const room = connect()
    const limits = {
      max_text_chars: 10,
      max_sender_chars: 32,
      rate_limit_burst: 2,
      rate_limit_per_second: 1,
      edit_window_seconds: 60,
    }
    const socket = joinWith([], { limits })
    expect(room.limits.value).toEqual(limits)
    expect(room.send('x'.repeat(11))).toBe(false)
    for (const text of ['one', 'two', 'three']) room.send(text)
    for (const id of [1, 2]) {
      const { client_id } = socket.frames.at(-1)
      socket.receive({ type: 'ack', client_id, id, timestamp: 1, duplicate: false })
    }
    expect(socket.frames.map((frame) => frame.text)).toEqual(['one', 'two'])
    vi.advanceTimersByTime(1200) // a token a second, paced a little under that
    expect(socket.frames.map((frame) => frame.text)).toEqual(['one', 'two', 'three'])
  })

  it('keeps messages typed while offline, persists them, and sends them once each, in order, after reconnecting', () => {
    const room = connect()
    const first = joinWith([message(1), message(2)])
    first.serverClose(1012)
    expect(room.status.value).toBe(ConnectionStatus.RECONNECTING)

    room.send('one')
    room.send('two')
    expect(room.outbox.value.map((item) => item.text)).toEqual(['one', 'two'])
    expect(JSON.parse(storage.getItem(outboxKey('127.0.0.1:8765', 'general')))).toHaveLength(2)

    vi.advanceTimersByTime(backoffDelay(0, () => 0.5))
    const second = FakeWebSocket.last
    expect(second).not.toBe(first)
    expect(second.params.get('after')).toBe('2')
    joinWith([], { last_id: 2 })

    // One at a time: the second waits for the first one's acknowledgement.
    expect(second.frames.map((frame) => frame.text)).toEqual(['one'])
    const [one] = second.frames
    second.receive(message(3, { sender: 'Anna', text: 'one', client_id: one.client_id }))
    second.receive({ type: 'ack', client_id: one.client_id, id: 3, timestamp: 3, duplicate: false })
    expect(second.frames.map((frame) => frame.text)).toEqual(['one', 'two'])
    const two = second.frames[1]
    second.receive({ type: 'ack', client_id: two.client_id, id: 4, timestamp: 4, duplicate: false })
    expect(room.outbox.value).toEqual([])
    expect(storage.getItem(outboxKey('127.0.0.1:8765', 'general'))).toBeNull()
  })

  it('restores the outbox saved before a reload and sends it after joining', () => {
    storage.setItem(
      outboxKey('127.0.0.1:8765', 'general'),
      JSON.stringify([
        {
          clientId: 'c-saved',
          text: 'from before',
          sender: 'Anna',
          createdAt: 1,
          state: 'pending',
          error: null,
        },
      ]),
    )
    const room = connect()
    expect(room.outbox.value.map((item) => item.text)).toEqual(['from before'])
    const socket = joinWith()
    expect(socket.frames).toEqual([
      {
        type: 'message',
        text: 'from before',
        sender: 'Anna',
        room: 'general',
        client_id: 'c-saved',
      },
    ])
  })

  it('does not show a message twice when a resend is acknowledged as a duplicate after a resume', () => {
    const room = connect()
    const first = joinWith()
    room.send('only once')
    const clientId = first.frames[0].client_id
    // Stored by the server, but the connection drops before the ack arrives.
    first.serverClose(1006)
    vi.advanceTimersByTime(1000)
    const second = FakeWebSocket.last
    second.accept()
    second.receive(message(1, { sender: 'Anna', text: 'only once', client_id: clientId }))
    second.receive(welcome({ last_id: 1 }))
    // The replay already confirmed it: nothing is sent again.
    expect(second.frames).toEqual([])
    second.receive(message(1, { sender: 'Anna', text: 'only once', client_id: clientId }))
    expect(room.timeline.value.map((item) => item.text)).toEqual(['only once'])
    expect(room.outbox.value).toEqual([])
  })

  it('backs off exponentially between failed reconnects and counts down the seconds', () => {
    const room = connect()
    joinWith()
    FakeWebSocket.last.serverClose(1006)
    const delays = []
    for (let attempt = 0; attempt < 4; attempt++) {
      const before = FakeWebSocket.instances.length
      let waited = 0
      while (FakeWebSocket.instances.length === before) {
        vi.advanceTimersByTime(50)
        waited += 50
      }
      delays.push(waited)
      FakeWebSocket.last.serverClose(1006) // refused again
    }
    expect(delays).toEqual([400, 750, 1500, 3000])
    expect(room.status.value).toBe(ConnectionStatus.RECONNECTING)
    expect(room.retryIn.value).toBe(6)
    vi.advanceTimersByTime(2000)
    expect(room.retryIn.value).toBe(4)
  })

  it('reconnects at once when asked, instead of waiting out the backoff', () => {
    const room = connect()
    joinWith()
    FakeWebSocket.last.serverClose(1006)
    const count = FakeWebSocket.instances.length
    room.reconnect()
    expect(FakeWebSocket.instances.length).toBe(count + 1)
  })

  it('explains a first connection that was refused, and does not retry by itself', () => {
    const room = connect()
    vi.advanceTimersByTime(20)
    FakeWebSocket.last.serverClose(1006)
    expect(room.status.value).toBe(ConnectionStatus.FAILED)
    expect(room.failure.value).toEqual({ reason: 'refused' })
    vi.advanceTimersByTime(60_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it('explains a first connection that failed slowly as unreachable', () => {
    const room = connect()
    vi.advanceTimersByTime(3000)
    FakeWebSocket.last.serverClose(1006)
    expect(room.failure.value).toEqual({ reason: 'unreachable' })
  })

  it('gives up on a first connection that does not answer in time', () => {
    const room = connect()
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS)
    expect(room.failure.value).toEqual({ reason: 'timeout' })
    room.reconnect()
    expect(FakeWebSocket.instances).toHaveLength(2)
    expect(room.status.value).toBe(ConnectionStatus.CONNECTING)
  })

  it('keeps trying a restored room even when the host is down at first', () => {
    const room = connect({ keepTrying: true })
    FakeWebSocket.last.serverClose(1006)
    expect(room.status.value).toBe(ConnectionStatus.RECONNECTING)
  })

  it.each([
    ['the room name', 'room_invalid', 4001],
    ['the page it runs in', 'origin_not_allowed', 4003],
  ])('stops for good when the server refuses %s', (_what, code, closeCode) => {
    const room = connect()
    const socket = FakeWebSocket.last
    socket.accept()
    socket.receive({ type: 'error', code, detail: 'Refused.' })
    socket.serverClose(closeCode)
    expect(room.failure.value).toEqual({ reason: 'rejected', code })
    vi.advanceTimersByTime(60_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
  })

  it('waits as long as the server asks when rate limited, then sends the refused message again', () => {
    const room = connect()
    const socket = joinWith()
    room.send('hi')
    const clientId = socket.frames[0].client_id
    socket.receive({
      type: 'error',
      code: 'rate_limited',
      detail: 'slow down',
      client_id: clientId,
      retry_after: 2,
    })
    expect(room.outbox.value[0].state).toBe('pending')
    vi.advanceTimersByTime(1900)
    expect(socket.frames).toHaveLength(1)
    vi.advanceTimersByTime(200)
    expect(socket.frames).toHaveLength(2)
    expect(socket.frames[1].client_id).toBe(clientId)
  })

  it('marks a refused message as failed with the error code, and moves on to the next', () => {
    const room = connect()
    const socket = joinWith()
    room.send('first')
    room.send('second')
    const clientId = socket.frames[0].client_id
    socket.receive({
      type: 'error',
      code: 'storage_failed',
      detail: 'disk full',
      client_id: clientId,
    })
    expect(room.outbox.value[0]).toMatchObject({ state: 'failed', error: 'storage_failed' })
    expect(socket.frames.map((frame) => frame.text)).toEqual(['first', 'second'])
    room.discard(clientId)
    expect(room.outbox.value.map((item) => item.text)).toEqual(['second'])
  })

  it('shows an error that concerns none of our messages for the room', () => {
    const room = connect()
    const socket = joinWith()
    socket.receive({ type: 'error', code: 'invalid_json', detail: 'not JSON' })
    expect(room.roomError.value).toMatchObject({ code: 'invalid_json' })
    room.dismissError()
    expect(room.roomError.value).toBeNull()
  })

  it('reports an unknown frame type loudly and keeps working', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const room = connect()
    const socket = joinWith()
    socket.receive({ type: 'reaction', emoji: '👍' })
    socket.receive('not json')
    socket.receive(message(1))
    expect(errors).toHaveBeenCalledTimes(2)
    expect(errors.mock.calls[0][0]).toContain('unknown frame type "reaction"')
    expect(room.timeline.value).toHaveLength(1)
  })

  it('shows who is typing for a few seconds, and not after their message arrives', () => {
    const room = connect()
    const socket = joinWith()
    socket.receive({ type: 'typing', room: 'general', sender: 'Bob' })
    expect(room.typingNames.value).toEqual(['Bob'])
    vi.advanceTimersByTime(TYPING_SHOW_MS + 10)
    expect(room.typingNames.value).toEqual([])
    socket.receive({ type: 'typing', room: 'general', sender: 'Bob' })
    socket.receive(message(1))
    expect(room.typingNames.value).toEqual([])
  })

  it('sends a typing notice at most every few seconds', () => {
    const room = connect()
    const socket = joinWith()
    room.typing()
    room.typing()
    vi.advanceTimersByTime(1000)
    room.typing()
    expect(socket.frames).toEqual([{ type: 'typing', sender: 'Anna' }])
    vi.advanceTimersByTime(2500)
    room.typing()
    expect(socket.frames).toHaveLength(2)
  })

  it('learns whose each name is from the welcome, joins, leaves and members frames', () => {
    const room = connect()
    const socket = joinWith()
    socket.receive({
      type: 'members',
      room: 'general',
      members: ['Anna', 'Bob'],
      identities: { Bob: 'ffffffffffffffff' },
    })
    expect(room.memberIdentities.value).toEqual({ Bob: 'ffffffffffffffff' })
    socket.receive({
      type: 'presence',
      room: 'general',
      event: 'join',
      name: 'Cleo',
      identity: 'cccccccccccccccc',
    })
    socket.receive({ type: 'presence', room: 'general', event: 'leave', name: 'Bob' })
    expect(room.memberIdentities.value).toEqual({ Cleo: 'cccccccccccccccc' })
    socket.receive({ type: 'presence', room: 'general', event: 'join', name: 'Guest' })
    expect(room.memberIdentities.value).toEqual({ Cleo: 'cccccccccccccccc' })
  })

  it('turns presence into the member list and join/leave notices, without announcing ourselves', () => {
    const room = connect()
    const socket = joinWith()
    socket.receive({
      type: 'presence',
      room: 'general',
      event: 'join',
      name: 'Anna',
      members: ['Anna'],
    })
    socket.receive({
      type: 'presence',
      room: 'general',
      event: 'join',
      name: 'Bob',
      members: ['Anna', 'Bob'],
    })
    socket.receive({
      type: 'presence',
      room: 'general',
      event: 'leave',
      name: 'Bob',
      members: ['Anna'],
    })
    expect(room.members.value).toEqual(['Anna'])
    expect(room.timeline.value).toMatchObject([
      { kind: 'notice', event: 'presence', joined: ['Bob'], left: ['Bob'] },
    ])
  })

  it('shows a rename by reconnecting (a leave, a join, then whose the new name is) as one rename', () => {
    const onRenamed = vi.fn()
    const room = connect({ onRenamed })
    const socket = joinWith([], {
      members: ['Anna', 'Bob'],
      identities: { Bob: 'bbbbbbbbbbbbbbbb' },
    })
    socket.receive({ type: 'presence', room: 'general', event: 'leave', name: 'Bob' })
    socket.receive({ type: 'presence', room: 'general', event: 'join', name: 'Bob K.' })
    socket.receive({
      type: 'members',
      room: 'general',
      members: ['Anna', 'Bob K.'],
      identities: { 'Bob K.': 'bbbbbbbbbbbbbbbb' },
    })
    expect(room.timeline.value).toMatchObject([
      { kind: 'notice', event: 'rename', old: 'Bob', name: 'Bob K.' },
    ])
    expect(onRenamed).toHaveBeenCalledWith({
      old: 'Bob',
      name: 'Bob K.',
      identity: 'bbbbbbbbbbbbbbbb',
    })
  })

  it('follows a rename in the member list and its identities, shows it as one, and tells who it was', () => {
    const onRenamed = vi.fn()
    const room = connect({ onRenamed })
    const socket = joinWith([], {
      members: ['Anna', 'Bob'],
      identities: { Bob: 'bbbbbbbbbbbbbbbb' },
    })
    socket.receive({
      type: 'presence',
      room: 'general',
      event: 'rename',
      name: 'Bob K.',
      old: 'Bob',
      identity: 'bbbbbbbbbbbbbbbb',
    })
    expect(room.members.value).toEqual(['Anna', 'Bob K.'])
    expect(room.memberIdentities.value).toEqual({ 'Bob K.': 'bbbbbbbbbbbbbbbb' })
    expect(room.timeline.value).toMatchObject([
      { kind: 'notice', event: 'rename', old: 'Bob', name: 'Bob K.' },
    ])
    expect(onRenamed).toHaveBeenCalledWith(
      expect.objectContaining({ identity: 'bbbbbbbbbbbbbbbb', name: 'Bob K.' }),
    )
  })

  it('takes the whole member list from a members frame, without a notice', () => {
    const room = connect()
    const socket = joinWith([], { members: ['Anna'] })
    socket.receive({ type: 'members', room: 'general', members: ['Anna', 'Bob', 'Chen'] })
    expect(room.members.value).toEqual(['Anna', 'Bob', 'Chen'])
    expect(room.timeline.value.filter((item) => item.kind === 'notice')).toEqual([])
  })

  it('follows the member list from presence changes that carry no full list', () => {
    const room = connect()
    const socket = joinWith([], { members: ['Anna', 'Chen'] })
    socket.receive({ type: 'presence', room: 'general', event: 'join', name: 'Bob' })
    expect(room.members.value).toEqual(['Anna', 'Bob', 'Chen'])
    socket.receive({ type: 'presence', room: 'general', event: 'leave', name: 'Chen' })
    expect(room.members.value).toEqual(['Anna', 'Bob'])
  })

  it('keeps following members through a flood of notices but shows at most NOTICES_PER_SECOND a second', () => {
    const room = connect()
    const socket = joinWith()
    const churn = (count) => {
      for (let index = 0; index < count; index += 1) {
        const name = `n${index}`
        socket.receive({
          type: 'presence',
          room: 'general',
          event: 'join',
          name,
          members: ['Anna', name],
        })
      }
    }
    const joined = () => room.timeline.value.flatMap((item) => item.joined)
    churn(NOTICES_PER_SECOND + 5)
    expect(joined()).toHaveLength(NOTICES_PER_SECOND)
    expect(room.members.value).toEqual(['Anna', `n${NOTICES_PER_SECOND + 4}`])
    vi.advanceTimersByTime(1000)
    socket.receive({ type: 'presence', room: 'general', event: 'join', name: 'Later' })
    expect(joined()).toHaveLength(NOTICES_PER_SECOND + 1)
  })

  it('keeps the room as it was when a host sends a message whose text is not text', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const room = connect()
    const socket = joinWith([message(1)])
    socket.receive(message(2, { text: { slice: 'not a function' } }))
    socket.receive(message(3))
    expect(room.timeline.value.map((item) => item.text)).toEqual(['message 1', 'message 3'])
  })

  it('tells about live messages from others, not history and not our own', () => {
    const onLiveMessage = vi.fn()
    connect({ onLiveMessage })
    const socket = joinWith([message(1)])
    socket.receive(message(2, { sender: 'Anna' }))
    socket.receive(message(3, { sender: 'Bob', text: 'hey' }))
    expect(onLiveMessage).toHaveBeenCalledTimes(1)
    expect(onLiveMessage.mock.calls[0][0]).toMatchObject({ id: 3, text: 'hey' })
  })

  it('loads older history over HTTP and puts it before what is shown', async () => {
    const fetchImpl = vi.fn(async () => ({
      ok: true,
      json: async () => ({
        room: 'general',
        messages: [message(99), message(100)],
        has_more: true,
      }),
    }))
    const room = connect({ fetchImpl })
    joinWith([message(101), message(102)])
    await room.loadOlder()
    expect(fetchImpl).toHaveBeenCalledWith(
      'http://127.0.0.1:8765/api/rooms/general/messages?limit=200&before=101',
    )
    expect(room.timeline.value.map((item) => item.id)).toEqual([99, 100, 101, 102])
    expect(room.hasOlder.value).toBe(true)
  })

  it('closes the socket and stops retrying when we leave', () => {
    const room = connect()
    const socket = joinWith()
    room.leave()
    expect(socket.readyState).toBe(FakeWebSocket.CLOSED)
    expect(room.status.value).toBe(ConnectionStatus.CLOSED)
    vi.advanceTimersByTime(60_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
  })
})

describe('useRoomConnection after a rename', () => {
  it('reconnects under the new name from where it was, and later frames carry it', async () => {
    const name = ref('Anna')
    const room = connect({ name })
    const first = joinWith([message(1), message(2)])
    name.value = 'Anya'
    await nextTick()
    expect(first.readyState).toBe(FakeWebSocket.CLOSED)
    const second = FakeWebSocket.last
    expect(second).not.toBe(first)
    expect(second.params.get('name')).toBe('Anya')
    expect(second.params.get('after')).toBe('2')
    second.accept()
    second.receive(welcome({ first_id: 1, last_id: 2, members: ['Anya', 'Bob'] }))
    room.send('hello again')
    expect(second.frames.at(-1)).toMatchObject({ sender: 'Anya', text: 'hello again' })
    expect(room.members.value).toEqual(['Anya', 'Bob'])
  })

  it('treats messages and notices under a name we used before as ours', async () => {
    const seen = []
    const own = new Set(['Anna', 'Ann'])
    connect({ isOwnName: (sender) => own.has(sender), onLiveMessage: (item) => seen.push(item) })
    const socket = joinWith()
    socket.receive(message(1, { sender: 'Ann' }))
    socket.receive(message(2, { sender: 'Bob' }))
    expect(seen.map((item) => item.sender)).toEqual(['Bob'])
  })

  it('shows the detail and wait of an error frame it has no words for', () => {
    const room = connect()
    const socket = joinWith()
    socket.receive({
      type: 'error',
      code: 'name_new_rule',
      detail: 'Names may not rhyme.',
      retry_after: 4,
    })
    expect(room.roomError.value).toEqual({
      code: 'name_new_rule',
      detail: 'Names may not rhyme.',
      retryAfter: 4,
    })
  })
})

describe('useRoomConnection outages', () => {
  it('remembers since when the room is unreachable, across attempts, until it is back', () => {
    vi.setSystemTime(new Date(2026, 11, 1, 20, 51))
    const room = connect()
    const first = joinWith()
    expect(room.downSince.value).toBeNull()
    first.serverClose(1006)
    const lost = room.downSince.value
    expect(lost).toBe(Date.now())
    vi.advanceTimersByTime(120_000)
    FakeWebSocket.last.close() // one more failed attempt
    expect(room.downSince.value).toBe(lost)
    vi.advanceTimersByTime(120_000)
    room.reconnect() // now, or the attempt under way
    joinWith()
    expect(room.downSince.value).toBeNull()
  })
})

describe('useRoomConnection when a rename comes too soon', () => {
  it('sends the refused message again after the wait, and says why meanwhile', () => {
    const room = connect()
    const socket = joinWith()
    room.send('under my new name')
    const { client_id: clientId } = socket.frames.at(-1)
    socket.receive({
      type: 'error',
      code: 'name_change_too_soon',
      detail: 'You changed your name less than 10 s ago.',
      retry_after: 4,
      client_id: clientId,
    })
    expect(room.roomError.value).toMatchObject({ code: 'name_change_too_soon', retryAfter: 4 })
    expect(room.outbox.value[0].state).not.toBe('failed')
    vi.advanceTimersByTime(3900)
    expect(socket.frames).toHaveLength(1)
    vi.advanceTimersByTime(200)
    expect(socket.frames).toHaveLength(2)
    expect(socket.frames[1]).toMatchObject({ text: 'under my new name', client_id: clientId })
  })
})

// A private room 'team' entered with its password (token 'tok-1'), its history fetched with fetchImpl.
function enterTeam() {
  const fetchImpl = vi.fn(async () => ({
    ok: true,
    json: async () => ({ messages: [], has_more: false }),
  }))
  const room = connect({ room: 'team', passwordStorage: memoryStorage(), fetchImpl })
  FakeWebSocket.last.accept()
  FakeWebSocket.last.serverClose(4013)
  room.enterPassword('s3cret!')
  const socket = FakeWebSocket.last
  socket.accept()
  socket.receive({ type: 'entered', room: 'team', token: 'tok-1', expires_in: 600 })
  socket.receive(message(101))
  socket.receive(welcome({ first_id: 101, last_id: 101 }))
  return { room, socket, fetchImpl }
}

describe('useRoomConnection in a private room', () => {
  const privateRoom = (passwordStorage) => connect({ room: 'team', passwordStorage })

  it('asks for the password when the room refuses us, sends it first (before the hello) and keeps it for the next connection', () => {
    const passwords = memoryStorage()
    const room = privateRoom(passwords)
    const door = FakeWebSocket.last
    door.accept()
    expect(door.allFrames[0].type).toBe('hello') // nothing known: no password frame
    door.receive({ type: 'error', code: 'password_required', detail: 'private' })
    door.serverClose(4013)
    expect(room.passwordPrompt.value).toEqual({ code: 'password_required', retryAfter: undefined })
    expect(room.status.value).toBe(ConnectionStatus.FAILED)

    room.enterPassword('s3cret!')
    expect(room.passwordPrompt.value).toBe(null)
    const second = FakeWebSocket.last
    second.accept()
    expect(second.allFrames.map((f) => f.type)).toEqual(['password', 'hello'])
    expect(second.allFrames[0].password).toBe('s3cret!')
    expect(second.url).not.toContain('s3cret')
    second.receive({ type: 'entered', room: 'team', token: 'tok', expires_in: 600 })
    second.receive(welcome({ first_id: 0, last_id: 0 }))
    expect(room.joined.value).toBe(true)

    second.serverClose(1012)
    vi.advanceTimersByTime(BACKOFF_MAX_MS)
    FakeWebSocket.last.accept()
    expect(FakeWebSocket.last.allFrames[0]).toEqual({ type: 'password', password: 's3cret!' })
  })

  it('forgets a wrong password and asks again, saying it was wrong', () => {
    const passwords = memoryStorage()
    const room = privateRoom(passwords)
    FakeWebSocket.last.accept()
    FakeWebSocket.last.serverClose(4013)
    room.enterPassword('guess')
    const attempt = FakeWebSocket.last
    attempt.accept()
    attempt.receive({ type: 'error', code: 'password_wrong', detail: 'wrong', tries_left: 4 })
    attempt.serverClose(4014)
    expect(room.passwordPrompt.value.code).toBe('password_wrong')
    expect([...passwords.data.values()]).toEqual([])
  })

  it('says when to try again after a lockout', () => {
    const room = privateRoom(memoryStorage())
    FakeWebSocket.last.accept()
    FakeWebSocket.last.receive({
      type: 'error',
      code: 'password_locked',
      detail: 'wait',
      retry_after: 42.5,
    })
    FakeWebSocket.last.serverClose(4015)
    expect(room.passwordPrompt.value).toEqual({ code: 'password_locked', retryAfter: 42.5 })
  })

  it('sends the history token in a header, never the URL, when loading older messages', async () => {
    const { room, fetchImpl } = enterTeam()
    await room.loadOlder()
    const [url, init] = fetchImpl.mock.calls[0]
    expect(url).not.toContain('tok-1')
    expect(init.headers['X-Lanchat-Room-Token']).toBe('tok-1')
  })

  it('takes the fresh token a token frame brings for history, search and uploads', async () => {
    const { room, socket, fetchImpl } = enterTeam()
    socket.receive({ type: 'token', room: 'team', token: 'tok-2', expires_in: 600 })
    expect(room.roomToken()).toBe('tok-2')
    await room.loadOlder()
    const [, init] = fetchImpl.mock.calls.at(-1)
    expect(init.headers['X-Lanchat-Room-Token']).toBe('tok-2')
    expect(room.isPrivate.value).toBe(true)
  })
})

describe('useRoomConnection when the host sets a password from this tab', () => {
  it('enters again with the password this tab was given instead of asking', () => {
    const passwords = memoryStorage()
    const room = connect({ room: 'team', passwordStorage: passwords })
    joinWith()
    passwords.setItem('lanchat-room-password:127.0.0.1:8765/team', 'new one')
    const old = FakeWebSocket.last
    old.receive({ type: 'error', code: 'password_required', detail: 'new password' })
    old.serverClose(4013)
    vi.advanceTimersByTime(0)
    expect(room.passwordPrompt.value).toBe(null)
    expect(FakeWebSocket.last).not.toBe(old)
    FakeWebSocket.last.accept()
    expect(FakeWebSocket.last.allFrames[0]).toEqual({ type: 'password', password: 'new one' })
  })
})

const update = (seq, change, frame) => ({
  type: 'update',
  room: 'general',
  seq,
  change,
  message: frame,
})
const anna = { identity: '0123456789abcdef', name: 'Anna' }

// Edits, deletes, reactions and replies (issue 15): update frames replace items by id, ids have
// gaps, and a reconnect resumes from the room's last position.
describe('useRoomConnection: changes to messages', () => {
  it('keeps the new fields of a message: identity, reply quote, edited, reactions', () => {
    const room = connect()
    joinWith([
      message(1, { identity: 'b96d1d1eefbbae7e' }),
      message(4, {
        reply_to: { id: 1, sender: 'Bob', text: 'message 1' },
        edited: 1764147700,
        reactions: [{ emoji: '👍', by: [anna] }],
      }),
    ])
    const [first, reply] = room.timeline.value
    expect(first).toMatchObject({
      id: 1,
      identity: 'b96d1d1eefbbae7e',
      replyTo: null,
      edited: null,
    })
    expect(first.reactions).toEqual([])
    expect(reply).toMatchObject({
      id: 4,
      identity: null,
      replyTo: { id: 1, sender: 'Bob', text: 'message 1', deleted: false, missing: false },
      edited: 1764147700,
      reactions: [{ emoji: '👍', by: [anna] }],
    })
  })

  it('replaces the item an update names, in its place, and ignores one it does not hold', () => {
    const room = connect()
    const socket = joinWith([message(1), message(2), message(5)])
    socket.receive(update(6, 'edit', message(2, { text: 'fixed', edited: 1764147700 })))
    socket.receive(update(7, 'reaction', message(5, { reactions: [{ emoji: '🎉', by: [anna] }] })))
    socket.receive(update(8, 'delete', message(1, { text: '', deleted: true })))
    socket.receive(update(9, 'edit', message(3, { text: 'never held' })))
    expect(room.timeline.value.map((item) => [item.id, item.text, item.deleted])).toEqual([
      [1, '', true],
      [2, 'fixed', false],
      [5, 'message 5', false],
    ])
    expect(room.timeline.value[2].reactions).toEqual([{ emoji: '🎉', by: [anna] }])
  })

  it('ignores an update whose message breaks the message shape', () => {
    const room = connect()
    const socket = joinWith([message(1)])
    vi.spyOn(console, 'error').mockImplementation(() => {})
    socket.receive(update(2, 'edit', { ...message(1), text: { html: '<b>' } }))
    socket.receive(update(3, 'explode', message(1, { text: 'x' })))
    socket.receive(update(4, 'reaction', message(1, { reactions: [{ emoji: 5, by: [] }] })))
    expect(room.timeline.value[0].text).toBe('message 1')
  })

  it('applies a resume in order: updates of what it held, then the new messages, and resumes from the last position', () => {
    const room = connect()
    let socket = joinWith([message(1), message(2)])
    socket.receive(update(3, 'edit', message(1, { text: 'v1', edited: 1 })))
    socket.serverClose(1012)
    vi.advanceTimersByTime(BACKOFF_MAX_MS)
    socket = FakeWebSocket.last
    expect(socket.params.get('after')).toBe('3') // the change's seq, past the newest message id
    socket.accept()
    socket.receive(update(6, 'reaction', message(2, { reactions: [{ emoji: '👍', by: [anna] }] })))
    socket.receive(update(8, 'edit', message(1, { text: 'v3', edited: 2 })))
    socket.receive(message(9))
    expect(room.timeline.value.map((item) => item.text)).toEqual(['v1', 'message 2']) // held until the welcome
    socket.receive(welcome({ first_id: 9, last_id: 10 }))
    expect(room.timeline.value.map((item) => [item.id, item.text, item.reactions.length])).toEqual([
      [1, 'v3', 0],
      [2, 'message 2', 1],
      [9, 'message 9', 0],
    ])
    socket.serverClose(1012)
    vi.advanceTimersByTime(BACKOFF_MAX_MS)
    expect(FakeWebSocket.last.params.get('after')).toBe('10') // the welcome's last position
  })

  it('sends edit, delete and react frames on the live connection, and a reply with reply_to', () => {
    const room = connect()
    expect(room.edit(1, 'too early')).toBe(false) // not connected: not kept for later
    const socket = joinWith([message(1)])
    expect(room.edit(1, '  better  ')).toBe(true)
    expect(room.edit(1, '   ')).toBe(false)
    expect(room.remove(1)).toBe(true)
    expect(room.react(1, '👍', true)).toBe(true)
    expect(room.react(1, '👍', false)).toBe(true)
    expect(room.react(1, '', true)).toBe(false)
    expect(room.send('yes', { replyTo: 1 })).toBe(true)
    const sent = socket.frames
    expect(sent.slice(0, 4)).toEqual([
      { type: 'edit', id: 1, text: 'better' },
      { type: 'delete', id: 1 },
      { type: 'react', id: 1, emoji: '👍', on: true },
      { type: 'react', id: 1, emoji: '👍', on: false },
    ])
    expect(sent[4]).toMatchObject({ type: 'message', text: 'yes', reply_to: 1 })
    expect(sent[4].client_id).toBeTruthy()
  })

  it('says which change was refused without touching the outbox, and a refused reply fails in it', () => {
    const room = connect()
    const socket = joinWith([message(1)])
    room.remove(1)
    socket.receive({ type: 'error', code: 'not_your_message', detail: 'not yours', id: 1 })
    expect(room.changeError.value).toEqual({ code: 'not_your_message', id: 1, detail: 'not yours' })
    expect(room.roomError.value.code).toBe('not_your_message')
    room.send('re', { replyTo: 1 })
    const reply = socket.frames.at(-1)
    socket.receive({
      type: 'error',
      code: 'message_deleted',
      detail: 'gone',
      id: 1,
      client_id: reply.client_id,
    })
    expect(room.outbox.value[0]).toMatchObject({
      state: 'failed',
      error: 'message_deleted',
      replyTo: 1,
    })
  })

  it('takes a welcome whose edit window is 0 (edits off) and keeps it in the limits', () => {
    const room = connect()
    joinWith([], {
      limits: {
        max_text_chars: 4000,
        max_sender_chars: 32,
        rate_limit_burst: 30,
        rate_limit_per_second: 10,
        edit_window_seconds: 0,
      },
    })
    expect(room.joined.value).toBe(true)
    expect(room.limits.value.edit_window_seconds).toBe(0)
  })

  it('says no hello over plain http from the network: its secret would cross it readable', () => {
    vi.stubGlobal('location', { host: '10.0.0.5:8765', protocol: 'http:' })
    try {
      connect({ host: '10.0.0.5:8765' })
      const socket = joinWith()
      expect(socket.url).toMatch(/^ws:\/\/10\.0\.0\.5:8765\//)
      expect(socket.allFrames.filter((frame) => frame.type === 'hello')).toEqual([])
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('counts the room’s unencrypted connections from its welcome, then from encryption frames', () => {
    const room = connect()
    const socket = joinWith([], { unencrypted: 2 })
    expect(room.unencrypted.value).toBe(2)
    socket.receive({ type: 'encryption', room: 'general', unencrypted: 0 })
    expect(room.unencrypted.value).toBe(0)
    socket.receive({ type: 'encryption', room: 'general', unencrypted: 1 })
    expect(room.unencrypted.value).toBe(1)
  })
})
