import { describe, expect, it } from 'vitest'
import {
  NOTICES_PER_SECOND,
  identitiesAfter,
  membersAfter,
  useRoomMembers,
} from './useRoomMembers.js'

describe('membersAfter and identitiesAfter', () => {
  it('add a joining name in order and drop a leaving one', () => {
    expect(membersAfter(['Anna', 'Clara'], { event: 'join', name: 'Bob' })).toEqual([
      'Anna',
      'Bob',
      'Clara',
    ])
    expect(membersAfter(['Anna', 'Bob'], { event: 'leave', name: 'Anna' })).toEqual(['Bob'])
    expect(membersAfter(['Anna'], { event: 'join', name: 'Anna' })).toEqual(['Anna'])
  })

  it('know whose a name is after a join that says so, and forget it on a leave', () => {
    const joined = identitiesAfter({}, { event: 'join', name: 'Bob', identity: 'id-b' })
    expect(joined).toEqual({ Bob: 'id-b' })
    expect(identitiesAfter(joined, { event: 'join', name: 'Bob' })).toEqual({})
    expect(identitiesAfter(joined, { event: 'leave', name: 'Bob', identity: 'id-b' })).toEqual({})
  })
})

describe('useRoomMembers', () => {
  it('takes the whole list from a welcome, then follows joins and leaves', () => {
    const room = useRoomMembers()
    room.replaced({ members: ['Anna'], identities: { Anna: 'id-a' } })
    room.changed({ event: 'join', name: 'Bob', identity: 'id-b' })
    expect(room.members.value).toEqual(['Anna', 'Bob'])
    expect(room.memberIdentities.value).toEqual({ Anna: 'id-a', Bob: 'id-b' })
    room.changed({ event: 'leave', name: 'Anna', members: ['Bob'] })
    expect(room.members.value).toEqual(['Bob'])
    room.replaced({ members: [] })
    expect(room.memberIdentities.value).toEqual({})
  })

  it('gives at most NOTICES_PER_SECOND notices a second, and more in the next second', () => {
    const room = useRoomMembers()
    const frame = { event: 'join', name: 'Bob' }
    const given = Array.from({ length: NOTICES_PER_SECOND + 5 }, () => room.noticeOf(frame, 1000))
    expect(given.filter(Boolean)).toHaveLength(NOTICES_PER_SECOND)
    expect(given[0]).toEqual({ event: 'join', name: 'Bob', timestamp: 1 })
    expect(room.noticeOf(frame, 2000)).toEqual({ event: 'join', name: 'Bob', timestamp: 2 })
  })
})
