import { describe, expect, it, vi } from 'vitest'
import { ref, shallowRef } from 'vue'
import { useMessageActions } from './useMessageActions.js'

// The room connection's actions are what this calls; a stand-in records them.
function connectionStandIn({ window = 3600 } = {}) {
  return {
    identity: ref('me'),
    limits: shallowRef({ edit_window_seconds: window }),
    send: vi.fn(() => true),
    edit: vi.fn(() => true),
    remove: vi.fn(() => true),
    react: vi.fn(() => true),
  }
}
const NOW = 10_000
const mine = { kind: 'message', id: 5, identity: 'me', text: 'mine', timestamp: NOW - 60 }
const theirs = { kind: 'message', id: 6, identity: 'b', text: 'theirs', timestamp: NOW - 30 }

describe('useMessageActions', () => {
  it('offers edit and delete of our own message only, and edit only within the window', () => {
    const connection = connectionStandIn()
    const actions = useMessageActions({ connection, jump: () => {}, now: () => NOW })
    expect(actions.can(mine)).toEqual({ reply: true, react: true, edit: true, remove: true })
    expect(actions.can(theirs)).toEqual({ reply: true, react: true, edit: false, remove: false })
    expect(actions.can({ ...mine, timestamp: NOW - 3600 }).edit).toBe(false) // at the edge: gone
    expect(actions.can({ ...mine, timestamp: NOW - 3599 }).edit).toBe(true)
    connection.limits.value = { edit_window_seconds: 0 } // the host turned edits off
    expect(actions.can(mine).edit).toBe(false)
  })

  it('sends a reply with what it answers, an edit as an edit, then the composer is plain again', () => {
    const connection = connectionStandIn()
    const actions = useMessageActions({ connection, jump: () => {}, now: () => NOW })
    actions.reply(theirs)
    actions.submit('answer')
    expect(connection.send).toHaveBeenCalledWith('answer', { replyTo: 6 })
    expect(actions.composing.value).toBeNull()
    expect(actions.editLast([mine, theirs])).toBe(true)
    expect(actions.editText.value).toBe('mine')
    actions.submit('mine, better')
    expect(connection.edit).toHaveBeenCalledWith(5, 'mine, better')
    expect(actions.editLast([{ ...mine, timestamp: 0 }])).toBe(false)
  })

  it('puts a picked emoji on, or takes ours off', () => {
    const connection = connectionStandIn()
    const actions = useMessageActions({ connection, jump: () => {}, now: () => NOW })
    const reacted = { ...theirs, reactions: [{ emoji: '👍', by: [{ identity: 'me', name: 'A' }] }] }
    actions.pick(reacted, '👍')
    actions.pick(reacted, '🎉')
    expect(connection.react.mock.calls).toEqual([
      [6, '👍', false],
      [6, '🎉', true],
    ])
  })
})
