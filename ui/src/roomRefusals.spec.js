import { describe, expect, it } from 'vitest'
import { ErrorCode } from './protocol.js'
import { Refusal, isNameRefusal, nameRefusalAmong, refusalOf } from './roomRefusals.js'

describe('refusalOf', () => {
  it('takes a refused read receipt for nobody’s business: invalid, or rate limited naming a message', () => {
    expect(refusalOf({ code: ErrorCode.SEEN_INVALID })).toBe(Refusal.RECEIPT)
    expect(refusalOf({ code: ErrorCode.RATE_LIMITED, id: 7 })).toBe(Refusal.RECEIPT)
  })

  it('sends each refusal of a private room’s door to the password prompt', () => {
    for (const code of [
      ErrorCode.PASSWORD_REQUIRED,
      ErrorCode.PASSWORD_WRONG,
      ErrorCode.PASSWORD_LOCKED,
    ])
      expect(refusalOf({ code })).toBe(Refusal.PASSWORD)
  })

  it('takes a refusal naming a message and none of the outbox for one of our changes', () => {
    expect(refusalOf({ code: ErrorCode.NOT_YOUR_MESSAGE, id: 3 })).toBe(Refusal.CHANGE)
    expect(refusalOf({ code: ErrorCode.EDIT_WINDOW_PASSED, id: 3 })).toBe(Refusal.CHANGE)
    expect(refusalOf({ code: ErrorCode.TEXT_TOO_LONG, id: 3, client_id: 'c-1' })).toBe(Refusal.ROOM)
  })

  it('lets a rate limit or a rename too soon say when to try again, and the rest explain the room', () => {
    expect(refusalOf({ code: ErrorCode.RATE_LIMITED, client_id: 'c-1' })).toBe(Refusal.TRY_LATER)
    expect(refusalOf({ code: ErrorCode.NAME_CHANGE_TOO_SOON })).toBe(Refusal.TRY_LATER)
    expect(refusalOf({ code: ErrorCode.NAME_TAKEN })).toBe(Refusal.ROOM)
    expect(refusalOf({ code: 'from_a_newer_host' })).toBe(Refusal.ROOM)
  })
})

describe('isNameRefusal', () => {
  it('says which refusals are about our name, for the Settings panel', () => {
    expect(isNameRefusal(ErrorCode.NAME_TAKEN)).toBe(true)
    expect(isNameRefusal(ErrorCode.SENDER_EMPTY)).toBe(true)
    expect(isNameRefusal(ErrorCode.NAME_CHANGE_TOO_SOON)).toBe(true)
    expect(isNameRefusal(ErrorCode.RATE_LIMITED)).toBe(false)
    expect(isNameRefusal(undefined)).toBe(false)
  })
})

describe('nameRefusalAmong', () => {
  it('finds the first refusal of our name among the rooms’ latest errors', () => {
    const taken = { code: ErrorCode.NAME_TAKEN }
    expect(nameRefusalAmong([null, { code: ErrorCode.RATE_LIMITED }, taken])).toBe(taken)
    expect(nameRefusalAmong([null, { code: ErrorCode.RATE_LIMITED }])).toBeNull()
    expect(nameRefusalAmong([])).toBeNull()
  })
})
