import { describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import AttachmentList from './AttachmentList.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { provideRoomFiles } from '../roomFiles.js'

// The room view provides where files are; here a room on h:1, whose files are kept in `room`.
let room
function mountIn(attachments, locale = 'en') {
  const Room = defineComponent({
    setup() {
      room = provideRoomFiles({ host: 'h:1' })
      return () => h(AttachmentList, { attachments })
    },
  })
  return mountWithI18n(Room, { attachTo: document.body }, locale)
}

const photo = {
  id: 'A1',
  name: 'cat.jpg',
  size: 2_000_000,
  type: 'image/jpeg',
  sha256: 'x',
  width: 4000,
  height: 3000,
  thumbnail: true,
}
const pdf = { id: 'B2', name: 'отчёт 1.pdf', size: 1500, type: 'application/pdf', sha256: 'y' }

describe('AttachmentList', () => {
  it('shows an image at its size from the frame, before it loads, from its thumbnail', () => {
    const wrapper = mountIn([photo])
    const image = wrapper.get('[data-testid="image-preview"] img')
    expect(image.attributes('width')).toBe('320')
    expect(image.attributes('height')).toBe('240')
    expect(image.attributes('src')).toBe('https://h:1/api/files/A1/thumbnail')
    wrapper.unmount()
  })

  it('asks the room to open the image large, from the thumbnail clicked', async () => {
    const wrapper = mountIn([photo])
    const thumbnail = wrapper.get('[data-testid="image-preview"]')
    await thumbnail.trigger('click')
    expect(room.viewing.value).toEqual({ attachment: photo, opener: thumbnail.element })
    wrapper.unmount()
  })

  it('shows any other file as a card with its name, size and a download, in both languages', () => {
    const en = mountIn([pdf])
    expect(en.get('[data-testid="file-name"]').text()).toBe('отчёт 1.pdf')
    expect(en.get('[data-testid="file-name"]').attributes('href')).toBe(
      'https://h:1/api/files/B2/%D0%BE%D1%82%D1%87%D1%91%D1%82%201.pdf',
    )
    expect(en.get('[data-testid="file-card"]').text()).toContain('1.5 kB')
    expect(en.get('[data-testid="download"]').text()).toBe('Download')
    en.unmount()
    const ru = mountIn([pdf], 'ru')
    expect(ru.get('[data-testid="download"]').text()).toBe('Скачать')
    expect(ru.get('[data-testid="file-card"]').text()).toContain('1,5 кБ')
    ru.unmount()
  })

  it('shows an image type without a size as a file card (nothing to reserve space by)', () => {
    const wrapper = mountIn([{ ...photo, width: undefined, height: undefined }])
    expect(wrapper.find('[data-testid="image-preview"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="file-card"]').exists()).toBe(true)
    wrapper.unmount()
  })
})
