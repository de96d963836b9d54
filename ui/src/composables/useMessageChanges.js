// Edits, deletes and reactions to messages: they go on the live connection only (they are not
// kept to send later, unlike new messages in the outbox), and the server's update frame shows
// the result. A refusal names the message it concerns.
import { ref, toValue } from 'vue'
import { charCount, deleteFrame, editFrame, reactFrame } from '../protocol.js'

/**
 * @param {object} options
 * @param {() => boolean} options.live  the connection is past its replay
 * @param {{ take: () => number }} options.pacer
 * @param {(text: string) => boolean} options.transmit
 * @param {import('vue').MaybeRefOrGetter<object>} options.limits  the server's (max_text_chars)
 */
export function useMessageChanges({ live, pacer, transmit, limits }) {
  // The latest refusal of one of our edits, deletes or reactions: { code, id, detail }.
  const changeError = ref(null)

  // False when there is no live connection.
  function sendChange(frame) {
    if (!live()) return false
    pacer.take()
    changeError.value = null
    return transmit(JSON.stringify(frame))
  }

  /** A new text for our own message `id` (within the host's edit window). */
  function edit(id, text) {
    const body = (text ?? '').trim()
    if (!body || charCount(body) > toValue(limits).max_text_chars) return false
    return sendChange(editFrame(id, body))
  }

  /** Delete our own message `id`. */
  function remove(id) {
    return sendChange(deleteFrame(id))
  }

  /** Put our `emoji` on message `id` (on true) or take it back (false). */
  function react(id, emoji, on) {
    if (!emoji) return false
    return sendChange(reactFrame(id, emoji, on))
  }

  /** The host refused one of them: the error frame names the message. */
  function refused(frame) {
    changeError.value = { code: frame.code, id: frame.id, detail: frame.detail }
  }

  return { changeError, edit, remove, react, refused }
}
