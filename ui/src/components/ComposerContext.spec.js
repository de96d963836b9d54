import { describe, expect, it } from 'vitest'
import ComposerContext from './ComposerContext.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const item = { id: 3, sender: 'Bob', text: 'line one\nline two' }

describe('ComposerContext', () => {
  it('names the message being answered or edited, with a way out, in both languages', async () => {
    const en = mountWithI18n(ComposerContext, { props: { composing: { kind: 'reply', item } } })
    expect(en.text()).toContain('Replying to Bob')
    expect(en.get('.line').text()).toBe('line one')
    await en.get('button').trigger('click')
    expect(en.emitted('cancel')).toHaveLength(1)
    const ru = mountWithI18n(
      ComposerContext,
      { props: { composing: { kind: 'edit', item } } },
      'ru',
    )
    expect(ru.text()).toContain('Изменение сообщения')
    expect(ru.get('button').attributes('aria-label')).toBe('Отменить изменение')
  })

  it('shows the first line as plain text, without its Markdown', () => {
    const marked = { ...item, text: '> **lanchat** _is_ here\nmore' }
    const bar = mountWithI18n(ComposerContext, {
      props: { composing: { kind: 'reply', item: marked } },
    })
    expect(bar.get('.line').text()).toBe('lanchat is here')
  })
})
