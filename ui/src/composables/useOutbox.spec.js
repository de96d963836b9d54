import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import { createPacer, newClientId, outboxKey, useOutbox } from './useOutbox.js'
import { memoryStorage } from '../testing/FakeWebSocket.js'

const limits = {
  max_text_chars: 4000,
  max_sender_chars: 32,
  rate_limit_burst: 2,
  rate_limit_per_second: 1,
}
let storage
let sent

function outboxFor(options = {}) {
  return useOutbox({
    host: 'h:1',
    room: 'general',
    name: ref('Anna'),
    pacer: createPacer(limits),
    storage,
    transmit: (text) => (sent.push(JSON.parse(text)), true),
    ...options,
  })
}

beforeEach(() => {
  vi.useFakeTimers()
  storage = memoryStorage()
  sent = []
})

afterEach(() => {
  vi.useRealTimers()
})

describe('createPacer', () => {
  it('lets a burst through, then spaces frames a little under the server rate', () => {
    const pacer = createPacer(limits)
    expect(pacer.take()).toBe(0)
    expect(pacer.take()).toBe(0)
    expect(pacer.take()).toBe(1112) // one token a second, at 90 % of it
  })

  it('starts full again for a new connection and follows limits that change', () => {
    const current = ref(limits)
    const pacer = createPacer(current)
    pacer.take()
    pacer.take()
    current.value = { ...limits, rate_limit_burst: 3 }
    pacer.refill()
    expect([pacer.take(), pacer.take(), pacer.take()]).toEqual([0, 0, 0])
  })
})

describe('useOutbox', () => {
  it('saves what is queued and holds it until the connection is ready', () => {
    const outbox = outboxFor()
    outbox.add('hello')
    expect(sent).toEqual([])
    expect(JSON.parse(storage.getItem(outboxKey('h:1', 'general')))[0].text).toBe('hello')
    outbox.setReady(true)
    expect(sent).toMatchObject([
      { type: 'message', text: 'hello', sender: 'Anna', room: 'general' },
    ])
  })

  it('keeps one message in flight until it is acknowledged', () => {
    const outbox = outboxFor()
    outbox.setReady(true)
    outbox.add('one')
    outbox.add('two')
    expect(sent.map((frame) => frame.text)).toEqual(['one'])
    outbox.acknowledged(sent[0].client_id)
    expect(sent.map((frame) => frame.text)).toEqual(['one', 'two'])
    expect(outbox.entries.value.map((entry) => entry.text)).toEqual(['two'])
  })

  it('sends again, after a new connection, what was in flight when the last one dropped', () => {
    const outbox = outboxFor()
    outbox.setReady(true)
    outbox.add('one')
    outbox.setReady(false)
    outbox.setReady(true)
    expect(sent.map((frame) => frame.text)).toEqual(['one', 'one'])
    expect(sent[1].client_id).toBe(sent[0].client_id)
  })

  it('marks a refused message failed and goes on; a retry sends it again', () => {
    const outbox = outboxFor()
    outbox.setReady(true)
    outbox.add('one')
    outbox.add('two')
    const refused = {
      type: 'error',
      code: 'text_too_long',
      detail: '',
      client_id: sent[0].client_id,
    }
    expect(outbox.refused(refused)).toBe(true)
    expect(outbox.entries.value[0]).toMatchObject({ state: 'failed', error: 'text_too_long' })
    expect(sent.map((frame) => frame.text)).toEqual(['one', 'two'])
    expect(outbox.refused({ type: 'error', code: 'room_invalid', detail: '' })).toBe(false)
  })

  it('is empty after clear, in memory and in storage', () => {
    const outbox = outboxFor()
    outbox.add('one')
    outbox.clear()
    expect(outbox.entries.value).toEqual([])
    expect(storage.getItem(outboxKey('h:1', 'general'))).toBeNull()
  })
})

describe('newClientId', () => {
  it('takes its randomness from crypto even where randomUUID is missing (plain http)', () => {
    const getRandomValues = vi.fn((bytes) => bytes.fill(171))
    const random = vi.spyOn(Math, 'random')
    expect(newClientId({ getRandomValues })).toBe(`c-${'ab'.repeat(16)}`)
    expect(getRandomValues).toHaveBeenCalledOnce()
    expect(random).not.toHaveBeenCalled()
    random.mockRestore()
  })

  it('uses randomUUID where the page has it', () => {
    expect(newClientId({ randomUUID: () => 'u-1' })).toBe('c-u-1')
  })
})
