import { describe, expect, it } from 'vitest'
import {
  SEEN_NAMES_SHOWN,
  receiptsFromList,
  renamedIn,
  seenLine,
  withReceipt,
  withReceipts,
} from './readReceipts.js'

const message = (id, sender) => ({ kind: 'message', key: `m${id}`, id, sender, text: 'hi' })
const isOwn = (item) => item.sender === 'Anna'
const items = [message(1, 'Anna'), message(2, 'Bob'), message(3, 'Anna'), message(4, 'Bob')]

describe('read receipts', () => {
  it('shows who has seen our latest message they reached, by name, and nothing when nobody has', () => {
    const receipts = receiptsFromList([
      { identity: 'b', name: 'Bob', id: 4 },
      { identity: 'c', name: 'Clara', id: 1 },
    ])
    expect(seenLine(items, receipts, { isOwn, me: 'a' })).toEqual({
      key: 'm3',
      names: ['Bob'],
      more: 0,
      all: ['Bob'],
    })
    // Clara has seen only our first: the line stays under the latest one someone has seen.
    const onlyClara = receiptsFromList([{ identity: 'c', name: 'Clara', id: 2 }])
    expect(seenLine(items, onlyClara, { isOwn, me: 'a' }).key).toBe('m1')
    expect(seenLine(items, {}, { isOwn, me: 'a' })).toBeNull()
  })

  it('names a reader by the name they took since', () => {
    const receipts = { b: { name: 'Bob', id: 3 } }
    expect(renamedIn(receipts, { identity: 'b', name: 'Bob K.' })).toEqual({
      b: { name: 'Bob K.', id: 3 },
    })
    expect(renamedIn(receipts, { identity: 'z', name: 'Zed' })).toBe(receipts)
  })

  it('names each reader once, however many identities share the name', () => {
    const items = [message(1, 'Anna')]
    const receipts = {
      m: { name: 'Mallory', id: 1 },
      g1: { name: 'Гость', id: 1 },
      g2: { name: 'Гость', id: 1 },
    }
    expect(seenLine(items, receipts, { isOwn, me: 'a' })).toMatchObject({
      names: ['Mallory', 'Гость'],
      more: 0,
    })
  })

  it('leaves out our own receipt (another tab of ours) and our messages nobody reached', () => {
    const receipts = receiptsFromList([{ identity: 'a', name: 'Anna', id: 4 }])
    expect(seenLine(items, receipts, { isOwn, me: 'a' })).toBeNull()
  })

  it(`names ${SEEN_NAMES_SHOWN} readers and counts the rest`, () => {
    const names = ['Dan', 'Bob', 'Eve', 'Clara']
    const receipts = receiptsFromList(
      names.map((name, index) => ({ identity: `i${index}`, name, id: 3 })),
    )
    const atEdge = receiptsFromList(
      names
        .slice(0, SEEN_NAMES_SHOWN)
        .map((name, index) => ({ identity: `i${index}`, name, id: 3 })),
    )
    expect(seenLine(items, atEdge, { isOwn, me: 'a' })).toMatchObject({
      names: ['Bob', 'Dan', 'Eve'],
      more: 0,
    })
    expect(seenLine(items, receipts, { isOwn, me: 'a' })).toMatchObject({
      names: ['Bob', 'Clara', 'Dan'],
      more: 1,
      all: ['Bob', 'Clara', 'Dan', 'Eve'],
    })
  })

  it('only ever moves a receipt forward', () => {
    const receipts = withReceipt({}, { identity: 'b', name: 'Bob', id: 5 })
    expect(withReceipt(receipts, { identity: 'b', name: 'Bobby', id: 4 })).toBe(receipts)
    expect(withReceipt(receipts, { identity: 'b', name: 'Bobby', id: 6 })).toEqual({
      b: { name: 'Bobby', id: 6 },
    })
  })

  it('takes a receipts frame of several readers, each moving only forward', () => {
    const receipts = withReceipt({}, { identity: 'b', name: 'Bob', id: 5 })
    expect(
      withReceipts(receipts, [
        { identity: 'c', name: 'Clara', id: 7 },
        { identity: 'b', name: 'Bob', id: 4 },
      ]),
    ).toEqual({ b: { name: 'Bob', id: 5 }, c: { name: 'Clara', id: 7 } })
    expect(withReceipts(receipts, [])).toBe(receipts)
  })
})
