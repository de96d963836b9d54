import { describe, expect, it } from 'vitest'
import { DOCTOR_BUSY_RETRY_MS, useConnectionDoctor } from './useConnectionDoctor.js'

// Our server's answers, released by the test in the order it chooses.
function slowServer() {
  const pending = []
  const fetchImpl = (url) =>
    new Promise((resolve) => {
      const address = new URL(url).searchParams.get('address')
      pending.push({
        address,
        answer: (outcome) => resolve({ ok: true, json: async () => ({ address, outcome }) }),
      })
    })
  return { pending, fetchImpl }
}

describe('useConnectionDoctor', () => {
  it('shows the answer to the latest question, even when an earlier one answers after it', async () => {
    const server = slowServer()
    const doctor = useConnectionDoctor({ serverHost: '127.0.0.1:1', fetchImpl: server.fetchImpl })
    const first = doctor.diagnose('10.0.0.1:8765')
    const second = doctor.diagnose('10.0.0.2:8765')
    expect(doctor.diagnosis.value).toEqual({
      address: '10.0.0.2:8765',
      state: 'checking',
      result: null,
    })
    server.pending[1].answer('refused')
    await second
    server.pending[0].answer('ok')
    await first
    expect(doctor.diagnosis.value.result).toEqual({ address: '10.0.0.2:8765', outcome: 'refused' })
  })

  it('forgets a question cleared before its answer came', async () => {
    const server = slowServer()
    const doctor = useConnectionDoctor({ serverHost: '127.0.0.1:1', fetchImpl: server.fetchImpl })
    const asked = doctor.diagnose('10.0.0.1:8765')
    doctor.clear()
    server.pending[0].answer('ok')
    await asked
    expect(doctor.diagnosis.value).toBeNull()
  })

  it('asks the server to check the host against the fingerprint it is given', async () => {
    const urls = []
    const fetchImpl = async (url) => {
      urls.push(new URL(url))
      return { ok: true, json: async () => ({ outcome: 'identity_changed', step: 'identity' }) }
    }
    const doctor = useConnectionDoctor({ serverHost: '127.0.0.1:1', fetchImpl })
    await doctor.diagnose('10.0.0.1:8765', {
      fingerprint: 'JFyjrG_bEnBB1DPN2lqXdnFE_3Ei5kf13DD9mFP4c6U',
    })
    await doctor.diagnose('10.0.0.1:8765', {
      fingerprint: 'JFyjrG_bEnBB1DPN2lqXdnFE_3Ei5kf13DD9mFP4c6U',
      fingerprintFrom: 'list',
    })
    await doctor.diagnose('10.0.0.1:8765')
    // Where the page had it goes with it (a link's by default); with no fingerprint, neither.
    expect(
      urls.map((url) => [url.searchParams.get('fp'), url.searchParams.get('fp_from')]),
    ).toEqual([
      ['JFyjrG_bEnBB1DPN2lqXdnFE_3Ei5kf13DD9mFP4c6U', 'link'],
      ['JFyjrG_bEnBB1DPN2lqXdnFE_3Ei5kf13DD9mFP4c6U', 'list'],
      [null, null],
    ])
  })

  it('is unavailable when our server refuses to check (not this machine)', async () => {
    const fetchImpl = async () => ({ ok: false, status: 403, json: async () => ({}) })
    const doctor = useConnectionDoctor({ serverHost: '192.168.1.5:8765', fetchImpl })
    await doctor.diagnose('10.0.0.1:8765')
    expect(doctor.diagnosis.value).toEqual({
      address: '10.0.0.1:8765',
      state: 'unavailable',
      result: null,
    })
  })
})

describe('useConnectionDoctor while another check runs', () => {
  it('asks again after DOCTOR_BUSY_RETRY_MS while the server is busy with one', async () => {
    const answers = [
      { ok: false, status: 429, json: async () => ({}) },
      { ok: true, status: 200, json: async () => ({ outcome: 'refused' }) },
    ]
    const asked = []
    const fetchImpl = async () => {
      asked.push(Date.now())
      return answers.shift()
    }
    const doctor = useConnectionDoctor({ serverHost: '127.0.0.1:1', fetchImpl })
    await doctor.diagnose('10.0.0.1:8765')
    expect(doctor.diagnosis.value.result).toEqual({ outcome: 'refused' })
    expect(asked).toHaveLength(2)
    expect(asked[1] - asked[0]).toBeGreaterThanOrEqual(DOCTOR_BUSY_RETRY_MS - 5)
  })
})
