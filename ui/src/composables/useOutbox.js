// Our messages the server has not confirmed yet: saved so a reload or a restart
// loses none, sent one at a time (one in flight keeps their order), paced under
// the server's rate limit so a long offline queue is slowed, never refused.
import { getCurrentScope, onScopeDispose, ref, toValue } from 'vue'
import { ErrorCode, messageFrame } from '../protocol.js'
import { appStorage } from '../windowStorage.js'

// We send a little under the server's rate, so clock drift never costs a refusal.
const PACE_FRACTION = 0.9

export function outboxKey(host, room) {
  return `lanchat.outbox.${host}/${room}`
}

/**
 * A message's id, unguessable: another client that could guess it could not take the message for
 * a repeat (the host keys ids by sender), but it stays private all the same. randomUUID exists
 * only in secure contexts; a page over plain http on the LAN has getRandomValues, never Math.random.
 */
export function newClientId(cryptoImpl = globalThis.crypto) {
  if (cryptoImpl.randomUUID) return `c-${cryptoImpl.randomUUID()}`
  const bytes = cryptoImpl.getRandomValues(new Uint8Array(16))
  return `c-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`
}

/**
 * The server's token bucket, mirrored: `take()` is 0 when a frame may go now, or the
 * milliseconds to wait. `limits` is read on every call, so a welcome's limits apply at once.
 */
export function createPacer(limits) {
  let tokens = toValue(limits).rate_limit_burst
  let tokensAt = Date.now()
  return {
    /** A new connection: the server's bucket starts full. */
    refill() {
      tokens = toValue(limits).rate_limit_burst
      tokensAt = Date.now()
    },
    take() {
      const { rate_limit_burst: burst, rate_limit_per_second: perSecond } = toValue(limits)
      const rate = perSecond * PACE_FRACTION
      const now = Date.now()
      tokens = Math.min(burst, tokens + ((now - tokensAt) / 1000) * rate)
      tokensAt = now
      if (tokens >= 1) {
        tokens -= 1
        return 0
      }
      return Math.ceil(((1 - tokens) / rate) * 1000)
    },
  }
}

/**
 * @param {object} options
 * @param {string} options.host
 * @param {string} options.room
 * @param {import('vue').MaybeRefOrGetter<string>} options.name  the sender of new messages
 * @param {ReturnType<typeof createPacer>} options.pacer
 * @param {(text: string) => boolean} options.transmit  send a frame on the live connection; false when there is none
 */
export function useOutbox({ host, room, name, pacer, transmit, storage = appStorage }) {
  const entries = ref(load())
  let inFlight = null // client_id sent and not yet acknowledged
  let pausedUntil = 0
  let flushTimer = 0
  let ready = false // the connection is live: history replayed, sending allowed

  function load() {
    try {
      const saved = JSON.parse(storage?.getItem(outboxKey(host, room)) ?? '[]')
      return Array.isArray(saved) ? saved : []
    } catch {
      return []
    }
  }

  function save() {
    try {
      if (entries.value.length)
        storage?.setItem(outboxKey(host, room), JSON.stringify(entries.value))
      else storage?.removeItem(outboxKey(host, room))
    } catch (error) {
      console.error('lanchat: could not save the outbox', error)
    }
  }

  function flush() {
    clearTimeout(flushTimer)
    if (!ready || inFlight) return
    const next = entries.value.find((entry) => entry.state === 'pending')
    if (!next) return
    const paused = pausedUntil - Date.now()
    const wait = paused > 0 ? paused : pacer.take()
    if (wait > 0) {
      flushTimer = setTimeout(flush, wait)
      return
    }
    const frame = messageFrame({
      text: next.text,
      // The name now: a message written before a rename goes out under the new name too.
      sender: toValue(name) || next.sender,
      room,
      clientId: next.clientId,
      attachments: next.files?.map((file) => file.uploadId),
      replyTo: next.replyTo,
    })
    if (transmit(JSON.stringify(frame))) inFlight = next.clientId
  }

  /** The message is stored (acknowledged, or seen coming back): forget it. */
  function settle(clientId) {
    const index = entries.value.findIndex((entry) => entry.clientId === clientId)
    if (index === -1) return
    entries.value.splice(index, 1)
    save()
  }

  /** The connection can take messages now (true) or is gone (false). */
  function setReady(value) {
    ready = value
    if (!value) {
      inFlight = null
      clearTimeout(flushTimer)
    }
    flush()
  }

  function acknowledged(clientId) {
    settle(clientId)
    if (inFlight === clientId) inFlight = null
    flush()
  }

  /** An error frame: true when it concerned one of our messages (or pacing), so it is handled. */
  function refused(frame) {
    const entry = frame.client_id && entries.value.find((e) => e.clientId === frame.client_id)
    // Both say when to try again: the message waits that long and goes again, nothing is lost.
    if (frame.code === ErrorCode.RATE_LIMITED || frame.code === ErrorCode.NAME_CHANGE_TOO_SOON) {
      pausedUntil = Date.now() + (frame.retry_after ?? 1) * 1000
      if (inFlight && inFlight === frame.client_id) inFlight = null
      flush()
      return Boolean(entry)
    }
    if (!entry) return false
    entry.state = 'failed'
    entry.error = frame.code
    save()
    if (inFlight === frame.client_id) inFlight = null
    flush()
    return true
  }

  /** Queue a message (with the uploads it attaches: { uploadId, name, size, type }; `replyTo`: the
   * id it answers); it goes now or as soon as the room is reachable. */
  function add(text, files = [], { replyTo } = {}) {
    entries.value.push({
      clientId: newClientId(),
      text,
      ...(files.length ? { files } : {}),
      ...(replyTo != null ? { replyTo } : {}),
      sender: toValue(name),
      createdAt: Date.now(),
      state: 'pending',
      error: null,
    })
    save()
    flush()
  }

  function retry(clientId) {
    const entry = entries.value.find((candidate) => candidate.clientId === clientId)
    if (!entry) return
    entry.state = 'pending'
    entry.error = null
    entry.sender = toValue(name)
    save()
    flush()
  }

  /** Send again every message refused with `code` (our name was taken, and we have a new one). */
  function retryFailed(code) {
    for (const entry of entries.value)
      if (entry.state === 'failed' && entry.error === code) retry(entry.clientId)
  }

  function clear() {
    clearTimeout(flushTimer)
    entries.value = []
    save()
  }

  if (getCurrentScope()) onScopeDispose(() => clearTimeout(flushTimer))

  return { entries, add, retry, retryFailed, settle, acknowledged, refused, setReady, clear }
}
