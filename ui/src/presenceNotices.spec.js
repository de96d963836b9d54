import { describe, expect, it } from 'vitest'
import { REJOIN_GRACE_SECONDS, foldPresence, identityRenames } from './presenceNotices.js'

const message = (id) => ({ kind: 'message', key: `m${id}`, id, sender: 'Bob', text: 'hi' })

/** The items after each change in turn, a line's key numbered as the timeline numbers them. */
function fold(changes, items = []) {
  return changes.reduce(
    (shown, change, index) => foldPresence(shown, change, `n${index + 1}`),
    items,
  )
}
const lines = (items) =>
  items.map((item) =>
    item.kind !== 'notice'
      ? item.key
      : item.event === 'rename'
        ? `${item.old} -> ${item.name}`
        : `+[${item.joined}] -[${item.left}]`,
  )

describe('foldPresence', () => {
  it('folds joins and leaves with no message between them into one line', () => {
    const items = fold([
      { event: 'join', name: 'Anna', timestamp: 1 },
      { event: 'join', name: 'Bob', timestamp: 2 },
      { event: 'join', name: 'Гость', timestamp: 3 },
      { event: 'leave', name: 'Carl', timestamp: 4 },
    ])
    expect(lines(items)).toEqual(['+[Anna,Bob,Гость] -[Carl]'])
    expect(items[0]).toMatchObject({ key: 'n1', timestamp: 1 })
  })

  it('starts a new line after a message', () => {
    const items = fold(
      [{ event: 'join', name: 'Bob', timestamp: 2 }],
      fold([{ event: 'join', name: 'Anna', timestamp: 1 }]).concat([message(1)]),
    )
    expect(lines(items)).toEqual(['+[Anna] -[]', 'm1', '+[Bob] -[]'])
  })

  it('shows the same person leaving twice in a row once', () => {
    const once = fold([{ event: 'leave', name: 'Anna', timestamp: 1 }])
    expect(foldPresence(once, { event: 'leave', name: 'Anna', timestamp: 2 }, 'n2')).toBe(once)
  })

  it('shows nothing for a leave followed by a rejoin within the grace, even past a message', () => {
    const left = fold([{ event: 'leave', name: 'Anna', timestamp: 100 }]).concat([message(1)])
    const back = foldPresence(
      left,
      { event: 'join', name: 'Anna', timestamp: 100 + REJOIN_GRACE_SECONDS },
      'n2',
    )
    expect(lines(back)).toEqual(['m1'])
  })

  it('keeps the others of the line when one of them comes back', () => {
    const items = fold([
      { event: 'leave', name: 'Anna', timestamp: 1 },
      { event: 'leave', name: 'Bob', timestamp: 1 },
      { event: 'join', name: 'Anna', timestamp: 2 },
    ])
    expect(lines(items)).toEqual(['+[] -[Bob]'])
  })

  it('shows a rejoin past the grace as a join', () => {
    const items = fold([
      { event: 'leave', name: 'Anna', timestamp: 100 },
      { event: 'join', name: 'Anna', timestamp: 100 + REJOIN_GRACE_SECONDS + 1 },
    ])
    expect(lines(items)).toEqual(['+[Anna] -[Anna]'])
  })

  it('shows a rename as a rename, and a rename of a rename as one', () => {
    const items = fold(
      [
        { event: 'rename', old: 'Anna', name: 'Anna K.', timestamp: 1 },
        { event: 'rename', old: 'Anna K.', name: 'Anna Karenina', timestamp: 2 },
      ],
      [message(1)],
    )
    expect(lines(items)).toEqual(['m1', 'Anna -> Anna Karenina'])
  })

  it('lists someone who just joined by the name they took since', () => {
    const items = fold([
      { event: 'join', name: 'Гость', timestamp: 1 },
      { event: 'rename', old: 'Гость', name: 'Mallory', timestamp: 2 },
    ])
    expect(lines(items)).toEqual(['+[Mallory] -[]'])
  })

  it('takes back the leave and the join a reconnecting rename showed, and says it was a rename', () => {
    const items = fold([
      { event: 'leave', name: 'Anna', timestamp: 1 },
      { event: 'join', name: 'Anna K.', timestamp: 2 },
      { event: 'rename', old: 'Anna', name: 'Anna K.', timestamp: 2 },
    ])
    expect(lines(items)).toEqual(['Anna -> Anna K.'])
  })
})

describe('identityRenames', () => {
  const none = { gone: {}, came: {} }

  it('tells a rename when an identity leaves one name and takes another, in either order', () => {
    const left = identityRenames({ Anna: 'x', Bob: 'y' }, { Bob: 'y' }, none, 1)
    expect(left.renames).toEqual([])
    const back = identityRenames({ Bob: 'y' }, { 'Anna K.': 'x', Bob: 'y' }, left.recent, 2)
    expect(back.renames).toEqual([{ old: 'Anna', name: 'Anna K.', identity: 'x' }])

    const first = identityRenames({ Anna: 'x' }, { Anna: 'x', 'Anna K.': 'x' }, none, 1)
    const then = identityRenames({ Anna: 'x', 'Anna K.': 'x' }, { 'Anna K.': 'x' }, first.recent, 2)
    expect(then.renames).toEqual([{ old: 'Anna', name: 'Anna K.', identity: 'x' }])
  })

  it('tells no rename past the grace, for a rejoin under the same name, or between identities', () => {
    const left = identityRenames({ Anna: 'x' }, {}, none, 1).recent
    expect(identityRenames({}, { Ann: 'x' }, left, 2 + REJOIN_GRACE_SECONDS).renames).toEqual([])
    expect(identityRenames({}, { Anna: 'x' }, left, 2).renames).toEqual([])
    expect(identityRenames({}, { Ann: 'z' }, left, 2).renames).toEqual([])
  })
})
