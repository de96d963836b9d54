import { describe, expect, it } from 'vitest'
import {
  FIRST_STRONG_ISOLATE,
  POP_DIRECTIONAL_ISOLATE,
  isolate,
  isolateEach,
  textDirection,
} from './bidi.js'

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

describe('textDirection', () => {
  it('reads Hebrew and Arabic one-liners as right to left, English and Russian as left to right', () => {
    expect(textDirection('שלום לכולם')).toBe('rtl')
    expect(textDirection('مرحبا')).toBe('rtl')
    expect(textDirection('Lunch at noon?')).toBe('ltr')
    expect(textDirection('Привет')).toBe('ltr')
  })

  it('takes a mixed line by its first letter, past digits, emoji and markup', () => {
    expect(textDirection('שלום, see you at 5')).toBe('rtl')
    expect(textDirection('See you at 5, שלום')).toBe('ltr')
    expect(textDirection('5 🎉 **שלום** world')).toBe('rtl')
  })

  it('has no direction of its own without a letter', () => {
    expect(textDirection('12:30 👍 ?!')).toBe('')
  })
})
