// The UI's mirror of server/protocol.py: every frame type, limit, error code and
// close code the room socket uses, declared once. PROTOCOL.md explains each.

export const PROTOCOL_VERSION = 2

export const MAX_TEXT_CHARS = 4000
export const MAX_SENDER_CHARS = 32
export const MAX_ROOM_CHARS = 64
export const MAX_CLIENT_ID_CHARS = 64
export const RATE_LIMIT_BURST = 30
export const RATE_LIMIT_PER_SECOND = 10
export const HISTORY_ON_JOIN = 100
export const HISTORY_PAGE_MAX = 200

export const FrameType = Object.freeze({
  MESSAGE: 'message',
  TYPING: 'typing',
  ACK: 'ack',
  ERROR: 'error',
  WELCOME: 'welcome',
  PRESENCE: 'presence',
})

export const ErrorCode = Object.freeze({
  INVALID_JSON: 'invalid_json',
  INVALID_FRAME: 'invalid_frame',
  BINARY_NOT_SUPPORTED: 'binary_not_supported',
  FRAME_TOO_LARGE: 'frame_too_large',
  UNKNOWN_TYPE: 'unknown_type',
  TEXT_MISSING: 'text_missing',
  TEXT_EMPTY: 'text_empty',
  TEXT_TOO_LONG: 'text_too_long',
  SENDER_MISSING: 'sender_missing',
  SENDER_EMPTY: 'sender_empty',
  SENDER_TOO_LONG: 'sender_too_long',
  CLIENT_ID_INVALID: 'client_id_invalid',
  ROOM_INVALID: 'room_invalid',
  ROOM_MISMATCH: 'room_mismatch',
  QUERY_INVALID: 'query_invalid',
  ORIGIN_NOT_ALLOWED: 'origin_not_allowed',
  RATE_LIMITED: 'rate_limited',
  STORAGE_FAILED: 'storage_failed',
})

export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  MESSAGE_TOO_BIG: 1009,
  SERVICE_RESTART: 1012, // the server is restarting or stopping: reconnect with `after`
  ROOM_INVALID: 4001,
  QUERY_INVALID: 4002,
  ORIGIN_NOT_ALLOWED: 4003, // this page is not from that server, this machine or the local network
  TOO_SLOW: 4008, // we fell behind; reconnect with `after` to catch up
})

// Closes after which reconnecting would only be refused again.
export const FATAL_CLOSE_CODES = new Set([
  CloseCode.ROOM_INVALID,
  CloseCode.QUERY_INVALID,
  CloseCode.ORIGIN_NOT_ALLOWED,
])

/** Characters as the server counts them (code points, not UTF-16 units). */
export function charCount(text) {
  return Array.from(text).length
}

const ROOM_CHARS = /^[\p{L}\p{N} _.-]+$/u

/** Why a room name would be refused (an ErrorCode-like reason), or null when it is fine. */
export function roomProblem(room) {
  if (!room) return 'room_empty'
  if (charCount(room) > MAX_ROOM_CHARS) return 'room_too_long'
  if (!ROOM_CHARS.test(room)) return 'room_chars'
  if (room !== room.trim()) return 'room_spaces'
  if (/^\.+$/.test(room)) return 'room_dots'
  return null
}

/** Why a display name would be refused, or null. */
export function nameProblem(name) {
  const trimmed = (name ?? '').trim()
  if (!trimmed) return 'name_empty'
  if (charCount(trimmed) > MAX_SENDER_CHARS) return 'name_too_long'
  return null
}

export function roomSocketUrl(host, room, { name, after } = {}) {
  const params = new URLSearchParams({ v: String(PROTOCOL_VERSION) })
  if (name) params.set('name', name)
  if (after != null) params.set('after', String(after))
  return `ws://${host}/ws/${encodeURIComponent(room)}?${params}`
}

export function roomsUrl(host) {
  return `http://${host}/api/rooms`
}

export function historyUrl(host, room, { before, limit = HISTORY_PAGE_MAX } = {}) {
  const params = new URLSearchParams({ limit: String(limit) })
  if (before != null) params.set('before', String(before))
  return `http://${host}/api/rooms/${encodeURIComponent(room)}/messages?${params}`
}

export function messageFrame({ text, sender, room, clientId }) {
  return { type: FrameType.MESSAGE, text, sender, room, client_id: clientId }
}

export function typingFrame(sender) {
  return { type: FrameType.TYPING, sender }
}

/**
 * The one entry point for incoming frames: parse, then call handlers[frame.type].
 * Anything unexpected is reported loudly and ignored, so a newer server never
 * crashes an older UI.
 */
export function dispatchFrame(data, handlers) {
  let frame
  try {
    frame = JSON.parse(data)
  } catch (error) {
    console.error('lanchat: a frame that is not JSON arrived and was ignored:', data, error)
    return
  }
  const handler = frame && typeof frame === 'object' ? handlers[frame.type] : undefined
  if (typeof handler !== 'function') {
    console.error(`lanchat: unknown frame type ${JSON.stringify(frame?.type)} ignored:`, frame)
    return
  }
  handler(frame)
}
