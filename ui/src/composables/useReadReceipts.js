// One room's read receipts: what others have seen (from the host's frames) and our own `seen`
// frames, sent only while receipts are on, at most one per SEEN_SEND_INTERVAL_SECONDS and never
// at a message's cost (the room's pacer says no: it waits for the next turn).
import { getCurrentScope, onScopeDispose, shallowRef, toValue } from 'vue'
import { SEEN_SEND_INTERVAL_SECONDS, seenFrame } from '../protocol.js'
import { receiptsFromList, renamedIn, withReceipt, withReceipts } from '../readReceipts.js'

export const SEEN_SEND_INTERVAL_MS = SEEN_SEND_INTERVAL_SECONDS * 1000

/**
 * @param {object} options
 * @param {import('vue').MaybeRefOrGetter<boolean>} options.enabled  the "Send read receipts" setting
 * @param {{ take: () => number }} options.pacer  the room's rate limit, shared with the outbox
 * @param {() => boolean} options.ready  the connection is live and the host knows who we are
 * @param {(text: string) => boolean} options.transmit  send on the connection; false when there is none
 */
export function useReadReceipts({ enabled, pacer, ready, transmit }) {
  const receipts = shallowRef({}) // identity -> { name, id }: how far each has seen the room
  let wanted = 0 // the newest position shown to our person
  let sent = 0 // the newest one the host has from this connection
  let lastSentAt = -Infinity
  let timer = 0

  /** The host's answer to our hello: the room's receipts, when we take part. */
  function identified(list) {
    receipts.value = toValue(enabled) ? receiptsFromList(list) : {}
    flush()
  }

  /** A `seen` frame (hosts before `receipts` frames): someone has seen further. */
  function heard(frame) {
    if (toValue(enabled)) receipts.value = withReceipt(receipts.value, frame)
  }

  /** A `receipts` frame: the room's receipts that moved since the host's last one. */
  function heardAll(list) {
    if (toValue(enabled)) receipts.value = withReceipts(receipts.value, list)
  }

  /** Someone took a new name: their receipt says it. */
  function renamed(change) {
    receipts.value = renamedIn(receipts.value, change)
  }

  /** Our person has seen the room up to `id` (the room is open, focused and shows it). */
  function shown(id) {
    if (id <= wanted) return
    wanted = id // kept while receipts are off too, to be said once they are on again
    flush()
  }

  function flush() {
    if (timer || wanted <= sent || !toValue(enabled) || !ready()) return
    const wait = lastSentAt + SEEN_SEND_INTERVAL_MS - Date.now()
    if (wait > 0 || pacer.take() > 0) {
      timer = setTimeout(
        () => {
          timer = 0
          flush()
        },
        wait > 0 ? wait : SEEN_SEND_INTERVAL_MS / 4,
      )
      return
    }
    if (!transmit(JSON.stringify(seenFrame(wanted)))) return
    sent = wanted
    lastSentAt = Date.now()
  }

  /** A new connection: what it has been told starts over (the host ignores what it has already). */
  function opened() {
    sent = 0
    clearTimeout(timer)
    timer = 0
  }

  /** The setting went off: we see nobody's from now on (the room reconnects to say so). */
  function clear() {
    receipts.value = {}
  }

  if (getCurrentScope()) onScopeDispose(() => clearTimeout(timer))

  return { receipts, identified, heard, heardAll, renamed, shown, opened, clear }
}
