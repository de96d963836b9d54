import { describe, expect, it } from 'vitest'
import FileDropZone from './FileDropZone.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const transfer = (files, types = ['Files']) => ({ types, files, dropEffect: 'none' })

describe('FileDropZone', () => {
  it('says what a drop does while files are over it, and sends what is dropped', async () => {
    const wrapper = mountWithI18n(FileDropZone, { slots: { default: '<p>room</p>' } }, 'ru')
    const file = new File(['x'], 'x.txt')
    await wrapper.trigger('dragenter', { dataTransfer: transfer([file]) })
    expect(wrapper.get('[data-testid="drop-hint"]').text()).toBe(
      'Отпустите файлы здесь, чтобы отправить их',
    )
    await wrapper.trigger('drop', { dataTransfer: transfer([file]) })
    expect(wrapper.emitted('files')).toEqual([[[file]]])
    expect(wrapper.find('[data-testid="drop-hint"]').exists()).toBe(false)
  })

  it('leaves dragged text alone', async () => {
    const wrapper = mountWithI18n(FileDropZone)
    await wrapper.trigger('dragenter', { dataTransfer: transfer([], ['text/plain']) })
    expect(wrapper.find('[data-testid="drop-hint"]').exists()).toBe(false)
  })

  it('keeps the hint while the drag crosses its children', async () => {
    const wrapper = mountWithI18n(FileDropZone)
    await wrapper.trigger('dragenter', { dataTransfer: transfer([]) })
    await wrapper.trigger('dragenter', { dataTransfer: transfer([]) })
    await wrapper.trigger('dragleave', { dataTransfer: transfer([]) })
    expect(wrapper.find('[data-testid="drop-hint"]').exists()).toBe(true)
    await wrapper.trigger('dragleave', { dataTransfer: transfer([]) })
    expect(wrapper.find('[data-testid="drop-hint"]').exists()).toBe(false)
  })
})
