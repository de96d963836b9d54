// The UI side of the room protocol. Limits, codes and frame types come from
// server/protocol/ through the generated module; this file keeps only what the
// UI does with them: URLs, outgoing frames, name rules and the one dispatch point.
import {
  CloseCode,
  DEFAULT_LIMITS,
  FrameType,
  HISTORY_PAGE_MAX,
  MAX_ROOM_CHARS,
  MAX_SENDER_CHARS,
  PROTOCOL_VERSION,
  ROOM_LIST_PAGE,
  ROOM_NAME_PUNCTUATION,
  SEARCH_PAGE,
} from './protocol.generated.js'
import { routeTo } from './hostRoutes.js'

export {
  CloseCode,
  DEFAULT_LIMITS,
  EDIT_WINDOW_SECONDS,
  ErrorCode,
  HISTORY_PAGE_MAX,
  MAX_EDIT_WINDOW_HOURS,
  MAX_REACTION_CHARS,
  MAX_REACTIONS_PER_MESSAGE,
  MAX_ROOM_CHARS,
  MAX_SENDER_CHARS,
  MIN_ROOM_PASSWORD_CHARS,
  MAX_ROOM_PASSWORD_CHARS,
  ROOM_TOKEN_HEADER,
  PROTOCOL_VERSION,
  ROOM_LIST_PAGE,
  ROOM_LIST_PAGE_MAX,
  MAX_SEARCH_QUERY_CHARS,
  SEARCH_PAGE,
  SEEN_SEND_INTERVAL_SECONDS,
} from './protocol.generated.js'

// Closes after which reconnecting would only be refused again.
export const FATAL_CLOSE_CODES = new Set([
  CloseCode.ROOM_INVALID,
  CloseCode.QUERY_INVALID,
  CloseCode.ORIGIN_NOT_ALLOWED,
  CloseCode.TOO_MANY_ROOMS,
  CloseCode.ROOM_FULL,
  CloseCode.TOO_MANY_NEW_ROOMS,
  // The host removed us (we may join again, but by choice, not at once) or banned us.
  CloseCode.REMOVED,
  CloseCode.BANNED,
  // A private room's door: the UI asks for the password, then tries again itself.
  CloseCode.PASSWORD_REQUIRED,
  CloseCode.PASSWORD_WRONG,
  CloseCode.PASSWORD_LOCKED,
  // Plain ws:// from the network to a private or direct room: only the https address will do.
  CloseCode.ENCRYPTION_REQUIRED,
])

/** Characters as the server counts them (code points, not UTF-16 units). */
export function charCount(text) {
  return Array.from(text).length
}

// Letters and digits of any script plus the server's punctuation, as in server/rooms/validation.py.
const ROOM_CHARS = new RegExp(
  `^[\\p{L}\\p{N}${ROOM_NAME_PUNCTUATION.replace(/[\\\]^-]/g, '\\$&')}]+$`,
  'u',
)

// Letters that draw nothing (Hangul fillers) pass ROOM_CHARS as letters; the server refuses them.
const HIDDEN_IN_ROOM = /[\p{Default_Ignorable_Code_Point}\u2800]/u

/** Why a room name would be refused (an ErrorCode-like reason), or null when it is fine. */
export function roomProblem(room) {
  if (!room) return 'room_empty'
  if (charCount(room) > MAX_ROOM_CHARS) return 'room_too_long'
  if (!ROOM_CHARS.test(room) || HIDDEN_IN_ROOM.test(room)) return 'room_chars'
  if (room !== room.trim()) return 'room_spaces'
  if (/^\.+$/.test(room)) return 'room_dots'
  return null
}

// The server's name rules (server/rooms/validation.py validate_sender, name_key), checked against the same
// table (tests/cases/names.json). Whitespace as Python's str.isspace() sees it: not U+FEFF, but
// U+001C to U+001F (the information separators) are.
const SPACE = '[\\p{White_Space}\\u001c-\\u001f]+'
const EDGE_SPACE = new RegExp(`^${SPACE}|${SPACE}$`, 'gu')
const SPACE_RUN = new RegExp(SPACE, 'u')
// Controls, formatting (bidi overrides, zero-width), separators, and letters that draw nothing.
// Default_Ignorable_Code_Point: what a renderer draws as nothing ("Alice" + U+034F looks like "Alice").
const FORBIDDEN =
  /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u115f\u1160\u3164\uffa0\u2800]/u
