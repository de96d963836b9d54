import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { JUMP_FADE_MS, JUMP_HIGHLIGHT_MS, useJumpHighlight } from './useJumpHighlight.js'

afterEach(() => vi.useRealTimers())

describe('useJumpHighlight', () => {
  it('lights a row, fades it, and leaves nothing after a few seconds', () => {
    vi.useFakeTimers()
    const scope = effectScope()
    const { highlight, classFor } = scope.run(() => useJumpHighlight())
    highlight('m7')
    expect(classFor('m7')).toBe('jumped-to')
    expect(classFor('m8')).toBe(null)
    vi.advanceTimersByTime(JUMP_HIGHLIGHT_MS)
    expect(classFor('m7')).toBe('jump-fading')
    vi.advanceTimersByTime(JUMP_FADE_MS)
    expect(classFor('m7')).toBe(null)
    expect(JUMP_HIGHLIGHT_MS + JUMP_FADE_MS).toBeLessThanOrEqual(5000)
    scope.stop()
  })

  it('moves the light to a second jump at once, lit for its full time', () => {
    vi.useFakeTimers()
    const scope = effectScope()
    const { highlight, classFor } = scope.run(() => useJumpHighlight())
    highlight('m1')
    vi.advanceTimersByTime(JUMP_HIGHLIGHT_MS - 1)
    highlight('m2')
    expect(classFor('m1')).toBe(null)
    vi.advanceTimersByTime(JUMP_HIGHLIGHT_MS - 1)
    expect(classFor('m2')).toBe('jumped-to')
    scope.stop()
    vi.advanceTimersByTime(JUMP_HIGHLIGHT_MS + JUMP_FADE_MS)
    expect(classFor('m2')).toBe('jumped-to') // its scope gone, nothing runs on
  })
})
