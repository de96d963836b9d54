import { nextTick, ref } from 'vue'
import { describe, expect, it } from 'vitest'
import MessageItem from './MessageItem.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const base = { kind: 'message', key: 'm1', id: 1, sender: 'Bob', text: 'hi', timestamp: 1764147600 }

describe('MessageItem', () => {
  it('shows the sender, the text and the local time', () => {
    const wrapper = mountWithI18n(MessageItem, { props: { item: base } })
    expect(wrapper.get('[data-testid="sender"]').text()).toBe('Bob')
    expect(wrapper.get('[data-testid="text"]').text()).toBe('hi')
    expect(wrapper.get('time').attributes('datetime')).toBe('2025-11-26T09:00:00.000Z')
  })

  it('gives a screen reader the sender and time as the message’s label, apart from its text, in both languages', () => {
    const en = mountWithI18n(MessageItem, { props: { item: { ...base, text: 'line one' } } })
    const article = en.get('article')
    expect(article.attributes('aria-label')).toMatch(/^Bob, \d{1,2}:\d\d/)
    expect(article.get('[data-testid="text"]').text()).toBe('line one')
    expect(en.get('[data-testid="sender"]').attributes('aria-hidden')).toBe('true')
    const ru = mountWithI18n(MessageItem, { props: { item: base, own: true } }, 'ru')
    expect(ru.get('article').attributes('aria-label')).toMatch(/^вы, \d{1,2}:\d\d$/)
  })

  it('sets our own messages apart and does not repeat our name', () => {
    const wrapper = mountWithI18n(MessageItem, { props: { item: base, own: true } })
    expect(wrapper.classes()).toContain('own')
    expect(wrapper.find('[data-testid="sender"]').exists()).toBe(false)
  })

  it('marks a message waiting to be sent', () => {
    const item = {
      kind: 'pending',
      key: 'cx',
      clientId: 'x',
      sender: 'Anna',
      text: 'later',
      createdAt: 1,
      state: 'pending',
    }
    const wrapper = mountWithI18n(MessageItem, { props: { item, own: true } })
    expect(wrapper.attributes('data-state')).toBe('pending')
    expect(wrapper.find('[data-testid="pending"]').exists()).toBe(true)
  })

  it('explains a refused message in plain words next to it, with retry and delete', async () => {
    const item = {
      kind: 'pending',
      key: 'cx',
      clientId: 'x',
      sender: 'Anna',
      text: 'big',
      createdAt: 1,
      state: 'failed',
      error: 'storage_failed',
    }
    const wrapper = mountWithI18n(MessageItem, { props: { item, own: true } })
    expect(wrapper.get('[role="alert"]').text()).toContain(
      'The server could not save this message, so it was not sent.',
    )
    const [retry, discard] = wrapper.findAll('button')
    await retry.trigger('click')
    await discard.trigger('click')
    expect(wrapper.emitted('retry')).toEqual([['x']])
    expect(wrapper.emitted('discard')).toEqual([['x']])
  })

  it('shows join notices', () => {
    const wrapper = mountWithI18n(
      MessageItem,
      { props: { item: { kind: 'notice', key: 'n1', event: 'join', name: 'Bob', timestamp: 1 } } },
      'ru',
    )
    expect(wrapper.text()).toBe('Bob вошёл(ла)')
  })

  it('shows a message the host deleted as deleted, in both languages, and offers no delete for it', () => {
    const item = { ...base, text: '', deleted: true }
    const en = mountWithI18n(MessageItem, { props: { item, deletable: true } })
    expect(en.get('[data-testid="deleted"]').text()).toBe('message deleted')
    expect(en.find('[data-testid="text"]').exists()).toBe(false)
    expect(en.find('[data-testid="delete-message"]').exists()).toBe(false)
    const ru = mountWithI18n(MessageItem, { props: { item } }, 'ru')
    expect(ru.get('[data-testid="deleted"]').text()).toBe('сообщение удалено')
  })

  it('offers the delete control only where the host may delete, and says which message', async () => {
    expect(
      mountWithI18n(MessageItem, { props: { item: base } })
        .find('[data-testid="delete-message"]')
        .exists(),
    ).toBe(false)
    const host = mountWithI18n(MessageItem, { props: { item: base, deletable: true } })
    await host.get('[data-testid="delete-message"]').trigger('click')
    expect(host.emitted('delete')).toEqual([[1]])
  })

  it('keeps the keyboard on a reaction chip that goes away: the next chip, or the menu button', async () => {
    const me = { identity: 'me', name: 'Anna' }
    const bob = { identity: 'b', name: 'Bob' }
    const item = {
      kind: 'message',
      id: 4,
      key: 'm4',
      sender: 'Bob',
      text: 'hi',
      timestamp: 1,
      reactions: [
        { emoji: '👍', by: [me] },
        { emoji: '🎉', by: [bob] },
      ],
    }
    const actions = { me: ref('me'), can: () => ({}), react: () => {} }
    const wrapper = mountWithI18n(MessageItem, {
      props: { item, actions },
      attachTo: document.body,
    })
    const chip = (emoji) => wrapper.find(`[data-emoji="${emoji}"]`)
    chip('👍').element.focus()
    await wrapper.setProps({ item: { ...item, reactions: [item.reactions[1]] } })
    await nextTick()
    expect(document.activeElement).toBe(chip('🎉').element)
    await wrapper.setProps({ item: { ...item, reactions: [] } })
    await nextTick()
    expect(document.activeElement.dataset.testid).toBe('message-actions')
    wrapper.unmount()
  })
})
