import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import process from 'node:process'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import JoinScreen from './JoinScreen.vue'
import { DOCTOR_HEADER } from '../composables/useConnectionDoctor.js'
import { mountWithI18n } from '../testing/mountWithI18n.js'

const localHost = '127.0.0.1:18765'
const there = '10.0.0.7:8765'

// Our server's answers, by path: the fetch boundary of the page.
function serverAnswering(diagnosis) {
  const asked = []
  const fetchImpl = vi.fn(async (url, init) => {
    asked.push({ url: String(url), init })
    if (String(url).includes('/api/diagnose') && diagnosis) {
      return { ok: true, status: 200, json: async () => diagnosis }
    }
    return { ok: false, status: 403, json: async () => ({}) }
  })
  vi.stubGlobal('fetch', fetchImpl)
  return asked
}

function mountJoin(props = {}, locale = 'en') {
  return mountWithI18n(
    JoinScreen,
    {
      props: { name: 'Alice', localRooms: { state: 'ready', rooms: [] }, localHost, ...props },
      attachTo: document.body,
    },
    locale,
  )
}

async function failJoinByAddress(wrapper, reason = 'refused') {
  await wrapper.get('#join-address').setValue(there)
  await wrapper.get('#join-remote-room').setValue('general')
  await wrapper.get('form[aria-label] button[type="submit"]').trigger('submit')
  expect(wrapper.emitted('join')).toEqual([[{ host: there, room: 'general' }]])
  await wrapper.setProps({
    joining: { host: there, room: 'general', address: there, failure: null },
  })
  await wrapper.setProps({
    joining: { host: there, room: 'general', address: there, failure: { reason } },
  })
  await flushPromises()
}

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('the connection doctor on the join screen', () => {
  it('names the failing step of a join by address beside that form, in English', async () => {
    const asked = serverAnswering({
      address: there,
      outcome: 'not_lanchat',
      step: 'health',
      detail: 'HTTP 404 nginx',
      resolved: ['10.0.0.7'],
      protocol: null,
    })
    const wrapper = mountJoin()
    await failJoinByAddress(wrapper)
    const doctorCall = asked.find(({ url }) => url.includes('/api/diagnose'))
    expect(doctorCall.url).toBe(`http://${localHost}/api/diagnose?address=10.0.0.7%3A8765&v=2`)
    expect(doctorCall.init.headers[DOCTOR_HEADER]).toBe('1')
    const doctor = wrapper.get('[data-testid="connection-doctor"]')
    expect(doctor.element.closest('details')).not.toBeNull() // beside the address form
    expect(doctor.get('[data-testid="doctor-what"]').text()).toBe(
      'Checked from this computer: something answers at 10.0.0.7:8765, but it is not lanchat.',
    )
    expect(doctor.get('[data-testid="doctor-next"]').text()).toContain(
      'Another program uses that port',
    )
    expect(doctor.findAll('li').map((li) => li.classes()[0])).toEqual([
      'passed',
      'passed',
      'passed',
      'passed',
      'failed',
      'untried',
      'untried',
    ])
  })

  it('names a port that does not speak TLS at the encryption step, in English', async () => {
    serverAnswering({ address: there, outcome: 'not_tls', step: 'tls', resolved: ['10.0.0.7'] })
    const wrapper = mountJoin()
    await failJoinByAddress(wrapper)
    const doctor = wrapper.get('[data-testid="connection-doctor"]')
    expect(doctor.get('[data-testid="doctor-what"]').text()).toBe(
      'Checked from this computer: something answers at 10.0.0.7:8765, but not with encryption (TLS).',
    )
    expect(doctor.get('[data-testid="doctor-next"]').text()).toContain('update lanchat there')
    const steps = doctor.findAll('li')
    expect(steps[2].classes()).toContain('failed')
    expect(steps[2].text()).toContain('Encryption (TLS)')
    expect(steps[3].classes()).toContain('untried')
  })

  it('says in Russian that a handshake refusing TLS 1.3 failed', async () => {
    serverAnswering({ address: there, outcome: 'tls_failed', step: 'tls', resolved: [] })
    const wrapper = mountJoin({}, 'ru')
    await failJoinByAddress(wrapper)
    expect(wrapper.get('[data-testid="doctor-what"]').text()).toBe(
      'Проверено с этого компьютера: не удалось установить шифрованное соединение (TLS 1.3) с 10.0.0.7:8765.',
    )
    expect(wrapper.findAll('li')[2].text()).toContain('Шифрование (TLS)')
  })

  it.each([
    [
      'en',
      'presented another identity',
      'Expected safety code 11111 22222 33333 44444 55555; it presented 66666 77777 88888 99999 00000.',
      'Host identity',
    ],
    [
      'ru',
      'предъявил не ту подлинность',
      'Ожидался код безопасности 11111 22222 33333 44444 55555, а предъявлен 66666 77777 88888 99999 00000.',
      'Подлинность хоста',
    ],
  ])('names a changed identity with both safety codes (%s)', async (locale, what, next, step) => {
    serverAnswering({
      address: there,
      outcome: 'identity_changed',
      step: 'identity',
      resolved: ['10.0.0.7'],
      safety_code: '66666 77777 88888 99999 00000',
      expected_safety_code: '11111 22222 33333 44444 55555',
    })
    const wrapper = mountJoin({}, locale)
    await failJoinByAddress(wrapper)
    expect(wrapper.get('[data-testid="doctor-what"]').text()).toContain(what)
    expect(wrapper.get('[data-testid="doctor-next"]').text()).toContain(next)
    const steps = wrapper.findAll('li')
    expect(steps.map((li) => li.classes()[0])).toEqual([
      'passed',
      'passed',
      'passed',
      'failed',
      'untried',
      'untried',
      'untried',
    ])
    expect(steps[3].text()).toContain(step)
  })

  // Whose key the host failed: the window's pin (trusted before), a join link's, a listing's.
  it.each([
    ['en', 'pin', 'than the one you trusted before.', 'Safety code you trusted: 11111'],
    ['en', 'link', 'than the one in the link you were given.', 'Safety code in the link: 11111'],
    ['en', 'list', 'than the one it was listed with.', 'Safety code it was listed with: 11111'],
    ['ru', 'pin', 'которой вы доверяли раньше.', 'Код безопасности, которому вы доверяли: 11111'],
    ['ru', 'link', 'которая указана в полученной вами ссылке.', 'Код безопасности в ссылке: 11111'],
    ['ru', 'list', 'с которой он был в списке хостов.', 'Код безопасности из списка хостов: 11111'],
  ])(
    'says where the expected key of a changed identity came from (%s, %s)',
    async (locale, from, what, next) => {
      serverAnswering({
        address: there,
        outcome: 'identity_changed',
        step: 'identity',
        resolved: ['10.0.0.7'],
        safety_code: '66666 77777 88888 99999 00000',
        expected_safety_code: '11111 22222 33333 44444 55555',
        expected_from: from,
      })
      const wrapper = mountJoin({}, locale)
      await failJoinByAddress(wrapper)
      const said = wrapper.get('[data-testid="doctor-what"]').text()
      expect(said).toContain(what)
      expect(said).not.toMatch(/this app trusts|доверяет это приложение/)
      expect(wrapper.get('[data-testid="doctor-next"]').text()).toContain(next)
      expect(wrapper.get('[data-testid="doctor-next"]').text()).toContain('66666 77777')
    },
  )

  it('says in Russian that nothing listens on the port', async () => {
    serverAnswering({ address: there, outcome: 'refused', step: 'connect', resolved: [] })
    const wrapper = mountJoin({}, 'ru')
    await failJoinByAddress(wrapper)
    expect(wrapper.get('[data-testid="doctor-what"]').text()).toBe(
      'Проверено с этого компьютера: 10.0.0.7 на месте, но порт 8765 никто не слушает.',
    )
    expect(wrapper.get('[data-testid="doctor-next"]').text()).toContain('Проверьте порт')
  })

  it('says less, and what to check, when our server cannot check (a browser elsewhere)', async () => {
    serverAnswering(null)
    const wrapper = mountJoin()
    await failJoinByAddress(wrapper, 'unreachable')
    const status = wrapper.get('[data-testid="join-status"]')
    expect(status.text()).toContain('Could not reach 10.0.0.7:8765')
    expect(status.get('[data-testid="doctor-next"]').text()).toContain(
      'This page cannot check further from here.',
    )
    expect(status.find('[data-testid="doctor-what"]').text()).toBe('')
    expect(status.findAll('li')).toHaveLength(0)
  })

  it('does not check a refusal that the host explained with a code', async () => {
    const asked = serverAnswering({ outcome: 'ok', step: null })
    const wrapper = mountJoin()
    await failJoinByAddress(wrapper, 'rejected')
    expect(asked.some(({ url }) => url.includes('/api/diagnose'))).toBe(false)
    expect(wrapper.find('[data-testid="connection-doctor"]').exists()).toBe(false)
  })

  it('explains a Show rooms that failed next to that list', async () => {
    serverAnswering({ address: there, outcome: 'no_answer', step: 'connect', resolved: [] })
    const wrapper = mountJoin()
    await wrapper.get('#join-address').setValue(there)
    await wrapper.setProps({ remoteRooms: { host: there, state: 'loading', rooms: [] } })
    await wrapper.setProps({ remoteRooms: { host: there, state: 'failed', rooms: [] } })
    await flushPromises()
    const doctor = wrapper.get('details [data-testid="connection-doctor"]')
    expect(doctor.text()).toContain('nothing at 10.0.0.7:8765 answered at all')
    expect(doctor.text()).toContain('A firewall on that computer')
  })

  it('drops what it found for a join once another address is typed', async () => {
    serverAnswering({ address: there, outcome: 'refused', step: 'connect', resolved: [] })
    const wrapper = mountJoin()
    await failJoinByAddress(wrapper)
    expect(wrapper.find('[data-testid="doctor-what"]').text()).toContain('10.0.0.7')
    await wrapper.get('#join-address').setValue('10.0.0.8:8765')
    expect(wrapper.find('[data-testid="doctor-what"]').exists()).toBe(false)
    // The failed join to the old address goes too: its Retry would try that one again.
    expect(wrapper.emitted('cancel')).toHaveLength(1)
  })

  it('drops what it found for a join once the next check of that address lists its rooms', async () => {
    serverAnswering({ address: there, outcome: 'refused', step: 'connect', resolved: [] })
    const wrapper = mountJoin()
    await failJoinByAddress(wrapper)
    expect(wrapper.find('[data-testid="doctor-what"]').exists()).toBe(true)
    await wrapper.setProps({ remoteRooms: { host: there, state: 'loading', rooms: [] } })
    await wrapper.setProps({
      remoteRooms: { host: there, state: 'ready', rooms: [{ room: 'general', members: 1 }] },
    })
    await flushPromises()
    expect(wrapper.find('[data-testid="doctor-what"]').exists()).toBe(false)
  })

  it('checks again when Show rooms fails for another address, and drops the old result', async () => {
    const asked = serverAnswering({ address: there, outcome: 'refused', step: 'connect' })
    const wrapper = mountJoin()
    await wrapper.get('#join-address').setValue(there)
    await wrapper.setProps({ remoteRooms: { host: there, state: 'failed', rooms: [] } })
    await flushPromises()
    expect(wrapper.get('[data-testid="doctor-what"]').text()).toContain('10.0.0.7')
    const other = '10.0.0.8:8765'
    await wrapper.get('#join-address').setValue(other)
    await wrapper.setProps({ remoteRooms: { host: other, state: 'failed', rooms: [] } })
    await flushPromises()
    const checked = asked.filter(({ url }) => url.includes('/api/diagnose'))
    expect(checked.map(({ url }) => new URL(url).searchParams.get('address'))).toEqual([
      there,
      other,
    ])
  })

  it('has words for every outcome and step in both languages', async () => {
    const { default: en } = await import('../locales/en.js')
    const { default: ru } = await import('../locales/ru.js')
    for (const locale of [en, ru]) {
      expect(Object.keys(locale.doctor.outcome).sort()).toEqual(Object.keys(en.doctor.next).sort())
      expect(Object.keys(locale.doctor.next).sort()).toEqual(Object.keys(ru.doctor.next).sort())
      expect(Object.keys(locale.doctor.step)).toEqual([
        'resolve',
        'connect',
        'health',
        'protocol',
        'upgrade',
      ])
      expect(Object.keys(locale.doctorTls.step)).toEqual(['tls', 'identity'])
      expect(Object.keys(locale.doctorTls.outcome).sort()).toEqual(
        Object.keys(en.doctorTls.next).sort(),
      )
      expect(Object.keys(locale.doctorTls.next).sort()).toEqual(
        Object.keys(ru.doctorTls.next).sort(),
      )
    }
  })

  it('has words for every step and outcome the server names (server/peers/doctor.py)', async () => {
    const { default: en } = await import('../locales/en.js')
    const { DOCTOR_STEPS } = await import('./ConnectionDoctor.vue')
    // Vitest runs in ui/: the server's doctor is beside it.
    const doctorSource = readFileSync(
      join(process.cwd(), '..', 'server', 'peers', 'doctor.py'),
      'utf8',
    )
    const enumValues = (name) => {
      const body = doctorSource.split(`class ${name}(StrEnum):`)[1].split('\n\n\n')[0]
      return [...body.matchAll(/^ {4}[A-Z_]+ = "([a-z_]+)"/gm)].map((match) => match[1])
    }
    expect(enumValues('Step')).toEqual([...DOCTOR_STEPS])
    const outcomes = new Set([
      ...Object.keys(en.doctor.outcome),
      ...Object.keys(en.doctorTls.outcome),
    ])
    for (const outcome of enumValues('Outcome')) expect(outcomes).toContain(outcome)
  })
})
