import { describe, expect, it } from 'vitest'
import { clipChars, limitInput } from './fieldLimits.js'

describe('clipChars', () => {
  it('counts characters as the server does, so an emoji is one', () => {
    expect(clipChars('😀'.repeat(5), 4)).toBe('😀'.repeat(4))
    expect(clipChars('abcd', 4)).toBe('abcd')
    expect(clipChars('abcde', 4)).toBe('abcd')
  })
})

describe('limitInput', () => {
  it('cuts the field itself, and leaves a word an input method is composing alone', () => {
    const field = document.createElement('input')
    field.value = 'abcdef'
    expect(limitInput({ target: field }, 4)).toBe('abcd')
    expect(field.value).toBe('abcd')
    field.value = 'abcdef'
    expect(limitInput({ target: field, isComposing: true }, 4)).toBe('abcdef')
  })
})