// An emoji's text or emoji style selector, allowed right after a symbol.
const EMOJI_SELECTORS = new Set(['\ufe0e', '\ufe0f'])
const JOINERS = new Set(['\u200c', '\u200d'])
const joinable = (ch) => ch > '\x7f' && /[\p{L}\p{M}\p{S}]/u.test(ch)
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u

/** A name as the server keeps it: trimmed, NFC. */
export function cleanName(name) {
  return (name ?? '').replace(EDGE_SPACE, '').normalize('NFC')
}

function hasHiddenCharacters(name) {
  const chars = Array.from(name)
  return chars.some((ch, index) => {
    if (JOINERS.has(ch) && index > 0 && index < chars.length - 1)
      if (joinable(chars[index - 1]) && joinable(chars[index + 1])) return false
    if (EMOJI_SELECTORS.has(ch) && index > 0 && /\p{S}/u.test(chars[index - 1])) return false
    return FORBIDDEN.test(ch)
  })
}

/** Why a display name would be refused, or null. */
export function nameProblem(name) {
  const cleaned = cleanName(name)
  if (!cleaned) return 'name_empty'
  if (charCount(cleaned) > MAX_SENDER_CHARS) return 'name_too_long'
  if (hasHiddenCharacters(cleaned) || !VISIBLE.test(cleaned)) return 'name_invalid'
  return null
}

/** What two names share when they are the same name in a room (case, joiners and spacing aside). */
export function nameKey(name) {
  const visible = Array.from(cleanName(name))
    .filter((ch) => !JOINERS.has(ch))
    .join('')
  // Upper then lower case folds as Python's casefold does for the letters that matter (ß: ss).
  return visible
    .split(SPACE_RUN)
    .filter(Boolean)
    .join(' ')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFC')
}

/**
 * Whether lanchat at `host` ("name:port") is spoken to over TLS. Every host serves TLS to the
 * network and plain HTTP to this machine only (the window and its own loopback server, or the
 * gateway the window keeps to another host); a page uses its own scheme for the host that served it
 * (a host may let browsers in without encryption).
 */
export function isSecureHost(host, location = globalThis.location) {
  if (location?.host && host === location.host) return location.protocol === 'https:'
  return !isThisMachine(host)
}

const LOOPBACK_NAME = /^(localhost|\[::1\]|127\.\d+\.\d+\.\d+)$/i

/** Whether `host` ("name:port") names this machine: its loopback, never seen on the network. */
export function isThisMachine(host) {
  return LOOPBACK_NAME.test(String(host).replace(/:\d+$/, ''))
}

/**
 * Whether what this page says to lanchat at `host` crosses the network readable: plain HTTP to a
 * host that is not on this machine (one that lets browsers in without encryption).
 */
export function travelsInClear(host, location = globalThis.location) {
  return !isSecureHost(host, location) && !isThisMachine(host)
}

function httpBase(host) {
  const target = routeTo(host)
  return `${isSecureHost(target) ? 'https' : 'http'}://${target}`
}

export function roomSocketUrl(host, room, { name, after } = {}) {
  const params = new URLSearchParams({ v: String(PROTOCOL_VERSION) })
  if (name) params.set('name', name)
  if (after != null) params.set('after', String(after))
  const target = routeTo(host)
  return `${isSecureHost(target) ? 'wss' : 'ws'}://${target}/ws/${encodeURIComponent(room)}?${params}`
}

/** The host's identity as people compare it (its safety code), and whether this page is encrypted. */
export function identityUrl(host) {
  return `${httpBase(host)}/api/identity`
}

/** A page of a host's room list; the server's own page size and the first page unless asked. */
export function roomsUrl(host, { offset = 0, limit = ROOM_LIST_PAGE } = {}) {
  const params = new URLSearchParams()
  if (offset) params.set('offset', String(offset))
  if (limit !== ROOM_LIST_PAGE) params.set('limit', String(limit))
  const query = params.toString()
  return `${httpBase(host)}/api/rooms${query ? `?${query}` : ''}`
}

export function historyUrl(host, room, { before, around, limit = HISTORY_PAGE_MAX } = {}) {
  const params = new URLSearchParams({ limit: String(limit) })
  if (before != null) params.set('before', String(before))
  if (around != null) params.set('around', String(around))
  return `${httpBase(host)}/api/rooms/${encodeURIComponent(room)}/messages?${params}`
}

