import { describe, expect, it } from 'vitest'
import { clockTime, daysAgo } from './timeFormat.js'

const at = (...parts) => new Date(...parts).getTime() / 1000

describe('timeFormat', () => {
  it('writes the hour without a leading zero, in both languages', () => {
    expect(clockTime(at(2026, 11, 1, 8, 47), 'en')).toBe('8:47 AM')
    expect(clockTime(at(2026, 11, 1, 8, 47), 'ru')).toBe('8:47')
  })

  it('counts calendar days back from now, across midnight rather than by 24 hours', () => {
    const now = at(2026, 11, 1, 0, 10)
    expect(daysAgo(at(2026, 11, 1, 0, 5), now)).toBe(0)
    expect(daysAgo(at(2026, 10, 30, 23, 55), now)).toBe(1)
    expect(daysAgo(at(2026, 10, 29, 23, 55), now)).toBe(2)
  })
})
