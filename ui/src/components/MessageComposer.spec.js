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
    expect(wrapper.get('button.send').attributes('disabled')).toBeDefined()
  })

  it('takes no text, file or paste once closed, and says why in the field, in both languages', async () => {
    const closed = { modelValue: 'typed before', closedBecause: 'You are banned' }
    const wrapper = mountWithI18n(MessageComposer, { props: closed })
    const field = wrapper.get('textarea')
    expect(field.attributes('disabled')).toBeDefined()
    expect(field.attributes('placeholder')).toBe('You are banned')
    expect(wrapper.get('[data-testid="attach"]').attributes('disabled')).toBeDefined()
    expect(wrapper.get('button.send').attributes('disabled')).toBeDefined()
    await wrapper.get('form').trigger('submit')
    await field.trigger('paste', { clipboardData: { files: [new File(['x'], 'x.png')] } })
    expect(wrapper.emitted('send')).toBeUndefined()
    expect(wrapper.emitted('files')).toBeUndefined()
    const ru = mountWithI18n(
      MessageComposer,
      { props: { closedBecause: 'Вы заблокированы' } },
      'ru',
    )
    expect(ru.get('textarea').attributes('placeholder')).toBe('Вы заблокированы')
    await ru.setProps({ closedBecause: '' })
    expect(ru.get('textarea').attributes('placeholder')).toBe('Напишите сообщение…')
    expect(ru.get('textarea').attributes('disabled')).toBeUndefined()
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
    expect(wrapper.get('button.send').attributes('disabled')).toBeDefined()
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
    expect(wrapper.get('button.send').text()).toBe('Send')
  })

  it('sends a pasted image as a file, and leaves pasted text to the field', async () => {
    const wrapper = mountWithI18n(MessageComposer)
    const image = new File(['png'], 'image.png', { type: 'image/png' })
    const field = wrapper.get('textarea')
    await field.trigger('paste', { clipboardData: { files: [image] } })
    expect(wrapper.emitted('files')).toEqual([[[image]]])
    await field.trigger('paste', { clipboardData: { files: [] } })
    expect(wrapper.emitted('files')).toHaveLength(1)
  })

  it('sends the files chosen with the attach button, in both languages', async () => {
    for (const [language, label] of [
      ['en', 'Attach files'],
      ['ru', 'Прикрепить файлы'],
    ]) {
      const wrapper = mountWithI18n(MessageComposer, {}, language)
      expect(wrapper.get('[data-testid="attach"]').attributes('aria-label')).toBe(label)
      const input = wrapper.get('[data-testid="attach-input"]')
      const files = [new File(['a'], 'a.txt'), new File(['b'], 'b.txt')]
      Object.defineProperty(input.element, 'files', { value: files, configurable: true })
      await input.trigger('change')
      expect(wrapper.emitted('files')).toEqual([[files]])
    }
  })

  describe('@ completion', () => {
    // The parent owns the text (v-model): a stand-in that takes what the composer emits.
    function composerWith(text, props = {}) {
      const wrapper = mountWithI18n(MessageComposer, {
        props: {
          modelValue: text,
          members: ['Anna', 'Boris', 'Bob', 'Me'],
          ownNames: ['Me'],
          'onUpdate:modelValue': (value) => wrapper.setProps({ modelValue: value }),
          ...props,
        },
        attachTo: document.body,
      })
      return wrapper
    }

    async function type(wrapper, text) {
      const field = wrapper.get('textarea')
      field.element.value = text
      field.element.setSelectionRange(text.length, text.length)
      await field.trigger('input')
    }

    it('offers the members after @, moves with the arrows and takes one with Enter', async () => {
      const wrapper = composerWith('')
      await type(wrapper, 'hi @b')
      const options = () => wrapper.findAll('[data-testid="mention-option"]').map((o) => o.text())
      expect(options()).toEqual(['@Boris', '@Bob'])
      const field = wrapper.get('textarea')
      expect(field.attributes('aria-expanded')).toBe('true')
      await field.trigger('keydown', { key: 'ArrowDown' })
      expect(field.attributes('aria-activedescendant')).toBe('composer-mentions-1')
      await field.trigger('keydown', { key: 'Enter' })
      expect(wrapper.props('modelValue')).toBe('hi @Bob ')
      expect(wrapper.emitted('send')).toBeUndefined() // Enter took the name, it sent nothing
      wrapper.unmount()
    })

    it('takes one with Tab, never offers us, and offers @all and @here', async () => {
      const wrapper = composerWith('')
      await type(wrapper, '@')
      const names = wrapper.findAll('[data-testid="mention-option"]').map((o) => o.text())
      expect(names).toEqual([
        '@Anna',
        '@Boris',
        '@Bob',
        '@alleveryone in the room',
        '@hereeveryone in the room',
      ])
      await wrapper.get('textarea').trigger('keydown', { key: 'Tab' })
      expect(wrapper.props('modelValue')).toBe('@Anna ')
      wrapper.unmount()
    })

    it('closes on Escape, and then Enter sends', async () => {
      const wrapper = composerWith('')
      await type(wrapper, 'ask @an')
      const field = wrapper.get('textarea')
      await field.trigger('keydown', { key: 'Escape' })
      expect(wrapper.find('[data-testid="mention-option"]').exists()).toBe(false)
      await field.trigger('keydown', { key: 'Enter' })
      expect(wrapper.emitted('send')).toEqual([['ask @an']])
      wrapper.unmount()
    })

    it('sends on Enter when the name is typed whole', async () => {
      const wrapper = composerWith('')
      await type(wrapper, 'look @anna')
      await wrapper.get('textarea').trigger('keydown', { key: 'Enter' })
      expect(wrapper.emitted('send')).toEqual([['look @anna']])
      wrapper.unmount()
    })

    it('names the list in Russian', async () => {
      const wrapper = mountWithI18n(
        MessageComposer,
        { props: { modelValue: '', members: ['Аня'] }, attachTo: document.body },
        'ru',
      )
      await type(wrapper, '@а')
      expect(wrapper.get('[role="listbox"]').attributes('aria-label')).toBe('Кого упомянуть')
      wrapper.unmount()
    })
  })
})
