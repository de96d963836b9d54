import { describe, expect, it } from 'vitest'
import HostingSection from './HostingSection.vue'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const tools = { slots: { default: '<p data-testid="tool">port</p>' } }

describe('HostingSection', () => {
  it('starts folded, and its button opens and closes the host tools', async () => {
    const section = mountWithI18n(HostingSection, tools)
    const button = section.get('[data-testid="hosting-toggle"]')
    expect(button.text()).toBe('▸Hosting')
    expect(button.attributes('aria-expanded')).toBe('false')
    expect(button.attributes('aria-controls')).toBe('hosting-tools')
    const shown = () => section.get('#hosting-tools').element.style.display !== 'none'
    expect(shown()).toBe(false)
    await button.trigger('click')
    expect(button.attributes('aria-expanded')).toBe('true')
    expect(shown()).toBe(true)
    await button.trigger('click')
    expect(button.attributes('aria-expanded')).toBe('false')
  })

  it('opens by itself while the window hosts, and says so in Russian', async () => {
    const section = mountWithI18n(HostingSection, tools, 'ru')
    expect(section.get('button').attributes('aria-expanded')).toBe('false')
    await section.setProps({ hosting: true })
    expect(section.get('button').attributes('aria-expanded')).toBe('true')
    expect(section.get('button').text()).toBe('▸Свой серверРаботает')
  })
})
