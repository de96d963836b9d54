import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  IDENTITY_EVENT,
  dismissHostProblem,
  hostIdentities,
  hostProblem,
  listenForIdentityChanges,
  reachHost,
  restoreHostRoutes,
  sameCode,
  showHostProblem,
  trustNewIdentity,
} from './hostIdentity.js'
import { clearHostRoutes, routeTo } from './hostRoutes.js'
import { fileUrl, historyUrl, roomSocketUrl, roomsUrl, uploadsUrl } from './protocol.js'

const OLD = '11111 22222 33333 44444 55555'
const NEW = '66666 77777 88888 99999 00000'

/** The window's bridge at the boundary: what desktop/bridge.py answers. */
function fakeBridge(answers = {}) {
  return {
    open_host: vi.fn(
      async () =>
        answers.open ?? {
          via: '127.0.0.1:40111',
          safety_code: OLD,
          first_contact: true,
          verified: false,
        },
    ),
    host_routes: vi.fn(async (addresses) =>
      Object.fromEntries(addresses.map((a, i) => [a, `127.0.0.1:4020${i}`])),
    ),
    host_identity: vi.fn(async () => answers.identity ?? { safety_code: OLD, verified: true }),
    trust_host_identity: vi.fn(async () => ({
      via: '127.0.0.1:40111',
      safety_code: NEW,
      first_contact: false,
      verified: true,
    })),
    set_host_verified: vi.fn(async () => ({ safety_code: OLD, verified: true })),
  }
}

afterEach(() => {
  clearHostRoutes()
  hostProblem.value = null // not set aside: each test starts from nothing seen
  for (const key of Object.keys(hostIdentities)) delete hostIdentities[key]
})

