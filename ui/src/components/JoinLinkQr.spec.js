import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import QRCode from 'qrcode'
import HostPanel from './HostPanel.vue'
import JoinLinkQr, { QUIET_ZONE_MODULES } from './JoinLinkQr.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const hosting = {
  hosting: true,
  port: 8765,
  addresses: ['192.168.1.20', 'fd00::10'],
  error: null,
  suggested_port: null,
}

// The dark modules the drawn path covers, as [row, column] of the symbol.
function drawnModules(path) {
  return [...path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)].map(([, x, y]) => [
    Number(y) - QUIET_ZONE_MODULES,
    Number(x) - QUIET_ZONE_MODULES,
  ])
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('JoinLinkQr', () => {
  it('draws exactly the modules the qrcode library encodes for the link, inside a quiet zone', () => {
    const url = 'http://192.168.1.20:8765/'
    const wrapper = mountWithI18n(JoinLinkQr, { props: { url } })
    const { modules } = QRCode.create(url, { errorCorrectionLevel: 'M' })
    const expected = []
    for (let row = 0; row < modules.size; row += 1) {
      for (let column = 0; column < modules.size; column += 1) {
        if (modules.get(row, column)) expected.push([row, column])
      }
    }
    expect(drawnModules(wrapper.get('path').attributes('d'))).toEqual(expected)
    const side = modules.size + 2 * QUIET_ZONE_MODULES
    expect(wrapper.get('svg').attributes('viewBox')).toBe(`0 0 ${side} ${side}`)
    expect(wrapper.get('svg').attributes('aria-label')).toBe(`QR code of ${url}`)
  })
})

describe('HostPanel QR codes', () => {
  it('shows one join link as a QR code at a time, named in both languages', async () => {
    for (const [locale, show, hint] of [
      ['en', 'Show a QR code of https://[fd00::10]:8765/', 'pointing its camera here'],
      ['ru', 'Показать QR-код https://[fd00::10]:8765/', 'навести на код камеру'],
    ]) {
      const wrapper = mountWithI18n(HostPanel, { props: { status: hosting } }, locale)
      expect(wrapper.find('[data-testid="join-link-qr"]').exists()).toBe(false)
      const buttons = wrapper.findAll('button[aria-expanded]')
      expect(buttons.map((button) => button.attributes('aria-label'))[1]).toBe(show)
      await buttons[0].trigger('click')
      await buttons[1].trigger('click')
      await flushPromises() // the QR code's component loads on first use
      const shown = wrapper.findAll('[data-testid="join-link-qr"] svg')
      expect(shown.map((svg) => svg.attributes('data-url'))).toEqual(['https://[fd00::10]:8765/'])
      expect(wrapper.get('figcaption').text()).toContain(hint)
      await buttons[1].trigger('click')
      expect(wrapper.find('[data-testid="join-link-qr"]').exists()).toBe(false)
    }
  })
})

describe('HostPanel identity', () => {
  const identity = {
    fingerprint: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
    safety_code: '12345 67890 12345 67890 12345',
  }

  it('shows this host’s safety code, and its links and QR codes carry the whole fingerprint', async () => {
    for (const [locale, heading] of [
      ['en', "This host's safety code"],
      ['ru', 'Код безопасности этого хоста'],
    ]) {
      const wrapper = mountWithI18n(HostPanel, { props: { status: hosting, identity } }, locale)
      const own = wrapper.get('[data-testid="own-safety-code"]')
      expect(own.text()).toContain(heading)
      expect(own.text()).toContain(identity.safety_code)
      const link = `https://192.168.1.20:8765/#fp=${identity.fingerprint}`
      const buttons = wrapper.findAll('button.copy')
      await buttons[0].trigger('click')
      expect(wrapper.emitted('copy')[0]).toEqual([link])
      await buttons[1].trigger('click')
      await flushPromises() // the QR code's component loads on first use
      expect(wrapper.get('[data-testid="join-link-qr"] svg').attributes('data-url')).toBe(link)
      expect(wrapper.get('code').text()).toBe('192.168.1.20:8765')
    }
  })
})
