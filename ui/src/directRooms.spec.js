import { describe, expect, it } from 'vitest'
import { directPair, directPartner, directRoomName, isDirectRoom } from './directRooms.js'

const A = '0'.repeat(16)
const B = 'f'.repeat(16)

describe('direct room names', () => {
  it('gives both people the same room from either side', () => {
    expect(directRoomName(A, B)).toBe(`@dm:${A}:${B}`)
    expect(directRoomName(B, A)).toBe(directRoomName(A, B))
    expect(directPair(directRoomName(B, A))).toEqual([A, B])
  })

  it('makes no room with oneself or with an unknown identity', () => {
    expect(directRoomName(A, A)).toBeNull()
    expect(directRoomName(A, null)).toBeNull()
    expect(directRoomName(A, 'not-an-id')).toBeNull()
  })

  it('counts only the sorted spelling as a direct room', () => {
    expect(isDirectRoom(`@dm:${B}:${A}`)).toBe(false)
    expect(isDirectRoom('general')).toBe(false)
    expect(directPair('general')).toBeNull()
  })
})

describe('the other person of a direct room', () => {
  const room = directRoomName(A, B)
  const state = (changes) => ({
    myIdentity: A,
    members: [],
    memberIdentities: {},
    isOwnName: (name) => name === 'Anna',
    knownName: 'Bob',
    ...changes,
  })

  it('is here under their current name, found by identity whatever the names', () => {
    const members = ['Bob (new)', 'Anna']
    expect(
      directPartner(room, state({ members, memberIdentities: { Anna: A, 'Bob (new)': B } })),
    ).toEqual({ name: 'Bob (new)', here: true })
    // They took one of our old names: still them, by identity.
    const isOwnName = (name) => ['Anna', 'Ann'].includes(name)
    expect(
      directPartner(
        room,
        state({ members: ['Ann', 'Anna'], memberIdentities: { Ann: B, Anna: A }, isOwnName }),
      ),
    ).toEqual({ name: 'Ann', here: true })
  })

  it('is not here, under the name we know, when only we are in the room', () => {
    expect(
      directPartner(room, state({ members: ['Anna'], memberIdentities: { Anna: A } })),
    ).toEqual({
      name: 'Bob',
      here: false,
    })
    // Our second window is us, not them.
    expect(
      directPartner(room, state({ members: ['Anna', 'Anna'], memberIdentities: { Anna: A } })),
    ).toEqual({ name: 'Bob', here: false })
  })

  it('goes by our names until our identity is known', () => {
    expect(directPartner(room, state({ myIdentity: null, members: ['Anna', 'Bob'] }))).toEqual({
      name: 'Bob',
      here: true,
    })
  })

  it('is null for a room that is not a direct one', () => {
    expect(directPartner('general', state({ members: ['Bob'] }))).toBeNull()
  })
})
