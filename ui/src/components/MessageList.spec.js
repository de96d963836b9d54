import { describe, expect, it, vi } from 'vitest'
import MessageList from './MessageList.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { ownMessageTest } from '../ownMessages.js'

const now = Date.now() / 1000
const message = (key, timestamp) => ({
  kind: 'message',
  key,
  sender: 'Alice',
  text: 'hi',
  timestamp,
})

describe('MessageList', () => {
  it('says "Today" and "Yesterday" above the day’s first message, in both languages', () => {
    const items = [message('a', now - 86400), message('b', now)]
    const en = mountWithI18n(MessageList, { props: { items, roomName: 'general' } })
    expect(en.findAll('[role="separator"]').map((day) => day.text())).toEqual([
      'Yesterday',
      'Today',
    ])
    const ru = mountWithI18n(MessageList, { props: { items, roomName: 'general' } }, 'ru')
    expect(ru.findAll('[role="separator"]').map((day) => day.text())).toEqual(['Вчера', 'Сегодня'])
  })

  it('moves "Today" to "Yesterday" at midnight while the room stays open', async () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date(2026, 11, 1, 23, 59, 30))
    const items = [message('a', Date.now() / 1000)]
    const wrapper = mountWithI18n(MessageList, { props: { items, roomName: 'general' } })
    expect(wrapper.get('[role="separator"]').text()).toBe('Today')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(wrapper.get('[role="separator"]').text()).toBe('Yesterday')
    wrapper.unmount()
    vi.useRealTimers()
  })

  it('shows who has seen our message under it, "+N" past three, and just "Seen" in a direct room', () => {
    const items = [{ ...message('m1', now), id: 1, sender: 'Anna' }]
    const seen = { key: 'm1', names: ['Bob', 'Clara', 'Dan'], more: 2, all: [] }
    const en = mountWithI18n(MessageList, { props: { items, ownNames: ['Anna'], seen } })
    expect(en.get('[data-testid="seen-by"]').text()).toBe('Seen by Bob, Clara, Dan +2')
    const two = { key: 'm1', names: ['Bob', 'Clara'], more: 0, all: [] }
    const ru = mountWithI18n(MessageList, { props: { items, ownNames: ['Anna'], seen: two } }, 'ru')
    expect(ru.get('[data-testid="seen-by"]').text()).toBe('Просмотрено: Bob, Clara')
    const direct = mountWithI18n(
      MessageList,
      { props: { items, ownNames: ['Anna'], seen: two, direct: true } },
      'ru',
    )
    expect(direct.get('[data-testid="seen-by"]').text()).toBe('Просмотрено')
    const none = mountWithI18n(MessageList, { props: { items, ownNames: ['Anna'] } })
    expect(none.find('[data-testid="seen-by"]').exists()).toBe(false)
  })

  it('says which message is the newest in view, for read receipts', () => {
    const items = [1, 2, 3].map((id) => ({ ...message(`m${id}`, now), id }))
    const wrapper = mountWithI18n(MessageList, { props: { items, roomName: 'general' } })
    expect(wrapper.emitted('seen-until').at(-1)).toEqual([3])
  })

  it('shows an empty room as one line that names the room, in both languages', () => {
    const en = mountWithI18n(MessageList, { props: { items: [], roomName: 'general' } })
    expect(en.findAll('.notice, .empty').map((line) => line.text())).toEqual([
      'No messages in general yet. Say hello!',
    ])
    const ru = mountWithI18n(MessageList, { props: { items: [], roomName: 'general' } }, 'ru')
    expect(ru.findAll('.notice, .empty')).toHaveLength(1)
    expect(ru.get('.empty').text()).toContain('general')
  })

  it('speaks of the other person, not a room, in an empty direct conversation', () => {
    const props = { items: [], roomName: 'Борис', direct: true }
    const en = mountWithI18n(MessageList, { props })
    expect(en.get('.empty').text()).toBe('No messages with Борис yet. Say hello!')
    expect(en.get('[role="log"]').attributes('aria-label')).toBe('Messages with Борис')
    const ru = mountWithI18n(MessageList, { props }, 'ru')
    expect(ru.get('.empty').text()).toBe('Переписка: Борис. Сообщений пока нет, напишите первым!')
    expect(ru.get('.empty').text()).not.toContain('комнат')
  })

  it('counts the messages that arrive while scrolled up, in both languages', async () => {
    const items = [message('a', now)]
    const initialScroll = { atBottom: false, key: 'a', offset: 0 }
    for (const [locale, one, three] of [
      ['en', '1 new message', '3 new messages'],
      ['ru', '1 новое сообщение', '3 новых сообщения'],
    ]) {
      const wrapper = mountWithI18n(MessageList, { props: { items, initialScroll } }, locale)
      expect(wrapper.get('.jump').text()).toBe('↓')
      await wrapper.setProps({ items: [...items, message('b', now)] })
      expect(wrapper.get('.new-below').text()).toBe(one)
      await wrapper.setProps({
        items: [...items, message('b', now), message('c', now), message('d', now)],
      })
      expect(wrapper.get('.new-below').text()).toBe(three)
    }
  })

  it('draws "New messages" above the first message from others after where reading stopped, and marks one naming us', () => {
    const items = [
      { ...message('m1', now), id: 1 },
      { ...message('m2', now), id: 2, sender: 'Me' },
      { ...message('m3', now), id: 3, text: 'hey @me' },
      { ...message('m4', now), id: 4 },
    ]
    const isOwn = ownMessageTest({ isOwnName: (name) => name === 'Me' })
    const props = { items, roomName: 'general', ownNames: ['Me'], isOwn, lineAfter: 1 }
    const en = mountWithI18n(MessageList, { props })
    const rows = en.findAll('.message-item')
    const lineAt = rows.findIndex((row) => row.find('[data-testid="new-messages-line"]').exists())
    expect(rows[lineAt].attributes('data-key')).toBe('m3') // not above our own message
    expect(rows[lineAt].text()).toContain('New messages')
    expect(en.findAll('[data-mentioned]').map((bubble) => bubble.text())).toEqual([
      expect.stringContaining('hey @me'),
    ])
    const ru = mountWithI18n(MessageList, { props }, 'ru')
    expect(ru.get('[data-testid="new-messages-line"]').text()).toBe('Новые сообщения')
    const none = mountWithI18n(MessageList, { props: { ...props, lineAfter: 4 } })
    expect(none.find('[data-testid="new-messages-line"]').exists()).toBe(false)
  })

  it('quotes an original it holds as it is now: edited or deleted since the reply came', async () => {
    const original = { ...message('m1', now), id: 1, text: 'new text\nmore' }
    const reply = {
      ...message('m2', now),
      id: 2,
      replyTo: { id: 1, sender: 'Alice', text: 'old text', deleted: false, missing: false },
    }
    const wrapper = mountWithI18n(MessageList, { props: { items: [original, reply] } })
    expect(wrapper.get('[data-testid="reply-quote"]').text()).toBe('Alicenew text')
    await wrapper.setProps({ items: [{ ...original, text: '', deleted: true }, reply] })
    expect(wrapper.get('[data-testid="reply-quote"]').text()).toBe('Alicemessage deleted')
    await wrapper.setProps({ items: [reply] })
    expect(wrapper.get('[data-testid="reply-quote"]').text()).toBe('Aliceold text')
  })
})
