import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  NOTIFICATION_GATHER_SECONDS,
  createNotificationGatherer,
  mentionText,
  notificationText,
} from './notificationGathering.js'
import { isolate } from './bidi.js'
import { createAppI18n } from './i18n.js'

const message = (sender, text) => ({ sender, text })

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('createNotificationGatherer', () => {
  it('gives one notification per room for a burst, when the gathering window ends', () => {
    const delivered = []
    const gatherer = createNotificationGatherer((batch) => delivered.push(batch))
    gatherer.add('h/general', 'general', message('Bob', 'one'))
    gatherer.add('h/general', 'general', message('Carol', 'two'))
    gatherer.add('h/lobby', 'lobby', message('Dan', 'hi'))
    gatherer.add('h/general', 'general', message('Bob', 'three'))
    vi.advanceTimersByTime(NOTIFICATION_GATHER_SECONDS * 1000 - 1)
    expect(delivered).toEqual([])

    vi.advanceTimersByTime(1)
    expect(delivered).toEqual([
      {
        key: 'h/general',
        room: 'general',
        senders: ['Bob', 'Carol'],
        count: 3,
        last: message('Bob', 'three'),
      },
      { key: 'h/lobby', room: 'lobby', senders: ['Dan'], count: 1, last: message('Dan', 'hi') },
    ])
  })

  it('starts a new window with the first message after one ends, so a steady stream notifies once per window', () => {
    const delivered = []
    const gatherer = createNotificationGatherer((batch) => delivered.push(batch))
    for (let second = 0; second < NOTIFICATION_GATHER_SECONDS * 2; second++) {
      gatherer.add('h/general', 'general', message('Bob', `at ${second}`))
      vi.advanceTimersByTime(1000)
    }
    expect(delivered.map((batch) => batch.count)).toEqual([
      NOTIFICATION_GATHER_SECONDS,
      NOTIFICATION_GATHER_SECONDS,
    ])
  })

  it('delivers nothing of what it dropped', () => {
    const delivered = []
    const gatherer = createNotificationGatherer((batch) => delivered.push(batch))
    gatherer.add('h/general', 'general', message('Bob', 'one'))
    gatherer.drop()
    vi.runAllTimers()
    expect(delivered).toEqual([])
  })
})

describe('notificationText', () => {
  const en = createAppI18n('en').global.t
  const ru = createAppI18n('ru').global.t
  const batch = (senders, count) => ({
    room: 'general',
    senders,
    count,
    last: message(senders[0], 'latest'),
  })
  // The wording, read without the isolating marks (their own test is below).
  const title = (t, gathered) => notificationText(t, gathered)[0].replace(/[\u2068\u2069]/g, '')

  it('names the sender and room of a single message, and shows its text', () => {
    expect(title(en, batch(['Bob'], 1))).toBe('Bob · general')
    expect(notificationText(en, batch(['Bob'], 1))[1]).toBe('latest')
  })

  it('sums up a burst with plural forms in English and Russian', () => {
    expect(title(en, batch(['Bob'], 2))).toBe('Bob: 2 new messages in general')
    expect(title(en, batch(['Bob', 'Ann'], 5))).toBe('Bob and 1 other: 5 new messages in general')
    expect(title(en, batch(['Bob', 'Ann', 'Cy'], 5))).toBe(
      'Bob and 2 others: 5 new messages in general',
    )
    expect(title(ru, batch(['Боб', 'Аня', 'Вера'], 5))).toBe(
      'Боб и ещё 2: 5 новых сообщений в general',
    )
    expect(title(ru, batch(['Боб'], 21))).toBe('Боб: 21 новое сообщение в general')
    expect(title(ru, batch(['Боб'], 3))).toBe('Боб: 3 новых сообщения в general')
  })
  it('isolates the sender and room in the title, so a right-to-left override stays inside them', () => {
    const evil = '\u202Eevil'
    const single = { room: 'שלום', senders: [evil], count: 1, last: message(evil, 'hi') }
    expect(notificationText(en, single)[0]).toBe(`${isolate(evil)} · ${isolate('שלום')}`)
    expect(notificationText(en, { ...single, count: 2 })[0]).toBe(
      `${isolate(evil)}: 2 new messages in ${isolate('שלום')}`,
    )
    expect(mentionText(en, 'general', message(evil, 'hi @me'))[0]).toBe(
      `${isolate(evil)} mentioned you in ${isolate('general')}`,
    )
  })
})
