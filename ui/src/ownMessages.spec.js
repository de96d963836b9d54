import { describe, expect, it } from 'vitest'
import { isOwnMessage, namedAs, ownMessageTest } from './ownMessages.js'

const message = (sender, identity = null) => ({ kind: 'message', sender, identity })

describe('isOwnMessage', () => {
  const me = { identity: 'id-anna', isOwnName: namedAs(['Anna', 'Anya']) }

  it('goes by identity when the message and we both have one, whatever the name', () => {
    expect(isOwnMessage(message('Anna', 'id-anna'), me)).toBe(true)
    expect(isOwnMessage(message('Renamed', 'id-anna'), me)).toBe(true)
    // Someone else holds a name we once used: their messages are not ours.
    expect(isOwnMessage(message('Anya', 'id-other'), me)).toBe(false)
  })

  it('goes by our names, now and before a rename, when either side has no identity', () => {
    expect(isOwnMessage(message('Anna'), me)).toBe(true)
    expect(isOwnMessage(message('Anya'), me)).toBe(true)
    expect(isOwnMessage(message('Bob'), me)).toBe(false)
    const notIdentified = { identity: null, isOwnName: (name) => name === 'Anna' }
    expect(isOwnMessage(message('Anna', 'id-anna'), notIdentified)).toBe(true)
    expect(isOwnMessage(message('Bob', 'id-bob'), notIdentified)).toBe(false)
  })

  it('counts our unsent messages as ours and a join or leave notice as nobody’s', () => {
    expect(isOwnMessage({ kind: 'pending', sender: 'Old name' }, me)).toBe(true)
    expect(isOwnMessage({ kind: 'notice', event: 'join', name: 'Anna' }, me)).toBe(false)
    expect(isOwnMessage({ kind: 'beginning' }, me)).toBe(false)
  })

  it('by identity alone when no name test is given (what the host lets us edit and delete)', () => {
    const byIdentity = { identity: 'id-anna' }
    expect(isOwnMessage(message('Anna'), byIdentity)).toBe(false)
    expect(isOwnMessage(message('Anna', 'id-anna'), byIdentity)).toBe(true)
    expect(isOwnMessage(message('Anna', 'id-anna'), { identity: null })).toBe(false)
  })

  it('is also a predicate for one person', () => {
    const isOwn = ownMessageTest(me)
    expect([message('Anna'), message('Bob', 'id-bob')].map(isOwn)).toEqual([true, false])
  })
})