describe('reaching another host from the window', () => {
  it('goes through the gateway: every URL of that host names the loopback address, in plain http/ws', async () => {
    const api = fakeBridge()
    expect(await reachHost('10.0.0.5:8765', { fp: 'FP', api })).toBe(true)
    expect(api.open_host).toHaveBeenCalledWith('10.0.0.5:8765', 'FP')
    expect(routeTo('10.0.0.5:8765')).toBe('127.0.0.1:40111')
    expect(roomSocketUrl('10.0.0.5:8765', 'kitchen')).toBe('ws://127.0.0.1:40111/ws/kitchen?v=2')
    expect(roomsUrl('10.0.0.5:8765')).toBe('http://127.0.0.1:40111/api/rooms')
    expect(historyUrl('10.0.0.5:8765', 'kitchen')).toMatch(/^http:\/\/127\.0\.0\.1:40111\//)
    expect(uploadsUrl('10.0.0.5:8765')).toBe('http://127.0.0.1:40111/api/uploads')
    expect(fileUrl('10.0.0.5:8765', { id: 'abc', name: 'a b' })).toBe(
      'http://127.0.0.1:40111/api/files/abc/a%20b',
    )
    expect(hostIdentities['10.0.0.5:8765']).toEqual({
      safetyCode: OLD,
      verified: false,
      firstContact: true,
    })
  })

  it('stops on a changed identity and routes nothing', async () => {
    const api = fakeBridge({ open: { problem: 'identity_changed', old_code: OLD, new_code: NEW } })
    expect(await reachHost('10.0.0.5:8765', { api })).toBe(false)
    expect(hostProblem.value).toEqual({
      address: '10.0.0.5:8765',
      problem: 'identity_changed',
      old_code: OLD,
      new_code: NEW,
    })
    expect(routeTo('10.0.0.5:8765')).toBe('10.0.0.5:8765')
  })

  it('names where the key the host failed came from: the link, or the list of hosts found', async () => {
    const refusal = { problem: 'identity_changed', old_code: OLD, new_code: NEW }
    const byLink = fakeBridge({ open: { ...refusal, expected_from: 'link' } })
    expect(await reachHost('10.0.0.5:8765', { fp: 'FP', api: byLink })).toBe(false)
    expect(hostProblem.value.expected_from).toBe('link')
    const byList = fakeBridge({ open: { ...refusal, expected_from: 'link' } })
    expect(await reachHost('10.0.0.6:8765', { fp: 'FP', fpFrom: 'list', api: byList })).toBe(false)
    expect(hostProblem.value.expected_from).toBe('list')
    // A pin decides whatever the page gave: then the window's earlier visit is what is named.
    const pinned = fakeBridge({ open: { ...refusal, expected_from: 'pin' } })
    expect(await reachHost('10.0.0.7:8765', { fp: 'FP', fpFrom: 'list', api: pinned })).toBe(false)
    expect(hostProblem.value.expected_from).toBe('pin')
  })

  it('asks nothing of a browser (it joins directly over https) or for the window’s own server', async () => {
    expect(await reachHost('10.0.0.5:8765', { api: null })).toBe(true)
    expect(roomSocketUrl('10.0.0.5:8765', 'kitchen')).toMatch(/^wss:\/\/10\.0\.0\.5:8765\//)
    const api = fakeBridge()
    expect(await reachHost('127.0.0.1:8765', { api, localHost: '127.0.0.1:8765' })).toBe(true)
    expect(api.open_host).not.toHaveBeenCalled()
  })

  it('joins a host that does not answer the usual way, through the gateway, for the doctor to explain', async () => {
    const api = fakeBridge({ open: { problem: 'unreachable' } })
    expect(await reachHost('10.0.0.5:8765', { api })).toBe(true)
    expect(api.host_routes).toHaveBeenCalledWith(['10.0.0.5:8765'])
    expect(routeTo('10.0.0.5:8765')).toBe('127.0.0.1:40200')
    expect(hostProblem.value).toBe(null)
  })

  it('stops on a host that answers without TLS', async () => {
    const api = fakeBridge({ open: { problem: 'tls_failed' } })
    expect(await reachHost('10.0.0.5:8765', { api })).toBe(false)
    expect(hostProblem.value.problem).toBe('tls_failed')
  })

  it('routes the rooms a restart brings back before they connect, then reads their codes', async () => {
    const api = fakeBridge()
    await restoreHostRoutes(['10.0.0.5:8765', 'pc.local:8765'], { api })
    expect(routeTo('10.0.0.5:8765')).toBe('127.0.0.1:40200')
    expect(routeTo('pc.local:8765')).toBe('127.0.0.1:40201')
    await vi.waitFor(() => expect(hostIdentities['pc.local:8765']?.verified).toBe(true))
  })

  it('makes the first contact now for a restored host the window never checked', async () => {
    const api = fakeBridge()
    api.host_identity.mockResolvedValue(null)
    await restoreHostRoutes(['10.0.0.8:8765'], { api })
    await vi.waitFor(() => expect(api.open_host).toHaveBeenCalledWith('10.0.0.8:8765', ''))
    await vi.waitFor(() => expect(hostIdentities['10.0.0.8:8765']?.firstContact).toBe(true))
  })

  it('shows the hard stop when the window tells of a changed identity, and trusts only through the bridge', async () => {
    const stop = listenForIdentityChanges(window)
    const detail = {
      address: '10.0.0.5:8765',
      problem: 'identity_changed',
      old_code: OLD,
      new_code: NEW,
    }
    window.dispatchEvent(new CustomEvent(IDENTITY_EVENT, { detail }))
    expect(hostProblem.value).toEqual(detail)
    const api = fakeBridge()
    await trustNewIdentity('10.0.0.5:8765', NEW, { api })
    expect(api.trust_host_identity).toHaveBeenCalledWith('10.0.0.5:8765', NEW)
    expect(hostProblem.value).toBe(null)
    expect(hostIdentities['10.0.0.5:8765'].safetyCode).toBe(NEW)
    stop()
  })
})

describe('a changed identity set aside', () => {
  it('does not come back on each refused reconnect, but when the person joins or opens it again', async () => {
    const stop = listenForIdentityChanges(window)
    const detail = {
      address: '10.0.0.7:8765',
      problem: 'identity_changed',
      old_code: OLD,
      new_code: NEW,
    }
    window.dispatchEvent(new CustomEvent(IDENTITY_EVENT, { detail }))
    dismissHostProblem()
    window.dispatchEvent(new CustomEvent(IDENTITY_EVENT, { detail }))
    expect(hostProblem.value).toBe(null)
    expect(hostIdentities['10.0.0.7:8765'].changed).toEqual(detail)
    showHostProblem('10.0.0.7:8765')
    expect(hostProblem.value).toEqual(detail)
    dismissHostProblem()
    const api = fakeBridge({ open: { problem: 'identity_changed', old_code: OLD, new_code: NEW } })
    expect(await reachHost('10.0.0.7:8765', { api })).toBe(false)
    expect(hostProblem.value).toEqual(detail)
    stop()
  })
})

describe('sameCode', () => {
  it('compares the digits alone, and never an empty code', () => {
    expect(sameCode('6666677777888889999900000', NEW)).toBe(true)
    expect(sameCode(' 66666-77777 88888 99999 00000 ', NEW)).toBe(true)
    expect(sameCode(OLD, NEW)).toBe(false)
    expect(sameCode('', '')).toBe(false)
  })
})
