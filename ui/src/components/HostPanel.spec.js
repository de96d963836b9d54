import { describe, expect, it, vi } from 'vitest'
import HostPanel from './HostPanel.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'
import { MAX_EDIT_WINDOW_HOURS } from '../protocol.js'

const status = (networks) => ({
  hosting: true,
  port: 8765,
  addresses: networks.map((network) => network.address),
  networks,
  error: null,
  suggested_port: null,
})

describe('HostPanel networks', () => {
  it('says which network each address is on, in both languages', () => {
    const networks = [
      { address: '192.168.1.20', interface: 'wlp2s0', kind: 'wifi' },
      { address: '10.0.0.5', interface: 'enp3s0', kind: 'ethernet' },
      { address: '10.8.0.2', interface: 'tun0', kind: 'vpn' },
      { address: '172.17.0.1', interface: 'docker0', kind: 'other' },
    ]
    const en = mountWithI18n(HostPanel, { props: { status: status(networks) } })
    expect(en.findAll('[data-testid="network-kind"]').map((kind) => kind.text())).toEqual([
      'Wi-Fi · wlp2s0',
      'Ethernet · enp3s0',
      'VPN or tunnel · tun0',
      'Other network · docker0',
    ])
    expect(en.text()).toContain('A VPN address reaches only people on that VPN')
    const ru = mountWithI18n(HostPanel, { props: { status: status(networks) } }, 'ru')
    expect(ru.findAll('[data-testid="network-kind"]').map((kind) => kind.text())).toEqual([
      'Wi-Fi · wlp2s0',
      'Кабель (Ethernet) · enp3s0',
      'VPN или туннель · tun0',
      'Другая сеть · docker0',
    ])
    expect(ru.text()).toContain('Адрес VPN доступен только тем, кто в этой VPN')
  })

  it('gives no VPN hint when every address is on the VPN or none is', () => {
    const wifiOnly = [{ address: '192.168.1.20', interface: 'wlp2s0', kind: 'wifi' }]
    const wrapper = mountWithI18n(HostPanel, { props: { status: status(wifiOnly) } })
    expect(wrapper.text()).not.toContain('VPN address')
  })

  it('lists bare addresses without a network when the window gives none', () => {
    const bare = { ...status([]), addresses: ['192.0.2.10'], networks: undefined }
    const wrapper = mountWithI18n(HostPanel, { props: { status: bare } })
    expect(wrapper.get('code').text()).toBe('192.0.2.10:8765')
    expect(wrapper.find('[data-testid="network-kind"]').exists()).toBe(false)
  })
})

describe('HostPanel edit window', () => {
  it('sets how long messages can be edited, in both languages, and says what 0 means', async () => {
    const en = mountWithI18n(HostPanel, { props: { status: null, editWindowHours: 24 } })
    expect(en.get('label[for="host-edit-window"]').text()).toBe(
      'Messages can be edited for (hours)',
    )
    expect(en.get('[data-testid="edit-window-hint"]').text()).toContain('can still be deleted')
    const input = en.get('#host-edit-window')
    expect(input.element.value).toBe('24')
    await input.setValue('0.5') // a change event, as when the field loses focus
    expect(en.emitted('edit-window')).toEqual([[0.5]])
    await input.setValue('0')
    expect(en.get('[data-testid="edit-window-hint"]').text()).toContain('nobody can edit')
    const ru = mountWithI18n(HostPanel, { props: { status: null, editWindowHours: 0 } }, 'ru')
    expect(ru.get('label[for="host-edit-window"]').text()).toBe('Сообщения можно править (часов)')
    expect(ru.get('[data-testid="edit-window-hint"]').text()).toContain('никто не может править')
  })

  it('sends nothing for a value out of range or unchanged', async () => {
    const wrapper = mountWithI18n(HostPanel, { props: { status: null, editWindowHours: 24 } })
    const input = wrapper.get('#host-edit-window')
    for (const value of ['-1', String(MAX_EDIT_WINDOW_HOURS + 1), '', '24']) {
      await input.setValue(value)
    }
    expect(wrapper.emitted('edit-window')).toBeUndefined()
    await input.setValue(String(MAX_EDIT_WINDOW_HOURS))
    expect(wrapper.emitted('edit-window')).toEqual([[MAX_EDIT_WINDOW_HOURS]])
  })
})

describe('HostPanel new identity', () => {
  const identity = {
    fingerprint: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
    safety_code: '12345 67890 12345 67890 12345',
  }
  const made = { fingerprint: 'x', safety_code: '66666 77777 88888 99999 00000' }

  it('offers a new host identity under this host’s safety code, hosting or not, after its warning, in both languages', async () => {
    for (const [locale, ask, warning] of [
      ['en', 'Make a new host identity', 'Everyone who joined this host before'],
      ['ru', 'Создать новую подлинность хоста', 'Все, кто подключался к этому хосту раньше'],
    ]) {
      for (const shown of [status([{ address: '192.168.1.20', kind: 'wifi' }]), null]) {
        const makeIdentity = vi.fn(async () => made)
        const wrapper = mountWithI18n(
          HostPanel,
          { props: { status: shown, identity, makeIdentity } },
          locale,
        )
        const own = wrapper.get('[data-testid="own-safety-code"]')
        expect(own.text()).toContain(identity.safety_code)
        const control = own.get('[data-testid="new-host-identity"]')
        expect(control.get('[data-testid="new-host-identity-ask"]').text()).toBe(ask)
        await control.get('[data-testid="new-host-identity-ask"]').trigger('click')
        expect(makeIdentity).not.toHaveBeenCalled()
        expect(control.text()).toContain(warning)
        await control.get('[data-testid="new-host-identity-confirm"]').trigger('click')
        await vi.waitFor(() => expect(wrapper.emitted('identity-made')).toEqual([[made]]))
        expect(makeIdentity).toHaveBeenCalledTimes(1)
      }
    }
  })

  it('offers none where no window can make one', () => {
    const wrapper = mountWithI18n(HostPanel, { props: { status: null, identity } })
    expect(wrapper.find('[data-testid="new-host-identity"]').exists()).toBe(false)
  })
})
