// The UI side of the room protocol. Limits, codes and frame types come from
// server/protocol.py through the generated module; this file keeps only what the
// UI does with them: URLs, outgoing frames, name rules and the one dispatch point.
import {
  CloseCode,
  FrameType,
  HISTORY_PAGE_MAX,
  MAX_ROOM_CHARS,
  MAX_SENDER_CHARS,
  PROTOCOL_VERSION,
  ROOM_NAME_PUNCTUATION,
} from './protocol.generated.js'

export {
  CloseCode,
  DEFAULT_LIMITS,
  ErrorCode,
  FrameType,
  HISTORY_PAGE_MAX,
} from './protocol.generated.js'

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

// Letters and digits of any script plus the server's punctuation, as in server/rules.py.
const ROOM_CHARS = new RegExp(
  `^[\\p{L}\\p{N}${ROOM_NAME_PUNCTUATION.replace(/[\\\]^-]/g, '\\$&')}]+$`,
  'u',
)

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
