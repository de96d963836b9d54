import { describe, expect, it } from 'vitest'
import MessageComposer from './MessageComposer.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

describe('MessageComposer', () => {
  it('sends on Enter and not on Shift+Enter', async () => {
    const wrapper = mountWithI18n(MessageComposer, { props: { modelValue: 'hi' } })
    const field = wrapper.get('textarea')
    await field.trigger('keydown', { key: 'Enter', shiftKey: true })
    expect(wrapper.emitted('send')).toBeUndefined()
    await field.trigger('keydown', { key: 'Enter' })
    expect(wrapper.emitted('send')).toEqual([['hi']])
  })

  it('does not send an empty message', async () => {
    const wrapper = mountWithI18n(MessageComposer, { props: { modelValue: '   ' } })
    await wrapper.get('textarea').trigger('keydown', { key: 'Enter' })
    expect(wrapper.emitted('send')).toBeUndefined()
    expect(wrapper.get('button').attributes('disabled')).toBeDefined()
  })

  it('reports typing and the new text as it is typed', async () => {
    const wrapper = mountWithI18n(MessageComposer, { props: { modelValue: '' } })
    await wrapper.get('textarea').setValue('h')
    expect(wrapper.emitted('update:modelValue')).toEqual([['h']])
    expect(wrapper.emitted('typing')).toHaveLength(1)
  })

  it('shows the limit only near it, and refuses to send past it', async () => {
    const wrapper = mountWithI18n(MessageComposer, { props: { modelValue: 'x'.repeat(3000) } })
    expect(wrapper.find('[data-testid="char-counter"]').exists()).toBe(false)
    await wrapper.setProps({ modelValue: 'x'.repeat(3600) })
    expect(wrapper.get('[data-testid="char-counter"]').text()).toBe('3600 of 4000 characters')
    await wrapper.setProps({ modelValue: 'x'.repeat(4010) })
    expect(wrapper.get('[data-testid="char-counter"]').text()).toBe('10 characters too many')
    expect(wrapper.get('button').attributes('disabled')).toBeDefined()
  })

  it('says how many characters are too many in the right plural form, in both languages', async () => {
    const en = mountWithI18n(MessageComposer, { props: { modelValue: 'x'.repeat(4001) } })
    expect(en.get('[data-testid="char-counter"]').text()).toBe('1 character too many')
    const ru = mountWithI18n(MessageComposer, { props: { modelValue: 'x'.repeat(4001) } }, 'ru')
    expect(ru.get('[data-testid="char-counter"]').text()).toBe('На 1 символ больше допустимого')
    await ru.setProps({ modelValue: 'x'.repeat(4003) })
    expect(ru.get('[data-testid="char-counter"]').text()).toBe('На 3 символа больше допустимого')
    await ru.setProps({ modelValue: 'x'.repeat(4005) })
    expect(ru.get('[data-testid="char-counter"]').text()).toBe('На 5 символов больше допустимого')
  })

  it('has accessible names for the field and the button', () => {
    const wrapper = mountWithI18n(MessageComposer)
    expect(wrapper.get('label').text()).toBe('Message')
    expect(wrapper.get('button').text()).toBe('Send')
  })
})
