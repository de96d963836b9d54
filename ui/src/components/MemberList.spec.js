import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { flushPromises } from '@vue/test-utils'
import MemberList from './MemberList.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { desktopApi } from '../desktopBridge.js'
import { useHostControls } from '../composables/useHostControls.js'

const HOST = '127.0.0.1:8765'

// The window's bridge is the true boundary: pywebview's `window.pywebview.api`.
function fakeBridge() {
  return {
    host_status: vi.fn(),
    host_members: vi.fn(async () => [
      { name: 'Bob', identity: '0123456789abcdef', address: '192.0.2.5' },
    ]),
    remove_member: vi.fn(async () => 1),
    ban_identity: vi.fn(async () => ({})),
    // As desktop/host_controls.py rejects: the refusal's code, then the sentence for the log.
    ban_address: vi.fn(async () => {
      throw new Error('too_many_bans: The host keeps at most 1000 bans; lift one first.')
    }),
    host_bans: vi.fn(async () => []),
    unban: vi.fn(),
    delete_message: vi.fn(),
  }
}

afterEach(() => {
  desktopApi.value = null
})

describe('MemberList', () => {
  it('offers no host menu in a browser, nor for a room on another host', () => {
    const browser = mountWithI18n(MemberList, {
      props: {
        members: ['Bob'],
        hostControls: useHostControls(HOST, 'general', { ownHost: HOST }),
      },
    })
    expect(browser.find('[data-testid="member-menu"]').exists()).toBe(false)
    desktopApi.value = fakeBridge()
    const elsewhere = useHostControls('192.0.2.9:8765', 'general', { ownHost: HOST })
    expect(elsewhere.available.value).toBe(false)
  })

  it('removes and bans through the window’s bridge, and says why a ban was refused', async () => {
    const bridge = (desktopApi.value = fakeBridge())
    const controls = useHostControls(HOST, 'general', { ownHost: HOST })
    const list = mountWithI18n(MemberList, {
      props: { members: ['Anna', 'Bob'], myName: 'Anna', hostControls: controls },
    })
    expect(list.findAll('[data-testid="member-menu"]')).toHaveLength(1) // not for ourselves

    await list.get('[data-testid="member-menu"]').trigger('click')
    await flushPromises()
    await list.get('[data-testid="remove-member"]').trigger('click')
    await flushPromises()
    expect(bridge.remove_member).toHaveBeenCalledWith('general', 'Bob', '')

    await list.get('[data-testid="member-menu"]').trigger('click')
    await flushPromises()
    await list.get('[data-testid="ban-identity"]').trigger('click')
    await flushPromises()
    expect(bridge.ban_identity).toHaveBeenCalledWith('0123456789abcdef', 'Bob')

    await list.get('[data-testid="member-menu"]').trigger('click')
    await flushPromises()
    expect(list.get('[data-testid="ban-address"]').text()).toContain('192.0.2.5')
    await list.get('[data-testid="ban-address"]').trigger('click')
    await flushPromises()
    expect(list.get('[data-testid="host-failure"]').text()).toBe(
      'Could not do that: this server keeps as many bans as it can; lift one first.',
    )
  })

  it('says a refusal in Russian by its code, and a failure without one in plain words', async () => {
    const bridge = (desktopApi.value = fakeBridge())
    const controls = useHostControls(HOST, 'general', { ownHost: HOST })
    const list = mountWithI18n(
      MemberList,
      { props: { members: ['Anna', 'Bob'], myName: 'Anna', hostControls: controls } },
      'ru',
    )
    await list.get('[data-testid="member-menu"]').trigger('click')
    await flushPromises()
    await list.get('[data-testid="ban-address"]').trigger('click')
    await flushPromises()
    expect(list.get('[data-testid="host-failure"]').text()).toBe(
      'Не получилось: на сервере уже столько блокировок, сколько он может хранить; сначала снимите одну.',
    )
    bridge.remove_member.mockRejectedValueOnce(new Error('the server is not running'))
    await list.get('[data-testid="member-menu"]').trigger('click')
    await flushPromises()
    await list.get('[data-testid="remove-member"]').trigger('click')
    await flushPromises()
    expect(list.get('[data-testid="host-failure"]').text()).toBe(
      'Не получилось: сервер на этом компьютере не ответил. Попробуйте ещё раз.',
    )
  })

  it.each(['127.0.0.1', '127.4.5.6', '::1', '::ffff:127.0.0.1'])(
    'offers no address ban for a member on loopback (%s), only the identity ban',
    async (address) => {
      const bridge = (desktopApi.value = fakeBridge())
      bridge.host_members.mockResolvedValue([
        { name: 'Bob', identity: '0123456789abcdef', address },
      ])
      const controls = useHostControls(HOST, 'general', { ownHost: HOST })
      const list = mountWithI18n(MemberList, {
        props: { members: ['Anna', 'Bob'], myName: 'Anna', hostControls: controls },
      })
      await list.get('[data-testid="member-menu"]').trigger('click')
      await flushPromises()
      expect(list.find('[data-testid="ban-address"]').exists()).toBe(false)
      expect(list.get('[data-testid="ban-identity"]').attributes('disabled')).toBeUndefined()
    },
  )

  it('offers everyone "Message" for a member an identity holds, in both languages', async () => {
    const props = {
      members: ['Anna', 'Bob', 'Guest'],
      myName: 'Anna',
      memberIdentities: { Anna: '0000000000000000', Bob: 'ffffffffffffffff' },
      canMessage: true,
    }
    const en = mountWithI18n(MemberList, { props })
    // Only Bob: not ourselves, and not a guest without an identity.
    expect(en.findAll('[data-testid="member-menu"]')).toHaveLength(1)
    await en.get('[data-testid="member-menu"]').trigger('click')
    expect(en.find('[data-testid="remove-member"]').exists()).toBe(false)
    await en.get('[data-testid="message-member"]').trigger('click')
    expect(en.emitted('message')).toEqual([[{ name: 'Bob', identity: 'ffffffffffffffff' }]])
    const ru = mountWithI18n(MemberList, { props }, 'ru')
    await ru.get('[data-testid="member-menu"]').trigger('click')
    expect(ru.get('[data-testid="message-member"]').text()).toBe('Написать')
  })

  it('offers no "Message" before our own identity is known', () => {
    const list = mountWithI18n(MemberList, {
      props: { members: ['Bob'], memberIdentities: { Bob: 'ffffffffffffffff' }, canMessage: false },
    })
    expect(list.find('[data-testid="member-menu"]').exists()).toBe(false)
  })

  it('is a menu button for the keyboard: arrows move, Escape gives focus back, Tab leaves', async () => {
    desktopApi.value = fakeBridge()
    const controls = useHostControls(HOST, 'general', { ownHost: HOST })
    const list = mountWithI18n(MemberList, {
      props: {
        members: ['Anna', 'Bob'],
        myName: 'Anna',
        hostControls: controls,
        memberIdentities: { Bob: 'ffffffffffffffff' },
        canMessage: true,
      },
      attachTo: document.body,
    })
    const toggle = list.get('[data-testid="member-menu"]')
    const focusedId = () => document.activeElement.getAttribute('data-testid')
    const press = async (key) => {
      document.activeElement.dispatchEvent(
        new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }),
      )
      await nextTick()
      await nextTick()
    }
    expect(toggle.attributes('aria-haspopup')).toBe('menu')
    await toggle.trigger('click')
    await flushPromises()
    expect(focusedId()).toBe('message-member')
    expect(list.get('[role="menu"]').attributes('aria-label')).toBe('Host actions for Bob')
    await press('ArrowDown')
    expect(focusedId()).toBe('remove-member')
    await press('End')
    expect(focusedId()).toBe('ban-address')
    await press('ArrowDown')
    expect(focusedId()).toBe('message-member')
    await press('ArrowUp')
    expect(focusedId()).toBe('ban-address')
    await press('Home')
    expect(focusedId()).toBe('message-member')
    await press('Escape')
    expect(list.find('[role="menu"]').exists()).toBe(false)
    expect(document.activeElement).toBe(toggle.element)

    await toggle.trigger('click')
    await flushPromises()
    await press('Tab')
    expect(list.find('[role="menu"]').exists()).toBe(false)
    list.unmount()
  })
})
