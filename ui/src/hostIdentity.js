// Other hosts' identities, as the desktop window checks them. The window's page never talks TLS:
// before it joins another host (by address, link, QR code or discovery) it asks the window to
// reach the host through its pinned gateway (desktop/gateway.py). The window answers with the
// loopback address to use and the host's safety code, or with why not: a changed identity (the
// hard stop: nothing was sent), no TLS, no answer. In a plain browser there is no window: the
// page joins other hosts directly over https/wss.
import { reactive, shallowRef } from 'vue'
import { desktopApi } from './desktopBridge.js'
import { setHostRoute } from './hostRoutes.js'

/** address -> { safetyCode, verified, firstContact, changed? } of the hosts reached through the
 * window; `changed` is the stop ({ old_code, new_code }) while the host presents another key. */
export const hostIdentities = reactive({})
/** What stops joining a host now: { address, problem, old_code?, new_code? }, or null. */
export const hostProblem = shallowRef(null)
// Changed identities the person has seen and set aside ("Don't trust it"): the rooms on that host
// keep trying, and each refused try does not bring the screen back; the room shows it instead.
const setAside = new Set()
const problemKey = (problem) => `${problem.address} ${problem.new_code}`

function showProblem(problem, { again = false } = {}) {
  if (problem.problem === 'identity_changed') {
    hostIdentities[problem.address] = { ...hostIdentities[problem.address], changed: problem }
    if (again) setAside.delete(problemKey(problem))
    if (setAside.has(problemKey(problem))) return
  }
  hostProblem.value = problem
}

export const IDENTITY_EVENT = 'lanchat-host-identity'

function gatewayOf(api) {
  return api && typeof api.open_host === 'function' ? api : null
}

function remember(address, answer) {
  // A host that passed its pin check (or was trusted anew) has no changed identity to show.
  hostIdentities[address] = {
    safetyCode: answer.safety_code,
    verified: Boolean(answer.verified),
    // Listing a host's rooms is the first contact, joining one the second: both are new to it.
    firstContact: Boolean(answer.first_contact || hostIdentities[address]?.firstContact),
  }
}

/**
 * Whether the page may go on to `address` (it may: in a browser, for its own server, or once the
 * window reached the host and it passed its pin check). `fp` is the fingerprint the page was given
 * for it; `fpFrom` where from: 'link' (a join link or QR code) or 'list' (the hosts found around),
 * which the stop screen names when that key, not a pin, is the one the host failed.
 */
export async function reachHost(
  address,
  { fp = '', fpFrom = 'link', localHost = '', api = desktopApi.value } = {},
) {
  const gateway = gatewayOf(api)
  if (!gateway || address === localHost) return true
  let answer
  try {
    answer = await gateway.open_host(address, fp || '')
  } catch (error) {
    console.error('lanchat: the window could not reach', address, error)
    answer = { problem: 'unreachable' }
  }
  if (answer?.problem === 'unreachable') {
    // Joined the usual way: it fails as any join to a host that is not there does, and the
    // connection doctor says why. The gateway refuses the page's connections until the host has
    // been reached once (retry reaches it first).
    return routeOnly(gateway, address)
  }
  if (answer?.problem) {
    const given = answer.expected_from === 'link' && fp
    showProblem(
      { address, ...answer, ...(given ? { expected_from: fpFrom } : {}) },
      { again: true },
    )
    return false
  }
  setHostRoute(address, answer.via)
  remember(address, answer)
  return true
}

async function routeOnly(gateway, address) {
  try {
    const routes = (await gateway.host_routes([address])) ?? {}
    if (!routes[address]) return false
    setHostRoute(address, routes[address])
    return true
  } catch (error) {
    console.error('lanchat: the window could not route', address, error)
    return false
  }
}

/**
 * The rooms a restart brings back reach their hosts through the gateway from their first request:
 * routes first (no network contact), then what the window knows of each host's identity.
 */
export async function restoreHostRoutes(addresses, { api = desktopApi.value } = {}) {
  const gateway = gatewayOf(api)
  if (!gateway || !addresses.length) return
  try {
    const routes = (await gateway.host_routes(addresses)) ?? {}
    for (const [address, via] of Object.entries(routes)) setHostRoute(address, via)
  } catch (error) {
    console.error('lanchat: could not route the restored rooms through the window', error)
  }
  for (const address of addresses) refreshIdentity(address, gateway)
}

async function refreshIdentity(address, gateway) {
  try {
    const known = await gateway.host_identity(address)
    if (known?.problem) showProblem({ address, ...known })
    else if (known) remember(address, { ...known, first_contact: false })
    else {
      // A room joined before this window pinned hosts: the gateway refuses the page's
      // connections to a host it never checked, so the first contact is made now.
      const answer = await gateway.open_host(address, '')
      if (answer?.problem === 'identity_changed') showProblem({ address, ...answer })
      else if (!answer?.problem) remember(address, answer)
    }
  } catch (error) {
    console.error('lanchat: could not read what the window knows of', address, error)
  }
}

/** The window refused a host's connection (another identity): the page stops at once. */
export function listenForIdentityChanges(target = globalThis.window) {
  const onChange = (event) => {
    const detail = event.detail ?? {}
    if (detail.address && detail.problem) showProblem({ ...detail })
  }
  target.addEventListener(IDENTITY_EVENT, onChange)
  return () => target.removeEventListener(IDENTITY_EVENT, onChange)
}

/** Only the digits count: "12345 67890" and "1234567890" are one code. */
export function sameCode(typed, code) {
  const digits = (text) => String(text ?? '').replace(/\D/g, '')
  return digits(code).length > 0 && digits(typed) === digits(code)
}

/**
 * Trust the identity the host presents now, with its new code typed as the host's person reads
 * it (the window checks it too). The rooms on that host then reconnect on their own.
 */
export async function trustNewIdentity(address, typedCode, { api = desktopApi.value } = {}) {
  const answer = await gatewayOf(api).trust_host_identity(address, typedCode)
  setHostRoute(address, answer.via)
  remember(address, answer)
  if (hostProblem.value?.address === address) hostProblem.value = null
  return answer
}

export async function setHostVerified(address, verified, { api = desktopApi.value } = {}) {
  const answer = await gatewayOf(api).set_host_verified(address, verified)
  if (answer) hostIdentities[address] = { ...hostIdentities[address], verified: answer.verified }
  return answer
}

/** The person leaves the stop screen without trusting: it comes back when they join that host
 * again or open it from the room, not on each refused reconnect. */
export function dismissHostProblem() {
  if (hostProblem.value?.problem === 'identity_changed') setAside.add(problemKey(hostProblem.value))
  hostProblem.value = null
}

/** The stop screen again, from a room on a host whose identity changed. */
export function showHostProblem(address) {
  const changed = hostIdentities[address]?.changed
  if (changed) hostProblem.value = changed
}
