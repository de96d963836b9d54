import { describe, expect, it } from 'vitest'
import { message, welcome } from '../testing/FakeWebSocket.js'
import { useRoomTimeline } from './useRoomTimeline.js'

describe('useRoomTimeline', () => {
  it('holds the replay until the welcome, and resumes from the newest position seen', () => {
    const confirmed = []
    const room = useRoomTimeline({ onConfirmed: (id) => confirmed.push(id) })
    room.hold(message(1))
    room.hold({ ...message(2), client_id: 'c-2' })
    expect(room.timeline.value).toEqual([])
    expect(room.resumeFrom()).toBeNull()
    room.welcomed(welcome({ first_id: 1, last_id: 5 }))
    expect(room.timeline.value.map((item) => item.id)).toEqual([1, 2])
    expect(confirmed).toEqual(['c-2'])
    expect(room.resumeFrom()).toBe(5)
  })

  it('drops what a broken connection held back, and marks a message deleted even mid-replay', () => {
    const room = useRoomTimeline({ onConfirmed: () => {} })
    room.hold(message(1))
    room.opened()
    room.hold(message(2))
    room.deleted(2)
    room.welcomed(welcome({ first_id: 2, last_id: 2 }))
    expect(room.timeline.value.map((item) => [item.id, item.deleted])).toEqual([[2, true]])
  })
})
