import { describe, expect, it } from 'vitest'
import { FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE, isolate, isolateEach } from './bidi.js'

describe('isolate', () => {
  it('wraps text in first strong isolate and pop directional isolate', () => {
    expect(isolate('\u202Eevil')).toBe('\u2068\u202Eevil\u2069')
    expect(FIRST_STRONG_ISOLATE).toBe('\u2068')
    expect(POP_DIRECTIONAL_ISOLATE).toBe('\u2069')
  })

  it('keeps an override inside the name from reaching the words after it', () => {
    const sentence = `${isolate('\u202Eevil')} reacted`
    const close = sentence.indexOf(POP_DIRECTIONAL_ISOLATE)
    expect(sentence.slice(close + 1)).toBe(' reacted')
  })

  it('isolates each name of a list on its own, separators outside', () => {
    expect(isolateEach(['Anna', 'שלום'])).toBe('\u2068Anna\u2069, \u2068שלום\u2069')
  })
})
