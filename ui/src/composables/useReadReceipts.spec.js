import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import { SEEN_SEND_INTERVAL_MS, useReadReceipts } from './useReadReceipts.js'

let sent
let ready
let pacerWait

function receipts(enabled = ref(true)) {
  return useReadReceipts({
    enabled,
    pacer: { take: () => pacerWait },
    ready: () => ready,
    transmit: (text) => {
      sent.push(JSON.parse(text))
      return true
    },
  })
}

beforeEach(() => {
  vi.useFakeTimers()
  sent = []
  ready = true
  pacerWait = 0
})

afterEach(() => vi.useRealTimers())

describe('useReadReceipts', () => {
  it(`sends at most one seen frame per ${SEEN_SEND_INTERVAL_MS} ms, with the newest position`, () => {
    const state = receipts()
    state.shown(3)
    state.shown(4)
    state.shown(9)
    expect(sent).toEqual([{ type: 'seen', id: 3 }])
    vi.advanceTimersByTime(SEEN_SEND_INTERVAL_MS - 1)
    expect(sent).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(sent).toEqual([
      { type: 'seen', id: 3 },
      { type: 'seen', id: 9 },
    ])
    state.shown(9) // nothing new
    vi.advanceTimersByTime(SEEN_SEND_INTERVAL_MS * 3)
    expect(sent).toHaveLength(2)
  })

  it('waits for the connection to be live and known, and never at the cost of a message', () => {
    ready = false
    const state = receipts()
    state.shown(5)
    expect(sent).toEqual([])
    ready = true
    pacerWait = 200 // the room's budget is spent: a message comes first
    state.identified([])
    expect(sent).toEqual([])
    pacerWait = 0
    vi.advanceTimersByTime(SEEN_SEND_INTERVAL_MS)
    expect(sent).toEqual([{ type: 'seen', id: 5 }])
  })

  it('sends nothing and shows nobody while off, and says what was shown once on again', () => {
    const enabled = ref(false)
    const state = receipts(enabled)
    state.identified([{ identity: 'b', name: 'Bob', id: 2 }])
    state.heard({ identity: 'b', name: 'Bob', id: 3 })
    state.shown(7)
    vi.advanceTimersByTime(SEEN_SEND_INTERVAL_MS * 2)
    expect(sent).toEqual([])
    expect(state.receipts.value).toEqual({})
    enabled.value = true
    state.opened() // the room reconnects to say so in its hello
    state.identified([{ identity: 'b', name: 'Bob', id: 3 }])
    expect(sent).toEqual([{ type: 'seen', id: 7 }])
    expect(state.receipts.value).toEqual({ b: { name: 'Bob', id: 3 } })
  })
})
