import { describe, expect, it } from 'vitest'
import { holds, loadMessage } from './messageJump.js'
import { appendMessages, emptyTimeline } from './roomTimeline.js'

// A room whose ids go up by 2 (ids are positions: not contiguous), and its history endpoint.
const IDS = Array.from({ length: 600 }, (_, index) => 2 * index + 1)
const frame = (id) => ({ type: 'message', id, sender: 'Ann', text: `m${id}`, timestamp: id })

function server(pageSize = 200) {
  const asked = []
  async function fetchPage({ around, before }) {
    asked.push(around != null ? { around } : { before })
    let page
    if (around != null) {
      const older = IDS.filter((id) => id < around).slice(-pageSize / 2)
      const newer = IDS.filter((id) => id >= around).slice(0, pageSize - older.length + 1)
      const shown = [...older, ...newer.slice(0, pageSize - older.length)]
      return {
        messages: shown.map(frame),
        has_more: shown[0] > IDS[0],
        has_newer: newer.length > pageSize - older.length,
      }
    }
    page = IDS.filter((id) => id < before).slice(-pageSize)
    return { messages: page.map(frame), has_more: page[0] > IDS[0] }
  }
  return { fetchPage, asked }
}

function roomWithNewest(count) {
  let timeline = appendMessages(emptyTimeline(), IDS.slice(-count).map(frame)).timeline
  return { get: () => timeline, set: (next) => (timeline = next) }
}

function contiguous(timeline) {
  const ids = timeline.items.map((item) => item.id)
  const first = IDS.indexOf(ids[0])
  return ids.every((id, index) => IDS[first + index] === id)
}

describe('loadMessage', () => {
  it('asks nothing for a message already held', async () => {
    const room = roomWithNewest(100)
    const { fetchPage, asked } = server()
    expect(await loadMessage(room, IDS.at(-5), fetchPage)).toEqual({ found: true, hasMore: null })
    expect(asked).toEqual([])
  })

  it('loads the page around an old message and fills the gap, so the timeline has no hole', async () => {
    const room = roomWithNewest(100)
    const { fetchPage, asked } = server()
    const target = IDS[150]
    const result = await loadMessage(room, target, fetchPage)
    expect(result.found).toBe(true)
    expect(holds(room.get(), target)).toBe(true)
    expect(contiguous(room.get())).toBe(true)
    expect(room.get().items.at(-1).id).toBe(IDS.at(-1)) // the newest are still there
    expect(asked[0]).toEqual({ around: target })
    expect(asked.slice(1).every((step) => step.before != null)).toBe(true)
    expect(result.hasMore).toBe(true)
  })

  it('needs only the around page when it reaches what is held', async () => {
    const room = roomWithNewest(100)
    const { fetchPage, asked } = server()
    const target = IDS.at(-150)
    expect((await loadMessage(room, target, fetchPage)).found).toBe(true)
    expect(asked).toEqual([{ around: target }])
    expect(contiguous(room.get())).toBe(true)
  })

  it('says not found for a message the server does not keep, or one newer than held but missing', async () => {
    const room = roomWithNewest(100)
    const { fetchPage } = server()
    expect((await loadMessage(room, 2, fetchPage)).found).toBe(false) // an even id: never there
    expect((await loadMessage(room, IDS.at(-1) - 1, fetchPage)).found).toBe(false)
  })
})
