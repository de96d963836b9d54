import { describe, expect, it } from 'vitest'
import {
  BEGINNING,
  GROUP_WITHIN_SECONDS,
  countNewBelow,
  decorateRows,
  listRows,
  previousTime,
  quoteOf,
  rowTime,
} from './messageRows.js'
import { ownMessageTest } from './ownMessages.js'

const noon = new Date(2026, 11, 1, 12, 0, 0).getTime() / 1000
const message = (id, sender, timestamp, extra = {}) => ({
  kind: 'message',
  key: `m${id}`,
  id,
  sender,
  text: 'hi',
  timestamp,
  ...extra,
})

function decorate(list, extra = {}) {
  const byId = new Map(list.filter((row) => row.id).map((row) => [row.id, row]))
  return decorateRows(
    list,
    { start: 0, end: list.length },
    {
      isOwn: ownMessageTest({ isOwnName: (name) => name === 'Me' }),
      mentionsMe: (text) => text.includes('@Me'),
      lineKey: null,
      messageById: (id) => byId.get(id),
      dayHeading: (seconds) => `day ${new Date(seconds * 1000).getDate()}`,
      ...extra,
    },
  )
}

describe('listRows', () => {
  it('starts with the beginning only when nothing older is left and the room is not empty', () => {
    const items = [message(1, 'Bob', noon)]
    expect(listRows(items, false)).toEqual([BEGINNING, ...items])
    expect(listRows(items, true)).toBe(items)
    expect(listRows([], false)).toEqual([])
  })
})

describe('row times', () => {
  it('take a timestamp, or an unsent message’s creation, and look past rows without one', () => {
    expect(rowTime(message(1, 'Bob', noon))).toBe(noon)
    expect(rowTime({ kind: 'pending', createdAt: noon * 1000 })).toBe(noon)
    expect(rowTime(BEGINNING)).toBeNull()
    expect(previousTime([BEGINNING, message(1, 'Bob', noon), BEGINNING], 3)).toBe(noon)
    expect(previousTime([BEGINNING], 1)).toBeNull()
  })
})

describe('decorateRows', () => {
  it('groups a message under the one above from the same sender, within the grouping time', () => {
    const rows = decorate([
      message(1, 'Bob', noon),
      message(2, 'Bob', noon + 60),
      message(3, 'Bob', noon + 60 + GROUP_WITHIN_SECONDS),
      message(4, 'Anna', noon + 60 + GROUP_WITHIN_SECONDS),
    ])
    expect(rows.map((row) => row.grouped)).toEqual([false, true, false, false])
  })

  it('puts a day heading above the first row of each day, and never groups across it', () => {
    const rows = decorate([message(1, 'Bob', noon), message(2, 'Bob', noon + 86400)])
    expect(rows.map((row) => row.day)).toEqual(['day 1', 'day 2'])
    expect(rows[1].grouped).toBe(false)
  })

  it('marks our messages (unsent ones too) and the ones from others that name us', () => {
    const rows = decorate([
      message(1, 'Me', noon, { text: '@Me note to self' }),
      message(2, 'Bob', noon, { text: 'hey @Me' }),
      { kind: 'pending', key: 'c1', sender: 'Me', createdAt: noon * 1000 },
    ])
    expect(rows.map((row) => [row.own, row.mentioned])).toEqual([
      [true, false],
      [false, true],
      [true, false],
    ])
  })

  it('draws the "New messages" line only above the row it is given', () => {
    const rows = decorate([message(1, 'Bob', noon), message(2, 'Bob', noon)], { lineKey: 'm2' })
    expect(rows.map((row) => row.newLine)).toEqual([false, true])
  })

  it('decorates only the rows asked for', () => {
    const list = [message(1, 'Bob', noon), message(2, 'Bob', noon + 10)]
    const [second] = decorateRows(
      list,
      { start: 1, end: 2 },
      {
        isOwn: () => false,
        mentionsMe: () => false,
        lineKey: null,
        messageById: () => undefined,
        dayHeading: () => 'today',
      },
    )
    expect(second.row).toBe(list[1])
    expect(second.grouped).toBe(true)
  })
})

describe('quoteOf', () => {
  const reply = { replyTo: { id: 1, sender: 'Bob', text: 'old', deleted: false } }

  it('quotes the original as held now: its first line, or nothing once it is deleted', () => {
    expect(quoteOf(reply, { sender: 'Bob', text: ' new\nmore', deleted: false })).toEqual({
      id: 1,
      sender: 'Bob',
      text: 'new',
      deleted: false,
    })
    expect(quoteOf(reply, { sender: 'Bob', text: '', deleted: true }).deleted).toBe(true)
  })

  it('keeps the server’s quote when the original is not held, and quotes nothing for a plain message', () => {
    expect(quoteOf(reply, undefined)).toBe(reply.replyTo)
    expect(quoteOf({}, undefined)).toBeNull()
  })
})

describe('countNewBelow', () => {
  it('counts the messages after the last one seen, not notices', () => {
    const items = [message(1, 'Bob', noon), { kind: 'notice', key: 'n1' }, message(2, 'Bob', noon)]
    expect(countNewBelow(items, 'm1')).toBe(1)
    expect(countNewBelow(items, 'm2')).toBe(0)
    expect(countNewBelow(items, 'gone')).toBe(2)
  })
})
