import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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
    await list.get('[data-testid="confirm-ban-button"]').trigger('click')
    await flushPromises()
    expect(bridge.ban_identity).toHaveBeenCalledWith('0123456789abcdef', 'Bob')

    await list.get('[data-testid="member-menu"]').trigger('click')
    await flushPromises()
    expect(list.get('[data-testid="ban-address"]').text()).toContain('192.0.2.5')
    await list.get('[data-testid="ban-address"]').trigger('click')
    await flushPromises()
    await list.get('[data-testid="confirm-ban-button"]').trigger('click')
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
    await list.get('[data-testid="confirm-ban-button"]').trigger('click')
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

  it.each([
    [
      'en',
      'ban-identity',
      'Ban Bob (person 0123456789abcdef) from this server? They cannot join any room here, under any name, until you lift the ban.',
      ['Cancel', 'Ban'],
    ],
    [
      'en',
      'ban-address',
      'Ban the address 192.0.2.5 (Bob) from this server? Nobody connecting from it can join any room here until you lift the ban.',
      ['Cancel', 'Ban'],
    ],
    [
      'ru',
      'ban-identity',
      'Заблокировать Bob (человек 0123456789abcdef) на этом сервере? Этот человек не сможет войти ни в одну комнату здесь ни под каким именем, пока вы не снимете блокировку.',
      ['Отмена', 'Заблокировать'],
    ],
    [
      'ru',
      'ban-address',
      'Заблокировать адрес 192.0.2.5 (Bob) на этом сервере? Никто с этого адреса не сможет войти ни в одну комнату здесь, пока вы не снимете блокировку.',
      ['Отмена', 'Заблокировать'],
    ],
  ])(
    'asks before a ban (%s, %s), naming who and what, with Cancel focused; Cancel and Escape ban nobody',
    async (locale, item, question, buttons) => {
      const bridge = (desktopApi.value = fakeBridge())
      bridge.ban_address.mockResolvedValue({})
      const controls = useHostControls(HOST, 'general', { ownHost: HOST })
      const list = mountWithI18n(
        MemberList,
        {
          props: { members: ['Anna', 'Bob'], myName: 'Anna', hostControls: controls },
          attachTo: document.body,
        },
        locale,
      )
      const toggle = list.get('[data-testid="member-menu"]')
      const askAgain = async () => {
        await toggle.trigger('click')
        await flushPromises()
        await list.get(`[data-testid="${item}"]`).trigger('click')
        await flushPromises()
      }
      await askAgain()
      const dialog = list.get('[data-testid="confirm-ban"]')
      expect(dialog.attributes('role')).toBe('alertdialog')
      expect(list.get('[data-testid="confirm-ban-question"]').text()).toBe(question)
      expect(dialog.findAll('button').map((button) => button.text())).toEqual(buttons)
      expect(document.activeElement).toBe(list.get('[data-testid="cancel-ban"]').element)
      // The menu's other items give way to the question.
      expect(list.find('[data-testid="remove-member"]').exists()).toBe(false)

      await list.get('[data-testid="cancel-ban"]').trigger('click')
      await flushPromises()
      expect(list.find('[data-testid="member-actions"]').exists()).toBe(false)

      await askAgain()
      document.activeElement.dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }),
      )
      await flushPromises()
      expect(list.find('[data-testid="member-actions"]').exists()).toBe(false)
      expect(document.activeElement).toBe(toggle.element)
      expect(bridge.ban_identity).not.toHaveBeenCalled()
      expect(bridge.ban_address).not.toHaveBeenCalled()

      // Opened again, the menu asks nothing until a ban is chosen again.
      await toggle.trigger('click')
      await flushPromises()
      expect(list.find('[data-testid="confirm-ban"]').exists()).toBe(false)
      list.unmount()
    },
  )

  it('bans exactly who the question named, even if the name changed hands meanwhile', async () => {
    const bridge = (desktopApi.value = fakeBridge())
    const controls = useHostControls(HOST, 'general', { ownHost: HOST })
    const list = mountWithI18n(MemberList, {
      props: { members: ['Anna', 'Bob'], myName: 'Anna', hostControls: controls },
    })
    await list.get('[data-testid="member-menu"]').trigger('click')
    await flushPromises()
    await list.get('[data-testid="ban-identity"]').trigger('click')
    await flushPromises()
    bridge.host_members.mockResolvedValue([
      { name: 'Bob', identity: 'fedcba9876543210', address: '192.0.2.6' },
    ])
    await list.get('[data-testid="confirm-ban-button"]').trigger('click')
    await flushPromises()
    expect(bridge.ban_identity.mock.calls).toEqual([['0123456789abcdef', 'Bob']])
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

  it.each([
    ['en', true, 'Conversation with', 'here', 'Bob is here'],
    ['en', false, 'Conversation with', 'not here', 'Bob is not here'],
    ['ru', true, 'Собеседник', 'здесь', 'Bob здесь'],
    ['ru', false, 'Собеседник', 'не здесь', 'Bob не здесь'],
  ])(
    'shows a direct conversation’s other person, here or not, and no count (%s, here: %s)',
    (locale, here, heading, presence, label) => {
      const list = mountWithI18n(
        MemberList,
        {
          props: {
            members: here ? ['Anna', 'Bob'] : ['Anna'],
            myName: 'Anna',
            partner: { name: 'Bob', here },
          },
        },
        locale,
      )
      expect(list.get('h2').text()).toBe(heading)
      expect(list.get('section').attributes('aria-label')).toBe(label)
      expect(list.findAll('[data-testid="member-name"]').map((name) => name.text())).toEqual([
        'Bob',
      ])
      expect(list.get('[data-testid="partner-presence"]').text()).toBe(presence)
      expect(list.get('.online').classes('away')).toBe(!here)
      expect(list.text()).not.toMatch(/\(\d\)/)
    },
  )

  it('offers the host’s menu for a direct conversation’s other person only while they are here', async () => {
    desktopApi.value = fakeBridge()
    const controls = useHostControls(HOST, 'general', { ownHost: HOST })
    const props = { members: ['Anna'], myName: 'Anna', hostControls: controls }
    const away = mountWithI18n(MemberList, {
      props: { ...props, partner: { name: 'Bob', here: false } },
    })
    expect(away.find('[data-testid="member-menu"]').exists()).toBe(false)
    const here = mountWithI18n(MemberList, {
      props: { ...props, members: ['Anna', 'Bob'], partner: { name: 'Bob', here: true } },
    })
    expect(here.findAll('[data-testid="member-menu"]')).toHaveLength(1)
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

describe('MemberList in a full room', () => {
  const ROW_PX = 24
  const VIEW_PX = 400
  const names = Array.from({ length: 1024 }, (_, n) => `member ${String(n).padStart(4, '0')}`)

  // happy-dom lays nothing out: a row gets the height Chromium gives it, and the list a viewport.
  beforeEach(() => {
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function () {
      return DOMRect.fromRect({ height: this.tagName === 'LI' ? ROW_PX : 0 })
    })
    vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockImplementation(function () {
      return this.classList.contains('member-scroller') ? VIEW_PX : 0
    })
    vi.spyOn(HTMLElement.prototype, 'scrollHeight', 'get').mockImplementation(function () {
      return this.classList.contains('member-scroller')
        ? parseFloat(this.firstChild.style.height)
        : 0
    })
  })
  afterEach(() => vi.restoreAllMocks())

  async function scrollTo(list, top) {
    const scroller = list.get('.member-scroller')
    scroller.element.scrollTop = top
    await scroller.trigger('scroll')
    await nextTick()
  }
  const shownNames = (list) =>
    list.findAll('[data-testid="member-name"]').map((name) => name.text())

  it('keeps a few dozen of 1,024 rows in the page, each saying where it stands among all', async () => {
    const list = mountWithI18n(MemberList, { props: { members: names } })
    await nextTick()
    const rows = list.findAll('[data-testid="members"] li')
    expect(rows.length).toBeGreaterThan(VIEW_PX / ROW_PX)
    expect(rows.length).toBeLessThan(100)
    expect(list.get('h2').text()).toBe('Members (1024)')
    expect(list.get('section').attributes('aria-label')).toBe('Members (1024)')
    expect(rows[0].attributes()).toMatchObject({ 'aria-setsize': '1024', 'aria-posinset': '1' })

    await scrollTo(list, 1000 * ROW_PX)
    expect(shownNames(list)).toContain('member 1023')
    expect(shownNames(list)).not.toContain('member 0000')
    const last = list.findAll('[data-testid="members"] li').at(-1)
    expect(last.attributes('aria-posinset')).toBe('1024')
  })

  it('marks us and offers a far-down member’s menu once scrolled to', async () => {
    const list = mountWithI18n(MemberList, {
      props: {
        members: names,
        myName: 'member 0900',
        memberIdentities: { 'member 0901': 'ffffffffffffffff' },
        canMessage: true,
      },
    })
    await nextTick()
    expect(list.find('.me').exists()).toBe(false) // not in the page yet
    await scrollTo(list, 890 * ROW_PX)
    const mine = list.findAll('[data-testid="members"] li').find((row) => row.find('.me').exists())
    expect(mine.get('[data-testid="member-name"]').text()).toBe('member 0900')
    await list.get('[data-testid="member-menu"]').trigger('click')
    await list.get('[data-testid="message-member"]').trigger('click')
    expect(list.emitted('message')).toEqual([
      [{ name: 'member 0901', identity: 'ffffffffffffffff' }],
    ])
  })

  it('keeps the member at the top of the view in place while others join and leave above', async () => {
    const list = mountWithI18n(MemberList, { props: { members: names } })
    await nextTick()
    await scrollTo(list, 500 * ROW_PX)
    const scroller = list.get('.member-scroller').element
    await list.setProps({ members: ['a newcomer', 'another', ...names] })
    expect(scroller.scrollTop).toBe(502 * ROW_PX)
    await list.setProps({ members: names.slice(10) })
    expect(scroller.scrollTop).toBe(490 * ROW_PX)
    expect(shownNames(list)).toContain('member 0500')
  })
})
