// Joining a room from the Join screen: the joined-rooms entry being joined until its welcome
// (the screen shows its progress, a failure or the password prompt), then entering it.
import { computed, shallowRef, watch } from 'vue'

/**
 * @param {object} options
 * @param {ReturnType<import('./useJoinedRooms.js').useJoinedRooms>} options.joinedRooms
 * @param {(entry: object) => void} options.onEntered  the room let us in
 */
export function useJoining({ joinedRooms, onEntered }) {
  const joining = shallowRef(null) // the joined-rooms entry being joined, until its welcome

  // What the Join screen shows of it.
  const view = computed(() => {
    const entry = joining.value
    if (!entry) return null
    return {
      host: entry.host,
      room: entry.room,
      address: entry.host,
      failure: entry.connection.failure.value,
      passwordPrompt: entry.connection.passwordPrompt.value,
      enterPassword: entry.connection.enterPassword,
    }
  })

  /** Join `room` on `host`, giving up on a room still being joined. */
  function join(host, room) {
    if (joining.value && !joining.value.connection.joined.value) cancel()
    const entry = joinedRooms.join(host, room)
    if (entry.connection.joined.value) enter(entry)
    else joining.value = entry
  }

  function enter(entry) {
    joining.value = null
    onEntered(entry)
  }

  function cancel() {
    joinedRooms.leave(joining.value.key)
    joining.value = null
  }

  watch(
    () => joining.value?.connection.joined.value,
    (ok) => ok && enter(joining.value),
  )

  return {
    joining,
    view,
    join,
    cancel,
    retry: () => joining.value.connection.reconnect(),
  }
}
