import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import RoomPrivacyPanel from './RoomPrivacyPanel.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { desktopApi } from '../desktopBridge.js'
import { directRoomName } from '../directRooms.js'

const HOST = '127.0.0.1:8765'
const DIRECT = directRoomName('0123456789abcdef', 'fedcba9876543210')

// The window's bridge is the true boundary: pywebview's `window.pywebview.api`.
function fakeBridge() {
  return {
    host_status: vi.fn(),
    room_privacy: vi.fn(async (room) => ({ room, private: false })),
    make_room_private: vi.fn(async (room) => ({ room, private: true })),
    make_room_open: vi.fn(async (room) => ({ room, private: false })),
  }
}

function mountPanel(props, locale = 'en') {
  return mountWithI18n(RoomPrivacyPanel, { props: { host: HOST, ...props } }, locale)
}

afterEach(() => {
  desktopApi.value = null
  sessionStorage.clear()
})

describe('RoomPrivacyPanel', () => {
  it('never shows a direct conversation’s internal id, names the other person and says why no password', async () => {
    const bridge = (desktopApi.value = fakeBridge())
    const panel = mountPanel({ room: DIRECT, roomTitle: 'Bob' })
    await flushPromises()
    expect(panel.get('[data-testid="privacy-room"]').element.value).toBe('')
    expect(panel.text()).not.toContain('@dm:')
    expect(panel.get('[data-testid="privacy-direct"]').text()).toBe(
      'The conversation with Bob is direct: it is open to its two people only and takes no password. Name another room of this computer below.',
    )
    const button = panel.get('[data-testid="privacy-make-private"]')
    expect(button.attributes('disabled')).toBeDefined()
    expect(button.attributes('aria-describedby')).toBe('privacy-why')
    expect(panel.get('#privacy-why').text()).toBe(
      'Enter the name of a room on this computer to give it a password.',
    )
    expect(bridge.room_privacy).not.toHaveBeenCalled()

    // Its id typed by hand is no room to lock either, and it says so.
    await panel.get('[data-testid="privacy-room"]').setValue(DIRECT)
    expect(panel.get('#privacy-why').text()).toBe(
      'A direct conversation is open to its two people only; it takes no password.',
    )
    expect(button.attributes('disabled')).toBeDefined()
  })

  it('says it in Russian', async () => {
    desktopApi.value = fakeBridge()
    const panel = mountPanel({ room: DIRECT, roomTitle: 'Боря' }, 'ru')
    await flushPromises()
    expect(panel.get('[data-testid="privacy-direct"]').text()).toContain(
      'Разговор с Боря личный: он открыт только двоим его участникам',
    )
    expect(panel.get('#privacy-why').text()).toBe(
      'Введите название комнаты на этом компьютере, чтобы поставить на неё пароль.',
    )
  })

  it('empties the password field when another room is shown', async () => {
    const bridge = (desktopApi.value = fakeBridge())
    const panel = mountPanel({ room: 'general', roomTitle: 'general' })
    await flushPromises()
    await panel.get('[data-testid="privacy-password"]').setValue('secret words')
    expect(panel.find('#privacy-why').exists()).toBe(false)

    await panel.setProps({ room: 'kitchen', roomTitle: 'kitchen' })
    await flushPromises()
    expect(panel.get('[data-testid="privacy-room"]').element.value).toBe('kitchen')
    expect(panel.get('[data-testid="privacy-password"]').element.value).toBe('')
    await panel.get('form').trigger('submit')
    await flushPromises()
    expect(bridge.make_room_private).not.toHaveBeenCalled()

    await panel.get('[data-testid="privacy-password"]').setValue('kitchen words')
    await panel.setProps({ room: DIRECT, roomTitle: 'Bob' })
    expect(panel.get('[data-testid="privacy-password"]').element.value).toBe('')
  })
})
