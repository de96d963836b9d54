import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import { TYPING_SEND_EVERY_MS, TYPING_SHOW_MS, useTyping } from './useTyping.js'

let sent
let live

function typingFor(pacer = { take: () => 0 }) {
  return useTyping({
    name: ref('Anna'),
    pacer,
    live: () => live,
    transmit: (text) => (sent.push(JSON.parse(text)), true),
  })
}

beforeEach(() => {
  vi.useFakeTimers()
  sent = []
  live = true
})

afterEach(() => {
  vi.useRealTimers()
})

describe('useTyping', () => {
  it('shows others typing, sorted, for a few seconds after their last notice, never ourselves', () => {
    const typing = typingFor()
    typing.heard('Chen')
    typing.heard('Bob')
    typing.heard('Anna')
    expect(typing.typingNames.value).toEqual(['Bob', 'Chen'])
    vi.advanceTimersByTime(TYPING_SHOW_MS)
    expect(typing.typingNames.value).toEqual([])
  })

  it('stops showing someone whose message arrived', () => {
    const typing = typingFor()
    typing.heard('Bob')
    typing.stopped('Bob')
    expect(typing.typingNames.value).toEqual([])
  })

  it('sends our notice at most every few seconds, and again at once after we sent a message', () => {
    const typing = typingFor()
    typing.typing()
    typing.typing()
    expect(sent).toEqual([{ type: 'typing', sender: 'Anna' }])
    vi.advanceTimersByTime(TYPING_SEND_EVERY_MS)
    typing.typing()
    typing.sentMessage()
    typing.typing()
    expect(sent).toHaveLength(3)
  })

  it('sends nothing before the room is live or when the rate limit would make a message wait', () => {
    live = false
    const typing = typingFor({ take: () => 500 })
    typing.typing()
    live = true
    typing.typing()
    expect(sent).toEqual([])
  })
})