export function messageFrame({ text, sender, room, clientId, attachments, replyTo }) {
  const frame = { type: FrameType.MESSAGE, text, sender, room, client_id: clientId }
  if (attachments?.length) frame.attachments = attachments
  if (replyTo != null) frame.reply_to = replyTo
  return frame
}

/** Where tus creates uploads (server/protocol/PROTOCOL.md, Files). */
export function uploadsUrl(host) {
  return `${httpBase(host)}/api/uploads`
}

/** An attachment's bytes, under its real name (the host's Content-Disposition names it too). */
export function fileUrl(host, attachment) {
  return `${httpBase(host)}/api/files/${encodeURIComponent(attachment.id)}/${encodeURIComponent(attachment.name)}`
}

export function thumbnailUrl(host, attachment) {
  return `${httpBase(host)}/api/files/${encodeURIComponent(attachment.id)}/thumbnail`
}

/** Trades a private room's token for the cookie that lets <img> and links open its files. */
export function roomAccessUrl(host, room) {
  return `${httpBase(host)}/api/rooms/${encodeURIComponent(room)}/access`
}

/** GET /api/search: the messages holding every word of `query`, in the rooms we may read. */
export function searchUrl(host, { query, offset = 0, limit = SEARCH_PAGE }) {
  const params = new URLSearchParams({ q: query, offset: String(offset), limit: String(limit) })
  return `${httpBase(host)}/api/search?${params}`
}

/** A new text for our own message `id`. */
export function editFrame(id, text) {
  return { type: FrameType.EDIT, id, text }
}

/** Delete our own message `id`. */
export function deleteFrame(id) {
  return { type: FrameType.DELETE, id }
}

/** Put our `emoji` on message `id` (`on`) or take it back: explicit, never a toggle. */
export function reactFrame(id, emoji, on) {
  return { type: FrameType.REACT, id, emoji, on: Boolean(on) }
}

/**
 * Our first frame on every connection: who we are, never in the URL. `receipts: false` opts out
 * of read receipts both ways (said only then, so the frame is the older one otherwise).
 */
export function helloFrame(secret, { receipts = true } = {}) {
  return receipts ? { type: FrameType.HELLO, secret } : { type: FrameType.HELLO, secret, receipts }
}

/** We have shown the room up to position `id` (read receipts). */
export function seenFrame(id) {
  return { type: FrameType.SEEN, id }
}

/** A private room's first frame, before the hello: never in the URL. */
export function passwordFrame(password) {
  return { type: FrameType.PASSWORD, password }
}

/** A private room's door opened with a token its host issued for it (the host's own window). */
export function passFrame(token) {
  return { type: FrameType.PASSWORD, token }
}

export function typingFrame(sender) {
  return { type: FrameType.TYPING, sender }
}

// What each incoming frame must hold, as server/protocol/ declares it. A host we
// join may be hostile or broken: a frame that breaks its shape is ignored, not shown
// (a `text` that is an object must never reach the room view). Extra fields are fine.
const isText = (value) => typeof value === 'string'
const isId = (value) => Number.isSafeInteger(value) && value >= 0
const isNumber = (value) => typeof value === 'number' && Number.isFinite(value)
const optional = (check) => (value) => value === undefined || check(value)
const isNames = (value) => Array.isArray(value) && value.every(isText)
const isReceipt = (value) =>
  Boolean(value) && isText(value.identity) && isText(value.name) && isId(value.id)
const isReceipts = (value) => Array.isArray(value) && value.every(isReceipt)
const isSize = (value) => Number.isSafeInteger(value) && value > 0
const isAttachment = (value) =>
  Boolean(value) &&
  typeof value === 'object' &&
  isText(value.id) &&
  isText(value.name) &&
  Number.isSafeInteger(value.size) &&
  value.size >= 0 &&
  isText(value.type) &&
  optional(isSize)(value.width) &&
  optional(isSize)(value.height) &&
  optional((flag) => typeof flag === 'boolean')(value.thumbnail)
const isAttachments = (value) => Array.isArray(value) && value.every(isAttachment)
// Limits a host may set to 0: the edit window (0 turns edits off).
const ZERO_ALLOWED = new Set(['edit_window_seconds'])
const isLimits = (value) =>
  Boolean(value) &&
  typeof value === 'object' &&
  Object.keys(DEFAULT_LIMITS).every((key) =>
    optional((n) => isNumber(n) && (n > 0 || (n === 0 && ZERO_ALLOWED.has(key))))(value[key]),
  )
