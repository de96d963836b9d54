import { describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
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

  it('is a menu button: arrows, Home and End move, Escape and Tab close, focus is never lost', async () => {
    const wrapper = mountWithI18n(MessageActions, {
      props: { can: everything },
      attachTo: document.body,
    })
    const toggle = wrapper.get('[data-testid="message-actions"]')
    const focused = () => document.activeElement
    const press = async (key) => {
      focused().dispatchEvent(
        new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }),
      )
      await nextTick()
      await nextTick()
    }
    await toggle.trigger('click')
    await nextTick()
    expect(focused().getAttribute('aria-label')).toBe('👍')
    // Out of the Tab order, all of them: Tab would otherwise walk the whole row to reach Reply.
    expect(
      wrapper.findAll('[role="menuitem"]').every((item) => item.attributes('tabindex') === '-1'),
    ).toBe(true)
    await press('End')
    expect(focused().textContent.trim()).toBe('Delete')
    await press('ArrowUp')
    await press('ArrowUp')
    expect(focused().textContent.trim()).toBe('Reply')
    await press('ArrowDown')
    expect(focused().textContent.trim()).toBe('Edit')
    await press('Home')
    await press('ArrowRight')
    expect(focused().getAttribute('aria-label')).toBe('❤️')
    await press('ArrowUp')
    await press('ArrowUp')
    expect(focused().textContent.trim()).toBe('Delete') // wraps around

    await press('Escape')
    expect(wrapper.find('[role="menu"]').exists()).toBe(false)
    expect(focused()).toBe(toggle.element)
    expect(toggle.attributes('aria-expanded')).toBe('false')

    await toggle.trigger('click')
    await nextTick()
    await press('Tab')
    expect(wrapper.find('[role="menu"]').exists()).toBe(false)

    // Delete asks first, with focus on the answer that keeps the message.
    await toggle.trigger('click')
    await nextTick()
    await press('End')
    focused().click()
    await nextTick()
    await nextTick()
    expect(focused().textContent.trim()).toBe('Keep')
    await press('ArrowUp')
    expect(focused().getAttribute('data-testid')).toBe('confirm-delete')
    await press('Escape')
    expect(focused()).toBe(toggle.element)

    // A reaction chosen: the menu goes and the button has focus again, not the page.
    await toggle.trigger('click')
    await nextTick()
    focused().click()
    await nextTick()
    await nextTick()
    expect(wrapper.emitted('react')).toEqual([['👍']])
    expect(focused()).toBe(toggle.element)
    wrapper.unmount()
  })

  it('lets the arrows move the caret inside the emoji field, and Up and Down leave it', async () => {
    const wrapper = mountWithI18n(MessageActions, {
      props: { can: everything },
      attachTo: document.body,
    })
    await wrapper.get('[data-testid="message-actions"]').trigger('click')
    await nextTick()
    const field = wrapper.get('[data-testid="other-reaction"]')
    field.element.focus()
    const left = new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true, cancelable: true })
    field.element.dispatchEvent(left)
    expect(left.defaultPrevented).toBe(false)
    expect(document.activeElement).toBe(field.element)
    field.element.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }))
    expect(document.activeElement.textContent.trim()).toBe('Reply') // Add is off while empty
    wrapper.unmount()
  })
})
