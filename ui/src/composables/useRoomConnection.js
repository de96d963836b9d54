// One room on one host: the socket's whole life (connect, backoff, resume with
// `after`), the outbox that never loses a message, and the state the room view
// shows. Components only read the refs this returns and call its actions.
import { ref, shallowRef, toValue } from 'vue'
import {
  CloseCode,
  DEFAULT_LIMITS,
  ErrorCode,
  FATAL_CLOSE_CODES,
  HISTORY_PAGE_MAX,
  charCount,
  dispatchFrame,
  historyUrl,
  messageFrame,
  roomSocketUrl,
  typingFrame,
} from '../protocol.js'

export const ConnectionStatus = Object.freeze({
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  RECONNECTING: 'reconnecting',
  OFFLINE: 'offline', // the browser says there is no network: we wait for it
  FAILED: 'failed', // the first connection failed; `failure` says why
  CLOSED: 'closed', // we left the room
})

export const BACKOFF_BASE_MS = 500
export const BACKOFF_MAX_MS = 30_000
export const CONNECT_TIMEOUT_MS = 8_000
// A refused connection fails within milliseconds; an unreachable host only after
// the network gives up. Browsers report both as the same bare error, so time tells.
export const REFUSED_WITHIN_MS = 1_500
export const TYPING_SEND_EVERY_MS = 3_000
export const TYPING_SHOW_MS = 5_000
// We send a little under the server's rate, so clock drift never costs a refusal.
const PACE_FRACTION = 0.9

/** Exponential backoff with "equal jitter": half fixed, half random, so clients that lost the same server spread out. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

export function outboxKey(host, room) {
  return `lanchat.outbox.${host}/${room}`
}

function newClientId() {
  if (globalThis.crypto?.randomUUID) return `c-${crypto.randomUUID()}`
  return `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`
}

function messageItem(frame) {
  return {
    kind: 'message',
    key: `m${frame.id}`,
    id: frame.id,
    sender: frame.sender,
    text: frame.text,
    timestamp: frame.timestamp,
  }
}

/**
 * @param {object} options
 * @param {string} options.host  "name:port" of the server the room lives on
 * @param {string} options.room
 * @param {import('vue').MaybeRefOrGetter<string>} options.name  who we are
 * @param {boolean} [options.keepTrying]  reconnect even if the very first attempt fails (a room restored after a reload)
 * @param {(item: object) => void} [options.onLiveMessage]  a new message from someone else arrived
 */