const isObject = (value) => Boolean(value) && typeof value === 'object' && !Array.isArray(value)
const isTrue = (value) => value === true
const isQuote = (value) =>
  isObject(value) &&
  isId(value.id) &&
  isText(value.sender) &&
  isText(value.text) &&
  optional(isTrue)(value.deleted) &&
  optional(isTrue)(value.missing)
const isReactor = (value) => isObject(value) && isText(value.identity) && isText(value.name)
const isReactions = (value) =>
  Array.isArray(value) &&
  value.every(
    (group) =>
      isObject(group) &&
      isText(group.emoji) &&
      Array.isArray(group.by) &&
      group.by.every(isReactor),
  )

const MESSAGE_FIELDS = {
  id: isId,
  text: isText,
  sender: isText,
  timestamp: isNumber,
  client_id: optional(isText),
  identity: optional(isText),
  reply_to: optional(isQuote),
  edited: optional(isNumber),
  deleted: optional(isTrue),
  reactions: optional(isReactions),
  attachments: optional(isAttachments),
}
const isMessage = (value) =>
  isObject(value) && Object.entries(MESSAGE_FIELDS).every(([field, check]) => check(value[field]))
const CHANGES = new Set(['edit', 'delete', 'reaction'])

const FRAME_FIELDS = {
  [FrameType.MESSAGE]: MESSAGE_FIELDS,
  [FrameType.UPDATE]: {
    seq: isId,
    change: (value) => CHANGES.has(value),
    message: isMessage,
  },
  [FrameType.DELETED]: { id: isId },
  [FrameType.WELCOME]: {
    members: isNames,
    first_id: isId,
    last_id: isId,
    limits: optional(isLimits),
    unencrypted: optional(isId),
  },
  [FrameType.ENCRYPTION]: { unencrypted: isId },
  [FrameType.ACK]: { client_id: isText, id: isId },
  [FrameType.ERROR]: {
    code: isText,
    client_id: optional(isText),
    id: optional(isId),
    retry_after: optional(isNumber),
  },
  [FrameType.PRESENCE]: {
    event: (value) => value === 'join' || value === 'leave' || value === 'rename',
    name: isText,
    old: optional(isText), // with a rename: the name it replaces
    members: optional(isNames), // a server that sends changes only leaves it out
  },
  [FrameType.TYPING]: { sender: isText },
  [FrameType.IDENTIFIED]: { identity: isText, seen: optional(isReceipts) },
  [FrameType.SEEN]: { identity: isText, name: isText, id: isId }, // from hosts before `receipts`
  [FrameType.RECEIPTS]: { seen: isReceipts },
  [FrameType.ENTERED]: { token: isText },
  [FrameType.MEMBERS]: { members: isNames },
  [FrameType.DIRECT]: { room: isText, sender: isText },
}

/** The fields of a frame that break its type's shape (empty when it is well formed). */
function malformedFields(frame) {
  const fields = FRAME_FIELDS[frame.type]
  return Object.entries(fields)
    .filter(([field, check]) => !check(frame[field]))
    .map(([field]) => field)
}

/** The well-formed message frames of a history page fetched over HTTP; the rest are reported. */
export function historyMessages(page) {
  const messages = Array.isArray(page?.messages) ? page.messages : []
  const kept = messages.filter(
    (frame) =>
      frame &&
      typeof frame === 'object' &&
      !malformedFields({ ...frame, type: FrameType.MESSAGE }).length,
  )
  if (kept.length < messages.length)
    console.error(`lanchat: ${messages.length - kept.length} malformed history messages ignored`)
  return kept
}

/**
 * The one entry point for incoming frames: parse, check the shape, then call
 * handlers[frame.type]. Anything unexpected is reported loudly and ignored, so a
 * newer or hostile server never crashes the UI.
 */
export function dispatchFrame(data, handlers) {
  let frame
  try {
    frame = JSON.parse(data)
  } catch (error) {
    console.error('lanchat: a frame that is not JSON arrived and was ignored:', data, error)
    return
  }
  const handler =
    isObject(frame) && Object.hasOwn(handlers, frame.type) ? handlers[frame.type] : undefined
  if (typeof handler !== 'function') {
    console.error(`lanchat: unknown frame type ${JSON.stringify(frame?.type)} ignored:`, frame)
    return
  }
  const broken = Object.hasOwn(FRAME_FIELDS, frame.type) ? malformedFields(frame) : []
  if (broken.length) {
    console.error(`lanchat: a ${frame.type} frame with bad ${broken.join(', ')} ignored:`, frame)
    return
  }
  handler(frame)
}
