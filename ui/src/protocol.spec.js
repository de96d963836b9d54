import { describe, expect, it, vi } from 'vitest'
import cases from '../../tests/cases/names.json'
import { MAX_ROOM_CHARS, MAX_SENDER_CHARS } from './protocol.generated.js'
import {
  charCount,
  dispatchFrame,
  cleanName,
  historyMessages,
  nameKey,
  nameProblem,
  roomProblem,
  roomSocketUrl,
  isSecureHost,
} from './protocol.js'

// `times` in the shared table: the rule's limit, or one past it.
function spelled(entry, limit) {
  const times = { limit, 'limit+1': limit + 1 }[entry.times] ?? 1
  return entry.name.repeat(times)
}

describe('protocol', () => {
  it('counts characters as the server does, not UTF-16 units', () => {
    expect(charCount('😀😀')).toBe(2)
  })

  it('applies the server room-name rules', () => {
    expect(roomProblem('Общая комната-1')).toBeNull()
    expect(roomProblem('')).toBe('room_empty')
    expect(roomProblem('a/b')).toBe('room_chars')
    expect(roomProblem(' lead')).toBe('room_spaces')
    expect(roomProblem('..')).toBe('room_dots')
    expect(roomProblem('x'.repeat(65))).toBe('room_too_long')
  })

  it.each(cases.rooms)('judges the room name $name as the server does', (entry) => {
    expect(roomProblem(spelled(entry, MAX_ROOM_CHARS))).toBe(entry.problem)
  })

  it.each(cases.senders)('judges the sender name $name as the server does', (entry) => {
    const name = spelled(entry, MAX_SENDER_CHARS)
    expect(nameProblem(name)).toBe(entry.problem)
    if (entry.stored) expect(cleanName(name)).toBe(entry.stored)
  })

  it.each(cases.name_clashes)(
    'tells whether $a and $b are one name as the server does',
    (entry) => {
      expect(nameKey(entry.a) === nameKey(entry.b)).toBe(entry.same)
    },
  )

  it('puts the room in the path, escaped, and the resume point in the query', () => {
    expect(roomSocketUrl('h:1', 'my room', { name: 'Аня', after: 0 })).toBe(
      'wss://h:1/ws/my%20room?v=2&name=%D0%90%D0%BD%D1%8F&after=0',
    )
  })

  it('speaks TLS to other hosts, plain HTTP to loopback, and its own scheme to the page’s host', () => {
    const page = { host: '10.0.0.5:8765', protocol: 'http:' }
    expect(isSecureHost('10.0.0.9:8765', page)).toBe(true)
    expect(isSecureHost('pc-anna.local:8765', page)).toBe(true)
    expect(isSecureHost('127.0.0.1:8765', page)).toBe(false)
    expect(isSecureHost('127.0.0.1:41234', page)).toBe(false)
    expect(isSecureHost('localhost:8765', page)).toBe(false)
    expect(isSecureHost('[::1]:8765', page)).toBe(false)
    expect(isSecureHost('10.0.0.5:8765', page)).toBe(false) // a host that let browsers in without TLS
    expect(isSecureHost('10.0.0.5:8765', { ...page, protocol: 'https:' })).toBe(true)
  })

  it('dispatches by type and reports what it cannot handle without throwing', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const message = vi.fn()
    const frame = { type: 'message', id: 1, text: 'hi', sender: 'Bob', room: 'r', timestamp: 1 }
    dispatchFrame(JSON.stringify(frame), { message })
    dispatchFrame('{"type":"mystery"}', { message })
    dispatchFrame('[1,2]', { message })
    dispatchFrame('{', { message })
    expect(message).toHaveBeenCalledWith(frame)
    expect(error).toHaveBeenCalledTimes(3)
  })

  it('keeps only the well-formed messages of a history page', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const good = { id: 1, text: 'hi', sender: 'Bob', room: 'r', timestamp: 1, type: 'message' }
    expect(historyMessages({ messages: [good, { ...good, id: 2, text: 5 }, null] })).toEqual([good])
    expect(historyMessages({ messages: 'nope' })).toEqual([])
    expect(error).toHaveBeenCalledTimes(1)
  })

  it('treats a type named like an Object property as unknown', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    dispatchFrame('{"type":"constructor"}', {})
    dispatchFrame('{"type":"toString"}', {})
    expect(error).toHaveBeenCalledTimes(2)
  })

  it.each([
    ['message', { type: 'message', id: 1, text: { evil: true }, sender: 'Bob', timestamp: 1 }],
    ['message', { type: 'message', id: '1', text: 'hi', sender: 'Bob', timestamp: 1 }],
    ['message', { type: 'message', id: 1, text: 'hi', sender: null, timestamp: 1 }],
    ['welcome', { type: 'welcome', members: 'Anna', first_id: 0, last_id: 0 }],
    [
      'welcome',
      { type: 'welcome', members: [], first_id: 0, last_id: 0, limits: { rate_limit_burst: -1 } },
    ],
    ['ack', { type: 'ack', client_id: 7, id: 1 }],
    ['error', { type: 'error', code: 'rate_limited', retry_after: 'soon' }],
    ['presence', { type: 'presence', event: 'arrive', name: 'Bob', members: [] }],
    ['presence', { type: 'presence', event: 'rename', name: 'Bob', old: 7 }],
    ['typing', { type: 'typing', sender: ['Bob'] }],
  ])('reports and ignores a %s frame that breaks its shape', (type, frame) => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const handler = vi.fn()
    dispatchFrame(JSON.stringify(frame), { [type]: handler, message: handler })
    expect(handler).not.toHaveBeenCalled()
    expect(error).toHaveBeenCalledTimes(1)
  })
})
