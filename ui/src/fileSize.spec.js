import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration, percent } from './fileSize.js'

describe('formatBytes', () => {
  it('writes sizes in each language', () => {
    expect(formatBytes(5, 'en')).toBe('5 bytes')
    expect(formatBytes(999, 'en')).toBe('999 bytes')
    expect(formatBytes(1000, 'en')).toBe('1 kB')
    expect(formatBytes(1_500_000, 'en')).toBe('1.5 MB')
    expect(formatBytes(1_500_000, 'ru')).toBe('1,5 МБ')
    expect(formatBytes(4 * 1024 ** 3, 'en')).toBe('4.3 GB')
  })
})

describe('formatDuration', () => {
  it('uses the largest unit that fits', () => {
    expect(formatDuration(0.2, 'en')).toBe('1 sec')
    expect(formatDuration(59, 'en')).toBe('59 sec')
    expect(formatDuration(60, 'en')).toBe('1 min')
    expect(formatDuration(5400, 'en')).toBe('1.5 hr')
    expect(formatDuration(180, 'ru')).toBe('3 мин')
  })
})

describe('percent', () => {
  it('rounds to whole percents, and an empty file is done', () => {
    expect(percent(1, 3, 'en')).toBe('33%')
    expect(percent(0, 0, 'en')).toBe('100%')
  })
})
