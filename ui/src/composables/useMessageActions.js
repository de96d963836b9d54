// What a person may do with a message in the room on screen, and the composer's state for it:
// reply (the composer shows what it answers), edit (the composer holds the message's text),
// delete, react. Whose a message is goes by identity, as the server decides it; an edit is
// offered only within the host's window (welcome limits.edit_window_seconds).
import { ref, shallowRef } from 'vue'
import { reactedWith } from '../reactions.js'
import { isOwnMessage } from '../ownMessages.js'

/**
 * @param {object} options
 * @param {ReturnType<import('./useRoomConnection.js').useRoomConnection>} options.connection
 * @param {(id: number) => void} options.jump  show message `id` (a reply's quote was clicked)
 * @param {() => number} [options.now]  seconds
 */
export function useMessageActions({ connection, jump, now = () => Date.now() / 1000 }) {
  const me = connection.identity
  // { kind: 'reply' | 'edit', item } while the composer answers or edits a message, else null.
  const composing = shallowRef(null)
  const editText = ref('')

  // By identity alone: the host lets only the sender's identity edit or delete.
  function isMine(item) {
    return isOwnMessage(item, { identity: me.value })
  }

  function canEdit(item) {
    const window = connection.limits.value.edit_window_seconds ?? 0
    return isMine(item) && !item.deleted && window > 0 && now() - item.timestamp < window
  }

  /** What the message's menu offers, worked out when it opens. */
  function can(item) {
    const identified = Boolean(me.value)
    return { reply: identified, react: identified, edit: canEdit(item), remove: isMine(item) }
  }

  function reply(item) {
    composing.value = { kind: 'reply', item }
  }

  function edit(item) {
    composing.value = { kind: 'edit', item }
    editText.value = item.text
  }

  /** Up in an empty composer: edit our latest message, if it may still be edited. */
  function editLast(items) {
    for (let index = items.length - 1; index >= 0; index--) {
      const item = items[index]
      if (item.kind !== 'message' || !isMine(item)) continue
      if (!canEdit(item)) return false
      edit(item)
      return true
    }
    return false
  }

  function cancel() {
    composing.value = null
    editText.value = ''
  }

  /** The composer's text went: as an edit, a reply or a plain message. True when it went. */
  function submit(text) {
    const mode = composing.value
    const done =
      mode?.kind === 'edit'
        ? connection.edit(mode.item.id, text)
        : connection.send(text, mode?.kind === 'reply' ? { replyTo: mode.item.id } : undefined)
    if (done) cancel()
    return done
  }

  return {
    me,
    composing,
    editText,
    can,
    isMine,
    reply,
    edit,
    editLast,
    cancel,
    submit,
    jump,
    remove: (item) => connection.remove(item.id),
    react: (item, emoji, on) => connection.react(item.id, emoji, on),
    /** An emoji from the menu: ours goes on, or comes off if it was there. */
    pick: (item, emoji) =>
      connection.react(item.id, emoji, !reactedWith(item.reactions, emoji, me.value)),
  }
}
