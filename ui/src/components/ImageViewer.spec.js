import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { flushPromises } from '@vue/test-utils'
import ImageViewer from './ImageViewer.vue'
import { desktopApi } from '../desktopBridge.js'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { provideRoomFiles } from '../roomFiles.js'
import { useDismissable } from '../composables/useDismissable.js'

const image = (id, size = 1500) => ({
  id,
  name: `${id}.png`,
  size,
  type: 'image/png',
  width: 800,
  height: 600,
})

// A room on h:1 with a thumbnail that opens the viewer, as ChatRoom and ImagePreview do.
// `panelOpen` is a panel behind it that Escape closes (the members panel, with useDismissable).
function mountRoom({ images, start = images[0], locale = 'en' }) {
  const shown = ref(images)
  const panelOpen = ref(true)
  const Room = defineComponent({
    setup() {
      useDismissable(panelOpen, [])
      const files = provideRoomFiles({ host: 'h:1' })
      return () => [
        h('button', { id: 'thumbnail', onClick: (e) => files.openImage(start, e.currentTarget) }),
        files.viewing.value &&
          h(ImageViewer, {
            images: shown.value,
            start: files.viewing.value.attachment,
            opener: files.viewing.value.opener,
            onClose: files.closeImage,
          }),
      ]
    },
  })
  const wrapper = mountWithI18n(Room, { attachTo: document.body }, locale)
  return { wrapper, shown, panelOpen, open: () => wrapper.get('#thumbnail').trigger('click') }
}

const viewer = () => document.querySelector('[data-testid="image-viewer"]')
const part = (name) => document.querySelector(`[data-testid="viewer-${name}"]`)
const press = async (key, options = {}) => {
  ;(document.activeElement ?? document.body).dispatchEvent(
    new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...options }),
  )
  await nextTick()
}

afterEach(() => {
  desktopApi.value = null
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('ImageViewer', () => {
  it('steps through the room’s images with the arrow keys and its buttons, counting them', async () => {
    const images = [image('A'), image('B'), image('C')]
    const { wrapper, open } = mountRoom({ images, start: images[1] })
    await open()
    expect(part('position').textContent.trim()).toBe('2 / 3')
    expect(viewer().querySelector('img').getAttribute('src')).toBe('https://h:1/api/files/B/B.png')
    await press('ArrowRight')
    expect(part('position').textContent.trim()).toBe('3 / 3')
    expect(part('name').textContent).toBe('C.png')
    expect(viewer().querySelector('img').getAttribute('src')).toBe('https://h:1/api/files/C/C.png')
    expect(part('next').disabled).toBe(true)
    await press('ArrowRight')
    expect(part('position').textContent.trim()).toBe('3 / 3')
    part('previous').click()
    await nextTick()
    await press('ArrowLeft')
    expect(part('position').textContent.trim()).toBe('1 / 3')
    expect(part('previous').disabled).toBe(true)
    expect(part('next').disabled).toBe(false)
    wrapper.unmount()
  })

  it('shows neither arrows nor a count when the room has one image', async () => {
    const { wrapper, open } = mountRoom({ images: [image('D')] })
    await open()
    expect(viewer()).not.toBeNull()
    expect(part('position')).toBeNull()
    expect(part('previous')).toBeNull()
    expect(part('next')).toBeNull()
    wrapper.unmount()
  })

  it('keeps Tab and Shift+Tab going round its own controls', async () => {
    const images = [image('E'), image('F')]
    const { wrapper, open } = mountRoom({ images })
    await open()
    // Previous is disabled on the first image, so Next is the last control.
    expect(document.activeElement).toBe(part('close'))
    part('next').focus()
    await press('Tab')
    expect(document.activeElement).toBe(part('save'))
    await press('Tab', { shiftKey: true })
    expect(document.activeElement).toBe(part('next'))
    document.body.focus()
    await press('Tab')
    expect(document.activeElement).toBe(part('save'))
    wrapper.unmount()
  })

  it('closes on Escape and gives focus back to the thumbnail that opened it', async () => {
    const { wrapper, open } = mountRoom({ images: [image('G'), image('H')] })
    await open()
    await press('ArrowRight')
    await press('Escape')
    expect(viewer()).toBeNull()
    expect(document.activeElement).toBe(wrapper.get('#thumbnail').element)
    wrapper.unmount()
  })

  it('keeps its Escape from the panel behind it, which stays open', async () => {
    const { wrapper, panelOpen, open } = mountRoom({ images: [image('K')] })
    await open()
    await press('Escape')
    expect(viewer()).toBeNull()
    expect(panelOpen.value).toBe(true)
    await press('Escape') // the viewer gone, Escape is the panel's again
    expect(panelOpen.value).toBe(false)
    wrapper.unmount()
  })

  it('closes when its image leaves the timeline (its message was deleted)', async () => {
    const { wrapper, shown, open } = mountRoom({ images: [image('I'), image('J')] })
    await open()
    shown.value = [image('J')]
    await nextTick()
    await nextTick()
    expect(viewer()).toBeNull()
    wrapper.unmount()
  })

  it('shows the name and size, and Save downloads the file in a browser', async () => {
    const fetch = vi.fn(async () => new Response('1234'))
    vi.stubGlobal('fetch', fetch)
    const { wrapper, open } = mountRoom({ images: [image('K', 2_000_000)] })
    await open()
    expect(part('name').textContent).toBe('K.png')
    expect(viewer().textContent).toContain('2 MB')
    expect(part('save').textContent.trim()).toBe('Save')
    part('save').click()
    await flushPromises()
    expect(fetch).toHaveBeenCalledWith('https://h:1/api/files/K/K.png', {})
    expect(viewer().textContent).toContain('Downloaded')
    wrapper.unmount()
  })

  it('saves through the window’s own dialog in the desktop window, in Russian', async () => {
    const bridge = { host_status: vi.fn(), save_file: vi.fn(async () => null) }
    desktopApi.value = bridge
    const { wrapper, open } = mountRoom({ images: [image('L'), image('M')], locale: 'ru' })
    await open()
    expect(part('save').textContent.trim()).toBe('Сохранить как…')
    expect(part('close').textContent.trim()).toBe('Закрыть')
    expect(part('next').getAttribute('aria-label')).toBe('Следующее изображение')
    expect(viewer().textContent).toContain('1,5 кБ')
    part('save').click()
    await flushPromises()
    expect(bridge.save_file).toHaveBeenCalledWith('https://h:1/api/files/L/L.png', 'L.png', '')
    wrapper.unmount()
  })
})
