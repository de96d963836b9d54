import { describe, expect, it } from 'vitest'
import {
  MAX_TIMELINE_ITEMS,
  appendMessages,
  appendNotice,
  applyUpdate,
  emptyTimeline,
  hasSpace,
  markDeleted,
  prependMessages,
} from './roomTimeline.js'
import { message } from './testing/FakeWebSocket.js'

const ids = (timeline) => timeline.items.map((item) => item.id ?? item.key)

describe('roomTimeline', () => {
  it('appends new messages and says which were new, skipping any it already holds', () => {
    const first = appendMessages(emptyTimeline(), [message(1), message(2)])
    const again = appendMessages(first.timeline, [message(2), message(3), message(3)])
    expect(ids(again.timeline)).toEqual([1, 2, 3])
    expect(again.added.map((item) => item.id)).toEqual([3])
    expect(appendMessages(again.timeline, [message(1)]).timeline).toBe(again.timeline)
  })

  it('leaves the timeline it was given untouched', () => {
    const empty = emptyTimeline()
    appendMessages(empty, [message(1)])
    appendNotice(empty, { event: 'join', name: 'Bob', timestamp: 1 })
    expect(empty).toEqual(emptyTimeline())
  })

  it('puts an older page before what is shown, without the messages it already holds', () => {
    const { timeline } = appendMessages(emptyTimeline(), [message(101), message(102)])
    const older = prependMessages(timeline, [message(99), message(100), message(101)])
    expect(ids(older)).toEqual([99, 100, 101, 102])
    expect(older.oldestId).toBe(99)
  })

  it('gives each notice its own key among the messages', () => {
    let timeline = appendMessages(emptyTimeline(), [message(1)]).timeline
    timeline = appendNotice(timeline, { event: 'join', name: 'Bob', timestamp: 1 })
    timeline = appendMessages(timeline, [message(2)]).timeline
    timeline = appendNotice(timeline, { event: 'leave', name: 'Bob', timestamp: 2 })
    expect(timeline.items.map((item) => item.key)).toEqual(['m1', 'n1', 'm2', 'n2'])
  })

  it('holds at most MAX_TIMELINE_ITEMS, letting the oldest go first', () => {
    const full = Array.from({ length: MAX_TIMELINE_ITEMS }, (_, index) => message(index + 1))
    let { timeline } = appendMessages(emptyTimeline(), full)
    expect(timeline.items).toHaveLength(MAX_TIMELINE_ITEMS)
    expect(timeline.oldestId).toBe(1)
    expect(hasSpace(timeline)).toBe(false)
    timeline = appendMessages(timeline, [message(MAX_TIMELINE_ITEMS + 1)]).timeline
    expect(timeline.items).toHaveLength(MAX_TIMELINE_ITEMS)
    expect(timeline.oldestId).toBe(2)
    expect(timeline.items.at(-1).id).toBe(MAX_TIMELINE_ITEMS + 1)
  })

  it('takes from an older page only what fits under the bound, the newest of it', () => {
    const recent = Array.from({ length: MAX_TIMELINE_ITEMS - 1 }, (_, index) => message(index + 10))
    const { timeline } = appendMessages(emptyTimeline(), recent)
    const older = prependMessages(timeline, [message(7), message(8), message(9)])
    expect(older.items).toHaveLength(MAX_TIMELINE_ITEMS)
    expect(older.oldestId).toBe(9)
    expect(prependMessages(older, [message(5)])).toBe(older)
  })

  it('marks a deleted message in its place without its text, and ignores an id it does not hold', () => {
    const { timeline } = appendMessages(emptyTimeline(), [
      message(1, { text: 'a' }),
      message(2, { text: 'b' }),
    ])
    const marked = markDeleted(timeline, 1)
    expect(marked.items.map((item) => [item.id, item.text, item.deleted])).toEqual([
      [1, '', true],
      [2, 'b', false],
    ])
    expect(markDeleted(marked, 99)).toBe(marked)
  })

  it('takes ids with gaps (changes took the positions between) and replaces by id', () => {
    const { timeline } = appendMessages(emptyTimeline(), [message(1), message(2), message(5)])
    const next = appendMessages(timeline, [message(4), message(9)])
    expect(ids(next.timeline)).toEqual([1, 2, 5, 9])
    const edited = applyUpdate(next.timeline, message(5, { text: 'edited', edited: 7 }))
    expect(edited.items[2]).toMatchObject({ id: 5, text: 'edited', edited: 7, key: 'm5' })
    expect(edited.items[0]).toBe(next.timeline.items[0])
    expect(applyUpdate(edited, message(3))).toBe(edited)
    expect(edited.newestId).toBe(9)
  })
})
