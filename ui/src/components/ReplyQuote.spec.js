import { describe, expect, it } from 'vitest'
import ReplyQuote from './ReplyQuote.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

describe('ReplyQuote', () => {
  it('shows the sender and first line, and asks to jump to the original, in both languages', async () => {
    const quote = { id: 7, sender: 'Bob', text: 'first line', deleted: false, missing: false }
    const en = mountWithI18n(ReplyQuote, { props: { quote } })
    expect(en.text()).toBe('Bobfirst line')
    expect(en.get('button').attributes('aria-label')).toBe('Show the message by Bob')
    await en.get('button').trigger('click')
    expect(en.emitted('jump')).toEqual([[7]])
    const ru = mountWithI18n(
      ReplyQuote,
      { props: { quote: { ...quote, deleted: true, text: '' } } },
      'ru',
    )
    expect(ru.text()).toBe('Bobсообщение удалено')
  })

  it('quotes the line as plain text, without its Markdown', () => {
    const quote = { id: 8, sender: 'Bob', text: 'try **lanchat** and `npm ci`', deleted: false }
    expect(mountWithI18n(ReplyQuote, { props: { quote } }).get('.text').text()).toBe(
      'try lanchat and npm ci',
    )
  })
})
