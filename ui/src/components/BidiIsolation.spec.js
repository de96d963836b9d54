// A name, room title or file name is what someone typed: with right-to-left letters or U+202E
// it must stay inside its own <bdi> (or dir="auto" element), never reorder our sentence.
import { describe, expect, it } from 'vitest'
import ComposerContext from './ComposerContext.vue'
import MemberList from './MemberList.vue'
import MessageItem from './MessageItem.vue'
import MessageList from './MessageList.vue'
import NameTakenPrompt from './NameTakenPrompt.vue'
import ReplyQuote from './ReplyQuote.vue'
import SeenByLine from './SeenByLine.vue'
import TypingIndicator from './TypingIndicator.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { useHostControls } from '../composables/useHostControls.js'

const EVIL = '\u202Eevil'
const ARABIC = 'مرحبا بالجميع'
const message = { kind: 'message', key: 'm1', id: 1, sender: EVIL, text: ARABIC, timestamp: 1 }

// The isolating elements' texts, and the sentence's own words left outside them.
function isolated(wrapper) {
  return wrapper.findAll('bdi').map((element) => element.text())
}
function outside(wrapper) {
  const copy = wrapper.element.cloneNode(true)
  for (const element of copy.querySelectorAll('bdi')) element.remove()
  return copy.textContent.replace(/\s+/g, ' ').trim()
}

describe('user text isolation', () => {
  it('puts each typing name in its own bdi, the words outside, in both languages', () => {
    const en = mountWithI18n(TypingIndicator, { props: { names: [EVIL, 'Bob'] } })
    expect(isolated(en)).toEqual([EVIL, 'Bob'])
    expect(outside(en)).toBe('and are typing…')
    const ru = mountWithI18n(TypingIndicator, { props: { names: [EVIL] } }, 'ru')
    expect(isolated(ru)).toEqual([EVIL])
    expect(outside(ru)).toBe('печатает…')
  })

  it('isolates each name of a seen-by line, the commas and count outside', () => {
    const seen = { names: [EVIL, 'Anna'], more: 2, all: [EVIL, 'Anna', 'Cy', 'Di'] }
    const wrapper = mountWithI18n(SeenByLine, { props: { seen } })
    expect(isolated(wrapper)).toEqual([EVIL, 'Anna'])
    expect(outside(wrapper)).toBe('Seen by , +2')
    expect(wrapper.get('p').attributes('title')).toBe(
      '\u2068\u202Eevil\u2069, \u2068Anna\u2069, \u2068Cy\u2069, \u2068Di\u2069',
    )
  })

  it('isolates a member’s name in the member list', () => {
    const wrapper = mountWithI18n(MemberList, {
      props: { members: [EVIL], hostControls: useHostControls('h:1', 'general', { ownHost: 'x' }) },
    })
    expect(wrapper.get('[data-testid="members"] .name').element.tagName).toBe('BDI')
    expect(isolated(wrapper)).toEqual([EVIL])
  })

  it('lets a message body find its own direction, and isolates its sender', () => {
    const wrapper = mountWithI18n(MessageItem, { props: { item: message } })
    expect(wrapper.get('[data-testid="text"]').attributes('dir')).toBe('auto')
    expect(wrapper.get('[data-testid="sender"]').attributes('dir')).toBe('auto')
  })

  it('isolates the name in a joined notice and the room in the beginning line', () => {
    const joined = { kind: 'notice', key: 'n1', event: 'join', name: EVIL, timestamp: 1 }
    const notice = mountWithI18n(MessageItem, { props: { item: joined } })
    expect(isolated(notice)).toEqual([EVIL])
    expect(outside(notice)).toBe('joined')
    const beginning = mountWithI18n(MessageItem, {
      props: { item: { kind: 'beginning', key: 'b' }, roomName: 'غرفة' },
    })
    expect(isolated(beginning)).toEqual(['غرفة'])
    expect(outside(beginning)).toBe('This is the beginning of .')
  })

  it('isolates the room in an empty room’s line', () => {
    const wrapper = mountWithI18n(MessageList, { props: { items: [], roomName: EVIL } })
    expect(isolated(wrapper.get('.empty'))).toEqual([EVIL])
    expect(outside(wrapper.get('.empty'))).toBe('No messages in yet. Say hello!')
  })

  it('isolates the sender of a quoted or answered message, and lets the quote find its direction', () => {
    const quote = { id: 1, sender: EVIL, text: ARABIC, deleted: false, missing: false }
    const reply = mountWithI18n(ReplyQuote, { props: { quote } })
    expect(isolated(reply)).toEqual([EVIL])
    expect(reply.get('.text').attributes('dir')).toBe('auto')
    const context = mountWithI18n(ComposerContext, {
      props: { composing: { kind: 'reply', item: message } },
    })
    expect(isolated(context)).toEqual([EVIL])
    expect(context.get('.title').text()).toBe(`Replying to ${EVIL}`)
    expect(context.get('.line').attributes('dir')).toBe('auto')
  })

  it('isolates the taken name in the prompt for another one', () => {
    const wrapper = mountWithI18n(NameTakenPrompt, { props: { takenName: EVIL } })
    expect(isolated(wrapper)).toEqual([EVIL])
  })
})
