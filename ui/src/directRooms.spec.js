import { describe, expect, it } from 'vitest'
import { directPair, directRoomName, isDirectRoom } from './directRooms.js'

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
