// Our name in one room. A rename applies at once: the room's member list learns it from a fresh
// connection's ?name= (resumed from the newest message, so nothing is missed); later frames carry
// it as sender. When the room says someone else holds our name, we must choose another; the new
// one also sends again what was refused for the old one.
import { ref, toValue, watch } from 'vue'
import { ErrorCode } from '../protocol.js'

/**
 * @param {object} options
 * @param {import('vue').MaybeRefOrGetter<string>} options.name  who we are
 * @param {() => boolean} options.joined  a welcome has come: a rename needs a fresh connection
 * @param {() => void} options.reopen  a fresh connection, resumed where this one was
 * @param {import('vue').Ref<object | null>} options.roomError  the room's alert
 * @param {(code: string) => void} options.retryFailed  the outbox sends again what `code` refused
 */
export function useRoomName({ name, joined, reopen, roomError, retryFailed }) {
  const nameTaken = ref(false) // someone else holds our name in this room: we must choose another

  // Reopen first: what is retried waits for the new connection's welcome.
  watch(
    () => toValue(name),
    (now, before) => {
      if (now && now !== before && joined()) reopen()
      if (now && nameTaken.value) retryUnderNewName()
    },
  )

  function retryUnderNewName() {
    nameTaken.value = false
    if (roomError.value?.code === ErrorCode.NAME_TAKEN) roomError.value = null
    retryFailed(ErrorCode.NAME_TAKEN)
  }

  /** An error frame of the room: one saying our name is taken asks for another. */
  function refused(frame) {
    if (frame.code === ErrorCode.NAME_TAKEN) nameTaken.value = true
  }

  return { nameTaken, refused }
}
