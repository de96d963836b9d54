// Reading the address of another host as people type or paste it:
// "192.168.1.20:8765", "pc-anna.local:8765", "[fe80::1]:8765" or the
// "https://ADDRESS:PORT/#fp=..." the Host panel copies (the host's whole fingerprint, which the
// window pins before its first byte to that host).
import { roomProblem } from './protocol.js'

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
const IPV6 = /^[0-9A-Fa-f:.]+(%[\w.-]+)?$/

/**
 * `{ host: "name:port" }` for a usable address, or `{ problem }` naming what is wrong
 * (address_empty, address_port_missing, address_port_invalid, address_host_invalid).
 */
export function parseAddress(input) {
  let text = (input ?? '').trim()
  if (!text) return { problem: 'address_empty' }
  text = text.replace(/^(?:https?|wss?):\/\//i, '').replace(/\/.*$/, '')
  const match = /^(\[[^\]]+\]|[^:]+):(.*)$/.exec(text)
  if (!match) return { problem: 'address_port_missing' }
  const [, hostPart, portPart] = match
  if (!/^\d{1,5}$/.test(portPart) || Number(portPart) < 1 || Number(portPart) > 65535) {
    return { problem: 'address_port_invalid' }
  }
  if (!validHost(hostPart)) return { problem: 'address_host_invalid' }
  return { host: `${hostPart.toLowerCase()}:${Number(portPart)}` }
}

function validHost(host) {
  if (host.startsWith('[')) return IPV6.test(host.slice(1, -1)) && host.includes(':')
  const v4 = IPV4.exec(host)
  if (v4) return v4.slice(1).every((part) => Number(part) <= 255)
  return HOSTNAME.test(host) && !/^\d+$/.test(host.split('.').pop())
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * "name:port" of the lanchat server this page belongs to: the one that served it, or, in the
 * desktop window (whose page pywebview's own HTTP server serves), the loopback server its
 * `?server=` names. Only a page on loopback may name one, and only a loopback one, so a link
 * cannot point a browser's rooms on this host elsewhere.
 */
export function localServerHost(location = globalThis.location) {
  const named = new URLSearchParams(location.search).get('server')
  if (named != null && LOOPBACK_HOSTS.has(location.hostname)) {
    const { host } = parseAddress(named)
    if (host && LOOPBACK_HOSTS.has(host.replace(/:\d+$/, ''))) return host
  }
  return location.host
}

/**
 * Whether an IP address (as the server reports a member's) is this machine's own loopback:
 * 127.0.0.0/8, ::1, or 127.x inside an IPv4-mapped IPv6 address. The server refuses to ban those
 * (the window's own page connects from them), so they are never offered.
 */
export function isLoopbackAddress(address) {
  const text = String(address ?? '')
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
  if (text === '::1' || /^(?:0{1,4}:){7}0{0,3}1$/.test(text)) return true
  const v4 = /^(?:(?:0{1,4}:){5}ffff:|::ffff:)?(\d{1,3})\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.exec(text)
  return Boolean(v4) && v4[1] === '127'
}

/**
 * A host's address or join link typed or pasted where a room name goes ("10.0.0.5:8765",
 * "http://10.0.0.5:8765/#room=kitchen"): `{ host, room }`, room '' when the link names none or
 * one that cannot be a room. Null for anything else; a room name never has a colon, so a name is
 * never taken for an address.
 */
export function addressInRoomField(input) {
  const text = (input ?? '').trim()
  if (!text.includes(':')) return null
  const { host } = parseAddress(text.replace(/[?#].*$/, ''))
  if (!host) return null
  const fp = fingerprintInLink(text)
  return fp ? { host, room: roomNamedIn(text), fp } : { host, room: roomNamedIn(text) }
}

// SHA-256 in base64url without padding: 43 characters (server/tls/safety_code.py).
const FINGERPRINT = /^[A-Za-z0-9_-]{43}$/

/** The host fingerprint a join link carries after `#fp=` ('' when it carries none or a bad one). */
export function fingerprintInLink(link) {
  const fragment = String(link ?? '').split('#')[1]
  if (!fragment) return ''
  let fp
  try {
    fp = new URLSearchParams(fragment).get('fp')
  } catch {
    fp = null
  }
  return fp && FINGERPRINT.test(fp) ? fp : ''
}

function roomNamedIn(link) {
  const afterHost = link.replace(/^(?:https?|wss?):\/\/[^/?#]*/i, '')
  for (const part of [afterHost.split('#')[1], afterHost.split('#')[0].split('?')[1]]) {
    if (!part) continue
    let room
    try {
      room = new URLSearchParams(part).get('room')
    } catch {
      room = null
    }
    if (room && !roomProblem(room)) return room
  }
  return ''
}
