import { afterEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import HostIdentityStop from './HostIdentityStop.vue'
import HostSafetyCode from './HostSafetyCode.vue'
import NewHostIdentity from './NewHostIdentity.vue'
import { hostIdentities } from '../hostIdentity.js'
import { desktopApi } from '../desktopBridge.js'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const changed = {
  address: '10.0.0.5:8765',
  problem: 'identity_changed',
  old_code: '11111 22222 33333 44444 55555',
  new_code: '66666 77777 88888 99999 00000',
}

afterEach(() => {
  desktopApi.value = null
  for (const key of Object.keys(hostIdentities)) delete hostIdentities[key]
})

describe('HostIdentityStop', () => {
  it('says the identity changed, shows both codes and that nothing was sent, in both languages', () => {
    for (const [locale, title, nothing] of [
      ['en', "This host's identity has changed", 'Nothing was sent to it'],
      ['ru', 'Подлинность хоста изменилась', 'Ему ничего не отправлено'],
    ]) {
      const wrapper = mountWithI18n(HostIdentityStop, { props: { problem: changed } }, locale)
      expect(wrapper.get('h1').text()).toBe(title)
      expect(wrapper.text()).toContain(nothing)
      expect(wrapper.get('[data-testid="host-identity-old-code"]').text()).toBe(changed.old_code)
      expect(wrapper.get('[data-testid="host-identity-new-code"]').text()).toBe(changed.new_code)
      expect(wrapper.get('[data-testid="host-identity-address"]').text()).toBe(changed.address)
    }
  })

  it('names the expected code as the one trusted, the one in the link or the listed one, in both languages', () => {
    for (const [locale, from, label, at] of [
      ['en', 'pin', 'Safety code you trusted', 'than the one this window trusts'],
      ['en', 'link', 'Safety code in the link', 'than the one in the link you were given'],
      ['en', 'list', 'Safety code it was listed with', 'than the one it was listed with'],
      ['ru', 'pin', 'Код безопасности, которому вы доверяли', 'которой доверяет это окно'],
      ['ru', 'link', 'Код безопасности в ссылке', 'указана в полученной вами ссылке'],
      ['ru', 'list', 'Код безопасности из списка хостов', 'с которой он был в списке хостов'],
    ]) {
      const problem = { ...changed, expected_from: from }
      const wrapper = mountWithI18n(HostIdentityStop, { props: { problem } }, locale)
      expect(wrapper.get('[data-testid="host-identity-old-label"]').text()).toBe(label)
      expect(wrapper.text()).toContain(at)
      expect(wrapper.get('[data-testid="host-identity-old-code"]').text()).toBe(changed.old_code)
    }
    // A window from before the gateway said where: the trusted pin, as it always was.
    const unnamed = mountWithI18n(HostIdentityStop, { props: { problem: changed } })
    expect(unnamed.get('[data-testid="host-identity-old-label"]').text()).toBe(
      'Safety code you trusted',
    )
  })

  it('trusts the new identity only once its new code is typed, never with one click', async () => {
    const wrapper = mountWithI18n(HostIdentityStop, { props: { problem: changed } })
    const trust = wrapper.get('[data-testid="host-identity-trust"]')
    expect(trust.attributes('disabled')).toBeDefined()
    await wrapper.get('[data-testid="host-identity-typed"]').setValue(changed.old_code)
    expect(trust.attributes('disabled')).toBeDefined()
    expect(wrapper.text()).toContain('That is not the new code above')
    await wrapper.get('form').trigger('submit')
    expect(wrapper.emitted('trust')).toBeUndefined()
    await wrapper.get('[data-testid="host-identity-typed"]').setValue('6666677777 8888899999 00000')
    expect(trust.attributes('disabled')).toBeUndefined()
    await wrapper.get('form').trigger('submit')
    expect(wrapper.emitted('trust')).toEqual([['6666677777 8888899999 00000']])
    await wrapper.get('[data-testid="host-identity-close"]').trigger('click')
    expect(wrapper.emitted('close')).toHaveLength(1)
  })

  it('explains a host that spoke no TLS or did not answer, in both languages', () => {
    const en = mountWithI18n(HostIdentityStop, {
      props: { problem: { address: '10.0.0.5:8765', problem: 'tls_failed' } },
    })
    expect(en.get('h1').text()).toBe('No secure connection to this host')
    const ru = mountWithI18n(
      HostIdentityStop,
      { props: { problem: { address: '10.0.0.5:8765', problem: 'unreachable' } } },
      'ru',
    )
    expect(ru.get('h1').text()).toBe('Этот хост не отвечает')
  })
})

describe('HostSafetyCode', () => {
  it('shows the host’s code and lets the person say they compared it', async () => {
    const api = { open_host: vi.fn(), set_host_verified: vi.fn(async () => ({ verified: true })) }
    desktopApi.value = api
    hostIdentities['10.0.0.5:8765'] = {
      safetyCode: changed.old_code,
      verified: false,
      firstContact: true,
    }
    const wrapper = mountWithI18n(HostSafetyCode, { props: { host: '10.0.0.5:8765' } }, 'ru')
    expect(wrapper.get('[data-testid="host-safety-toggle"]').text()).toBe('Не проверен')
    await wrapper.get('[data-testid="host-safety-toggle"]').trigger('click')
    expect(wrapper.get('[data-testid="host-safety-code"]').text()).toBe(changed.old_code)
    await wrapper.get('[data-testid="host-safety-verified"]').setValue(true)
    expect(api.set_host_verified).toHaveBeenCalledWith('10.0.0.5:8765', true)
    await vi.waitFor(() => expect(hostIdentities['10.0.0.5:8765'].verified).toBe(true))
    await nextTick()
    expect(wrapper.get('[data-testid="host-safety-toggle"]').text()).toBe('Проверен')
  })

  it('shows nothing for a host the window did not check (a browser, or its own server)', () => {
    const wrapper = mountWithI18n(HostSafetyCode, { props: { host: '10.0.0.9:8765' } })
    expect(wrapper.find('[data-testid="host-safety"]').exists()).toBe(false)
  })
})

describe('NewHostIdentity', () => {
  it('warns before it makes a new identity, then shows the new code, in both languages', async () => {
    for (const [locale, warning, done] of [
      ['en', 'Everyone who joined this host before', 'New identity made'],
      ['ru', 'Все, кто подключался к этому хосту раньше', 'Новая подлинность создана'],
    ]) {
      const make = vi.fn(async () => ({ safety_code: changed.new_code, fingerprint: 'x' }))
      const wrapper = mountWithI18n(NewHostIdentity, { props: { make } }, locale)
      await wrapper.get('[data-testid="new-host-identity-ask"]').trigger('click')
      expect(make).not.toHaveBeenCalled()
      expect(wrapper.text()).toContain(warning)
      await wrapper.get('[data-testid="new-host-identity-confirm"]').trigger('click')
      await vi.waitFor(() => expect(wrapper.emitted('made')).toHaveLength(1))
      expect(wrapper.get('[data-testid="new-host-identity-done"]').text()).toContain(done)
      expect(wrapper.get('[data-testid="new-host-identity-done"]').text()).toContain(
        changed.new_code,
      )
    }
  })
})
