import { describe, expect, it } from 'vitest'
import MessageActions from './MessageActions.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const everything = () => ({ reply: true, edit: true, remove: true, react: true })

describe('MessageActions', () => {
  it('offers what it is told to, and asks before deleting, in both languages', async () => {
    const en = mountWithI18n(MessageActions, {
      props: { can: everything },
      attachTo: document.body,
    })
    await en.get('[data-testid="message-actions"]').trigger('click')
    const items = en.findAll('[role="menuitem"]').map((item) => item.text())
    expect(items).toEqual(['👍', '❤️', '😂', '😮', '😢', '🎉', 'Reply', 'Edit', 'Delete'])
    await en.findAll('[role="menuitem"]').at(-1).trigger('click')
    expect(en.emitted('remove')).toBeUndefined()
    expect(en.get('[role="alertdialog"]').text()).toContain('Delete this message for everyone?')
    await en.get('[data-testid="confirm-delete"]').trigger('click')
    expect(en.emitted('remove')).toHaveLength(1)
    en.unmount()

    const ru = mountWithI18n(
      MessageActions,
      {
        props: { can: () => ({ reply: true, edit: false, remove: false, react: false }) },
        attachTo: document.body,
      },
      'ru',
    )
    await ru.get('button').trigger('click')
    expect(ru.findAll('[role="menuitem"]').map((item) => item.text())).toEqual(['Ответить'])
    ru.unmount()
  })

  it('reacts with a quick emoji or any typed one', async () => {
    const wrapper = mountWithI18n(MessageActions, {
      props: { can: everything },
      attachTo: document.body,
    })
    await wrapper.get('button').trigger('click')
    await wrapper.get('[data-testid="quick-reaction"]').trigger('click')
    await wrapper.get('button').trigger('click')
    await wrapper.get('[data-testid="other-reaction"]').setValue(' 🦄 ')
    await wrapper.get('form').trigger('submit')
    expect(wrapper.emitted('react')).toEqual([['👍'], ['🦄']])
    wrapper.unmount()
  })
})