export function useRoomConnection({
  host,
  room,
  name,
  keepTrying = false,
  onLiveMessage = () => {},
  storage = globalThis.localStorage,
  WebSocketImpl = globalThis.WebSocket,
  fetchImpl = (...args) => globalThis.fetch(...args),
  random = Math.random,
}) {
  const status = ref(ConnectionStatus.CONNECTING)
  const retryIn = ref(0) // whole seconds until the next attempt, while reconnecting
  const failure = ref(null) // { reason: refused|unreachable|timeout|rejected|closed, code? }
  const joined = ref(false) // a welcome has arrived at least once: we are in the room
  const timeline = shallowRef([]) // messages and join/leave notices, oldest first
  const outbox = ref(loadOutbox()) // our messages the server has not confirmed yet
  const members = ref([])
  const typingNames = ref([])
  const hasOlder = ref(false)
  const loadingOlder = ref(false)
  const olderFailed = ref(false)
  const roomError = ref(null) // { code, retryAfter } of an error frame that concerns no message of ours
  const limits = shallowRef(DEFAULT_LIMITS) // the server's, from its welcome frame

  let socket = null
  let attempt = 0
  let startedAt = 0
  let timedOut = false
  let everJoined = keepTrying
  let left = false
  let live = false // the current connection is past its history replay
  let lastId = null // newest message id we hold; null until the first welcome
  let replay = []
  let lastRefusal = null
  let inFlight = null // client_id sent and not yet acknowledged: one at a time keeps the order
  let pausedUntil = 0
  let tokens = DEFAULT_LIMITS.rate_limit_burst
  let tokensAt = 0
  let lastTypingSent = 0
  let noticeCount = 0
  const ids = new Set()
  const typingUntil = new Map()
  const timers = { retry: 0, countdown: 0, connect: 0, flush: 0, typing: 0 }

  function loadOutbox() {
    try {
      const saved = JSON.parse(storage?.getItem(outboxKey(host, room)) ?? '[]')
      return Array.isArray(saved) ? saved : []
    } catch {
      return []
    }
  }

  function saveOutbox() {
    try {
      if (outbox.value.length) storage?.setItem(outboxKey(host, room), JSON.stringify(outbox.value))
      else storage?.removeItem(outboxKey(host, room))
    } catch (error) {
      console.error('lanchat: could not save the outbox', error)
    }
  }

  function clearTimer(which) {
    clearTimeout(timers[which])
    clearInterval(timers[which])
    timers[which] = 0
  }

  // Connecting ---------------------------------------------------------------

  function open() {
    clearTimer('retry')
    clearTimer('countdown')
    retryIn.value = 0
    if (left) return
    status.value = everJoined ? ConnectionStatus.RECONNECTING : ConnectionStatus.CONNECTING
    failure.value = null
    lastRefusal = null
    live = false
    replay = []
    timedOut = false
    startedAt = Date.now()
    const ws = new WebSocketImpl(roomSocketUrl(host, room, { name: toValue(name), after: lastId }))
    socket = ws
    timers.connect = setTimeout(() => {
      if (socket === ws && ws.readyState === 0) {
        timedOut = true
        ws.close()
      }
    }, CONNECT_TIMEOUT_MS)
    ws.onopen = () => {
      if (socket !== ws) return
      clearTimer('connect')
      tokens = limits.value.rate_limit_burst
      tokensAt = Date.now()
      status.value = ConnectionStatus.CONNECTED
    }
    ws.onmessage = (event) => {
      if (socket === ws) dispatchFrame(event.data, handlers)
    }
    ws.onclose = (event) => {
      if (socket === ws) closed(event, startedAt)
    }
  }

  function closed(event, since) {
    const wasOpen = status.value === ConnectionStatus.CONNECTED
    socket = null
    live = false
    inFlight = null
    clearTimer('connect')
    clearTimer('flush')
    setTyping(new Map())
    if (left) return
    if (FATAL_CLOSE_CODES.has(event.code)) {
      status.value = ConnectionStatus.FAILED
      failure.value = { reason: 'rejected', code: lastRefusal?.code ?? ErrorCode.ROOM_INVALID }
      return
    }
    if (!everJoined) {
      status.value = ConnectionStatus.FAILED
      failure.value = { reason: firstFailureReason(wasOpen, Date.now() - since) }
      return
    }
    scheduleReconnect()
  }

  function firstFailureReason(wasOpen, elapsed) {
    if (wasOpen) return 'closed'
    if (timedOut) return 'timeout'
    return elapsed < REFUSED_WITHIN_MS ? 'refused' : 'unreachable'
  }

  function scheduleReconnect() {
    if (globalThis.navigator?.onLine === false) {
      status.value = ConnectionStatus.OFFLINE
      return // the `online` event brings us back
    }
    const delay = backoffDelay(attempt, random)
    attempt += 1
    status.value = ConnectionStatus.RECONNECTING
    const due = Date.now() + delay
    retryIn.value = Math.ceil(delay / 1000)
    timers.countdown = setInterval(() => {
      retryIn.value = Math.max(0, Math.ceil((due - Date.now()) / 1000))
    }, 1000)
    timers.retry = setTimeout(open, delay)
  }

  function onOnline() {
    if (status.value === ConnectionStatus.OFFLINE) open()
  }

  function onOffline() {
    if (status.value === ConnectionStatus.RECONNECTING && !socket) {
      clearTimer('retry')
      clearTimer('countdown')
      status.value = ConnectionStatus.OFFLINE
    }
  }

  // Incoming frames ------------------------------------------------------------

  const handlers = {
    message(frame) {
      // Held until the welcome: if the connection drops mid-replay, the next
      // one replays from the same `after` and nothing is half-applied.
      if (!live) {
        replay.push(frame)
        return
      }
      if (!accept(frame)) return
      const item = messageItem(frame)
      lastId = Math.max(lastId ?? 0, frame.id)
      append([item])
      stopTyping(frame.sender)
      if (frame.sender !== toValue(name)) onLiveMessage(item)
    },
    welcome(frame) {
      const replayed = replay.filter(accept).map(messageItem)
      replay = []
      if (replayed.length) append(replayed)
      lastId = Math.max(lastId ?? 0, frame.last_id, replayed.at(-1)?.id ?? 0)
      const oldest = oldestId()
      hasOlder.value = oldest == null ? frame.first_id > 1 : oldest > 1
      members.value = frame.members
      // An older server may send fewer limits: ours fill the gaps.
      limits.value = { ...DEFAULT_LIMITS, ...frame.limits }
      live = true
      everJoined = true
      joined.value = true
      attempt = 0
      status.value = ConnectionStatus.CONNECTED
      flush()
    },
    ack(frame) {
      settle(frame.client_id)
      if (inFlight === frame.client_id) inFlight = null
      flush()
    },
    error(frame) {
      const item =
        frame.client_id && outbox.value.find((entry) => entry.clientId === frame.client_id)
      if (frame.code === ErrorCode.RATE_LIMITED) {
        pausedUntil = Date.now() + (frame.retry_after ?? 1) * 1000
        if (inFlight && inFlight === frame.client_id) inFlight = null
        if (!item) roomError.value = { code: frame.code, retryAfter: frame.retry_after }
        flush()
        return
      }
      if (item) {
        item.state = 'failed'
        item.error = frame.code
        saveOutbox()
        if (inFlight === frame.client_id) inFlight = null
        flush()
        return
      }
      lastRefusal = frame
      roomError.value = { code: frame.code }
    },
    presence(frame) {
      members.value = frame.members
      if (frame.name === toValue(name)) return
      if (frame.event === 'leave') stopTyping(frame.name)
      noticeCount += 1
      append([
        {
          kind: 'notice',
          key: `n${noticeCount}`,
          event: frame.event,
          name: frame.name,
          timestamp: Date.now() / 1000,
        },
      ])
    },
    typing(frame) {
      if (frame.sender === toValue(name)) return
      const next = new Map(typingUntil)
      next.set(frame.sender, Date.now() + TYPING_SHOW_MS)
      setTyping(next)
    },
  }

  /** Record a message frame; false when we already hold it. */
  function accept(frame) {
    if (ids.has(frame.id)) return false
    ids.add(frame.id)
    if (frame.client_id) settle(frame.client_id)
    return true
  }

  // A new array each time: whoever holds the old one (a component's props) sees the change.
  function append(items) {
    timeline.value = timeline.value.concat(items)
  }

  function oldestId() {
    for (const item of timeline.value) if (item.kind === 'message') return item.id
    return null
  }

  // Typing indicator ----------------------------------------------------------

  function setTyping(next) {
    typingUntil.clear()
    const now = Date.now()
    for (const [who, until] of next) if (until > now) typingUntil.set(who, until)
    typingNames.value = [...typingUntil.keys()].sort()
    clearTimer('typing')
    if (typingUntil.size) {
      const soonest = Math.min(...typingUntil.values())
      timers.typing = setTimeout(() => setTyping(new Map(typingUntil)), soonest - now)
    }
  }

  function stopTyping(who) {
    if (!typingUntil.has(who)) return
    const next = new Map(typingUntil)
    next.delete(who)
    setTyping(next)
  }

  // Sending ---------------------------------------------------------------------

  function takeToken() {
    const now = Date.now()
    const { rate_limit_burst: burst, rate_limit_per_second: perSecond } = limits.value
    const rate = perSecond * PACE_FRACTION
    tokens = Math.min(burst, tokens + ((now - tokensAt) / 1000) * rate)
    tokensAt = now
    if (tokens >= 1) {
      tokens -= 1
      return 0
    }
    return Math.ceil(((1 - tokens) / rate) * 1000)
  }

  function flush() {
    clearTimer('flush')
    if (!live || !socket || inFlight) return
    const next = outbox.value.find((entry) => entry.state === 'pending')
    if (!next) return
    const paused = pausedUntil - Date.now()
    const wait = paused > 0 ? paused : takeToken()
    if (wait > 0) {
      timers.flush = setTimeout(flush, wait)
      return
    }
    inFlight = next.clientId
    socket.send(
      JSON.stringify(
        messageFrame({ text: next.text, sender: next.sender, room, clientId: next.clientId }),
      ),
    )
  }

  function settle(clientId) {
    const index = outbox.value.findIndex((entry) => entry.clientId === clientId)
    if (index === -1) return
    outbox.value.splice(index, 1)
    saveOutbox()
  }

  /** Queue a message; it is sent now or as soon as the room is reachable. False when there is nothing to send. */
  function send(text) {
    const body = (text ?? '').trim()
    if (!body || charCount(body) > limits.value.max_text_chars) return false
    outbox.value.push({
      clientId: newClientId(),
      text: body,
      sender: toValue(name),
      createdAt: Date.now(),
      state: 'pending',
      error: null,
    })
    // Others stop showing us as typing when our message arrives: the next keystroke may say so again.
    lastTypingSent = 0
    saveOutbox()
    flush()
    return true
  }

  function retrySend(clientId) {
    const item = outbox.value.find((entry) => entry.clientId === clientId)
    if (!item) return
    item.state = 'pending'
    item.error = null
    item.sender = toValue(name)
    saveOutbox()
    flush()
  }

  function discard(clientId) {
    settle(clientId)
  }

  /** Tell the room we are typing; called on every keystroke, sent at most every few seconds. */
  function typing() {
    const now = Date.now()
    if (!live || !socket || now - lastTypingSent < TYPING_SEND_EVERY_MS) return
    if (takeToken() > 0) return // a typing notice is never worth delaying a message for
    lastTypingSent = now
    socket.send(JSON.stringify(typingFrame(toValue(name))))
  }

  // History -----------------------------------------------------------------------

  async function loadOlder() {
    if (loadingOlder.value || !hasOlder.value) return
    const before = oldestId()
    loadingOlder.value = true
    olderFailed.value = false
    try {
      const response = await fetchImpl(
        historyUrl(host, room, { before: before ?? undefined, limit: HISTORY_PAGE_MAX }),
      )
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const page = await response.json()
      const older = page.messages.filter((frame) => !ids.has(frame.id))
      for (const frame of older) ids.add(frame.id)
      timeline.value = [...older.map(messageItem), ...timeline.value]
      hasOlder.value = page.has_more
    } catch (error) {
      console.error('lanchat: could not load older messages', error)
      olderFailed.value = true
    } finally {
      loadingOlder.value = false
    }
  }

  // Lifecycle -----------------------------------------------------------------------

  /** Try again now instead of waiting for the backoff (or after a failed first attempt). */
  function reconnect() {
    if (socket || left) return
    open()
  }

  function leave() {
    left = true
    status.value = ConnectionStatus.CLOSED
    for (const which of Object.keys(timers)) clearTimer(which)
    globalThis.removeEventListener?.('online', onOnline)
    globalThis.removeEventListener?.('offline', onOffline)
    const ws = socket
    socket = null
    ws?.close(CloseCode.NORMAL)
  }

  function dismissError() {
    roomError.value = null
  }

  /** Leave the room and forget what was waiting to be sent. */
  function forget() {
    leave()
    outbox.value = []
    saveOutbox()
  }

  globalThis.addEventListener?.('online', onOnline)
  globalThis.addEventListener?.('offline', onOffline)
  open()

  return {
    host,
    room,
    status,
    retryIn,
    failure,
    joined,
    timeline,
    outbox,
    members,
    typingNames,
    hasOlder,
    loadingOlder,
    olderFailed,
    roomError,
    limits,
    send,
    retrySend,
    discard,
    typing,
    loadOlder,
    dismissError,
    reconnect,
    leave,
    forget,
  }
}
