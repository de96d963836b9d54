import { describe, expect, it } from 'vitest'
import ReactionBar from './ReactionBar.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { isolate, isolateEach } from '../bidi.js'

const reactions = [
  {
    emoji: '👍',
    by: [
      { identity: 'me', name: 'Anna' },
      { identity: 'b', name: 'Bob' },
    ],
  },
  { emoji: '🎉', by: [{ identity: 'b', name: 'Bob' }] },
]

describe('ReactionBar', () => {
  it('counts each emoji, says who in its tooltip, and toggles ours, in both languages', async () => {
    const en = mountWithI18n(ReactionBar, { props: { reactions, me: 'me' } })
    const [thumbs, party] = en.findAll('[data-testid="reaction"]')
    expect(thumbs.text()).toBe('👍2')
    expect(thumbs.attributes('title')).toBe(`you, ${isolate('Bob')} reacted with 👍`)
    expect(thumbs.attributes('aria-pressed')).toBe('true')
    expect(party.attributes('aria-pressed')).toBe('false')
    await thumbs.trigger('click')
    await party.trigger('click')
    expect(en.emitted('react')).toEqual([
      ['👍', false],
      ['🎉', true],
    ])
    const ru = mountWithI18n(ReactionBar, { props: { reactions, me: 'me' } }, 'ru')
    expect(ru.get('[data-testid="reaction"]').attributes('title')).toBe(`вы, ${isolate('Bob')}: 👍`)
  })

  it('lists at most ten names and says how many more', () => {
    const by = Array.from({ length: 12 }, (_, index) => ({
      identity: `i${index}`,
      name: `P${index}`,
    }))
    const en = mountWithI18n(ReactionBar, { props: { reactions: [{ emoji: '👍', by }] } })
    expect(en.get('[data-testid="reaction"]').attributes('title')).toBe(
      `${isolateEach(by.slice(0, 10).map((who) => who.name))} and 2 more reacted with 👍`,
    )
    expect(en.get('[data-testid="reaction"]').attributes('disabled')).toBeDefined() // no identity
  })
})
