import { describe, expect, it } from 'vitest'
import { RATE_WINDOW_MS, createTransferRate } from './transferRate.js'

describe('createTransferRate', () => {
  it('has no speed from a single sample', () => {
    expect(createTransferRate(() => 0).update(10, 100)).toEqual({ speed: null, secondsLeft: null })
  })

  it('follows the last few seconds, not the average since the start', () => {
    let at = 0
    const rate = createTransferRate(() => at)
    rate.update(0, 10_000)
    at = RATE_WINDOW_MS
    rate.update(5000, 10_000) // 1000 B/s so far
    at += RATE_WINDOW_MS / 2
    // Half a window at 100 B/s: measured from the start still (1000 and 100 blend).
    expect(rate.update(5250, 10_000).speed).toBeCloseTo(5250 / 7.5)
    at += RATE_WINDOW_MS / 2
    // A whole window at 100 B/s: the fast start no longer counts.
    const now = rate.update(5500, 10_000)
    expect(now.speed).toBeCloseTo(100)
    expect(now.secondsLeft).toBe(45)
  })
})
