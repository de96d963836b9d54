// A WebSocket that comes back: connect with a timeout, back off with jitter after a
// drop, wait for the network when the browser says it is gone, and say why a first
// attempt failed. Transport only, shaped like VueUse's useWebSocket; what the frames
// mean is the caller's business.
import { getCurrentScope, onScopeDispose, ref, watch } from 'vue'
import { CloseCode } from '../protocol.js'

export const ConnectionStatus = Object.freeze({
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  RECONNECTING: 'reconnecting',
  OFFLINE: 'offline', // the browser says there is no network: we wait for it
  FAILED: 'failed', // the first connection failed, or the server refused us; `failure` says why
  CLOSED: 'closed', // closed for good by us
})

export const BACKOFF_BASE_MS = 500
export const BACKOFF_MAX_MS = 30_000
export const CONNECT_TIMEOUT_MS = 8_000
// A refused connection fails within milliseconds; an unreachable host only after
// the network gives up. Browsers report both as the same bare error, so time tells.
const REFUSED_WITHIN_MS = 1_500

/** Exponential backoff with "equal jitter": half fixed, half random, so clients that lost the same server spread out. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/**
 * @param {() => string} url  asked again before every attempt (a resume point may have moved)
 * @param {object} options
 * @param {boolean} [options.keepTrying]  reconnect even if the very first attempt fails
 * @param {(code: number) => boolean} [options.isFatal]  closes after which retrying would be refused again
 * @param {() => void} [options.onOpen]
 * @param {(data: string) => void} [options.onMessage]
 * @param {(event: CloseEvent) => void} [options.onClose]  each connection's end, before any retry is planned
 */
export function useReconnectingSocket(
  url,
  {
    keepTrying = false,
    isFatal = () => false,
    onOpen = () => {},
    onMessage = () => {},
    onClose = () => {},
    WebSocketImpl = globalThis.WebSocket,
    random = Math.random,
  } = {},
) {
  const status = ref(ConnectionStatus.CONNECTING)
  const retryIn = ref(0) // whole seconds until the next attempt, while reconnecting
  const failure = ref(null) // { reason: refused|unreachable|timeout|rejected|closed, code? }
  // Since when (ms) the connection has been down, null while connected. Kept here, not in the
  // view, so that showing another room and coming back does not start the outage anew.
  const downSince = ref(null)
  watch(
    () => status.value === ConnectionStatus.CONNECTED,
    (connected) => {
      downSince.value = connected ? null : (downSince.value ?? Date.now())
    },
    { immediate: true, flush: 'sync' },
  )

  let socket = null
  let attempt = 0
  let startedAt = 0
  let timedOut = false
  let confirmed = keepTrying // a connection proved good once: drops are retried from now on
  let closedForGood = false
  const timers = { retry: 0, countdown: 0, connect: 0 }

  function clearTimers() {
    clearTimeout(timers.retry)
    clearInterval(timers.countdown)
    clearTimeout(timers.connect)
    retryIn.value = 0
  }

  function open() {
    clearTimers()
    if (closedForGood) return
    status.value = confirmed ? ConnectionStatus.RECONNECTING : ConnectionStatus.CONNECTING
    failure.value = null
    timedOut = false
    startedAt = Date.now()
    const ws = new WebSocketImpl(url())
    socket = ws
    timers.connect = setTimeout(() => {
      if (socket === ws && ws.readyState === 0) {
        timedOut = true
        ws.close()
      }
    }, CONNECT_TIMEOUT_MS)
    ws.onopen = () => {
      if (socket !== ws) return
      clearTimeout(timers.connect)
      status.value = ConnectionStatus.CONNECTED
      onOpen()
    }
    ws.onmessage = (event) => {
      if (socket === ws) onMessage(event.data)
    }
    ws.onclose = (event) => {
      if (socket === ws) ended(event)
    }
  }

  function ended(event) {
    const wasOpen = status.value === ConnectionStatus.CONNECTED
    socket = null
    clearTimeout(timers.connect)
    onClose(event)
    if (closedForGood) return
    if (isFatal(event.code)) {
      status.value = ConnectionStatus.FAILED
      failure.value = { reason: 'rejected', code: event.code }
    } else if (!confirmed) {
      status.value = ConnectionStatus.FAILED
      failure.value = { reason: firstFailureReason(wasOpen, Date.now() - startedAt) }
    } else {
      scheduleRetry()
    }
  }

  function firstFailureReason(wasOpen, elapsed) {
    if (wasOpen) return 'closed'
    if (timedOut) return 'timeout'
    return elapsed < REFUSED_WITHIN_MS ? 'refused' : 'unreachable'
  }

  function scheduleRetry() {
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
      clearTimers()
      status.value = ConnectionStatus.OFFLINE
    }
  }

  /** The connection is good (the server welcomed us): reset the backoff, retry after drops. */
  function confirm() {
    confirmed = true
    attempt = 0
    status.value = ConnectionStatus.CONNECTED
  }

  /** Send on the open connection; false when there is none. */
  function send(text) {
    if (!socket || socket.readyState !== 1) return false
    socket.send(text)
    return true
  }

  /** Try again now instead of waiting out the backoff (or after a failed first attempt). */
  function reconnect() {
    if (socket || closedForGood) return
    open()
  }

  /** Start a fresh connection now, dropping the current one (a new name goes in the URL). */
  function reopen() {
    if (closedForGood) return
    const ws = socket
    if (ws) {
      socket = null
      ws.close(CloseCode.NORMAL)
      onClose({ code: CloseCode.NORMAL })
    }
    open()
  }

  function close(code = CloseCode.NORMAL) {
    if (closedForGood) return
    closedForGood = true
    status.value = ConnectionStatus.CLOSED
    clearTimers()
    globalThis.removeEventListener?.('online', onOnline)
    globalThis.removeEventListener?.('offline', onOffline)
    const ws = socket
    socket = null
    ws?.close(code)
  }

  globalThis.addEventListener?.('online', onOnline)
  globalThis.addEventListener?.('offline', onOffline)
  if (getCurrentScope()) onScopeDispose(() => close())
  open()

  return { status, retryIn, downSince, failure, send, confirm, reconnect, reopen, close }
}
