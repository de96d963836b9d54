import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import { flushPromises } from '@vue/test-utils'
import DiscoverySetting from './DiscoverySetting.vue'
import { useDiscoverySetting } from '../composables/useDiscoverySetting.js'
import { desktopApi } from '../desktopBridge.js'
import { mountWithI18n } from '../testing/mountWithI18n.js'

// The window's bridge is the boundary: a fake that keeps the setting as settings.json would.
function fakeWindow({ setting = true, blockedBy = null } = {}) {
  const saved = []
  const api = {
    saved,
    discovery_status: async () => ({
      setting,
      enabled: setting && !blockedBy,
      blocked_by: blockedBy,
    }),
    save_settings: async (changes) => {
      saved.push(changes)
      setting = changes.discovery ?? setting
      return { discovery: setting }
    },
  }
  desktopApi.value = api
  return api
}

const Harness = defineComponent({
  setup() {
    const discovery = useDiscoverySetting()
    return () => h(DiscoverySetting, { discovery })
  },
})

async function mountSetting(locale = 'en') {
  const wrapper = mountWithI18n(Harness, {}, locale)
  await flushPromises()
  return wrapper
}

afterEach(() => {
  desktopApi.value = null
})

describe('DiscoverySetting', () => {
  it('shows nothing in a plain browser, which has no such switch', async () => {
    const wrapper = await mountSetting()
    expect(wrapper.find('[data-testid=discovery-setting]').exists()).toBe(false)
  })

  it('switches discovery off in the window settings and says what off means', async () => {
    const api = fakeWindow()
    const wrapper = await mountSetting()
    const toggle = wrapper.get('[data-testid=discovery-toggle]')
    expect(toggle.element.checked).toBe(true)
    expect(wrapper.text()).toContain('multicast DNS')
    await toggle.setValue(false)
    await flushPromises()
    expect(api.saved).toEqual([{ discovery: false }])
    expect(wrapper.get('[data-testid=discovery-toggle]').element.checked).toBe(false)
    expect(wrapper.text()).toContain('sends nothing to the network')
  })

  it('cannot be switched while the environment keeps discovery off, and says so in Russian too', async () => {
    fakeWindow({ blockedBy: 'environment' })
    const wrapper = await mountSetting('ru')
    expect(wrapper.get('[data-testid=discovery-toggle]').element.disabled).toBe(true)
    expect(wrapper.text()).toContain('LANCHAT_DISCOVERY=off')
    expect(wrapper.text()).toContain('Искать серверы')
  })
})
