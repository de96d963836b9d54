import { describe, expect, it } from 'vitest'
import HostPanel from './HostPanel.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

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
