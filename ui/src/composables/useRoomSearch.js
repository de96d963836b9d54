// Search (GET /api/search) across the hosts of our rooms, this page's own server first, with the
// tokens of our private rooms there; opening a result joins its room if need be and jumps to it.
import { computed, ref, watch } from 'vue'

/**
 * @param {object} options
 * @param {ReturnType<import('./useJoinedRooms.js').useJoinedRooms>} options.joinedRooms
 * @param {string} options.localHost
 * @param {(key: string) => void} options.showRoom  bring a joined room on screen
 * @param {(key: string) => string} options.t  vue-i18n's, for when a result's message is gone
 */
export function useRoomSearch({ joinedRooms, localHost, showRoom, t }) {
  const notice = ref('')
  const hosts = computed(() => {
    const all = [localHost, ...joinedRooms.listed.value.map((entry) => entry.host)]
    return [...new Set(all)].map((host) => ({ host, label: host }))
  })

  function tokensFor(host) {
    return joinedRooms.listed.value
      .filter((entry) => entry.host === host)
      .map((entry) => entry.connection.roomToken?.())
      .filter(Boolean)
  }

  function roomTitle(host, room) {
    return joinedRooms.listed.value.find((entry) => entry.host === host && entry.room === room)
      ?.title
  }

  /** A search result: its room (joined if need be), scrolled to the message, highlighted. */
  function openResult({ host, room, id }) {
    notice.value = ''
    const entry = joinedRooms.join(host, room)
    const go = async () => {
      if (await entry.connection.jumpTo(id)) showRoom(entry.key)
      else notice.value = t('search.notFound')
    }
    if (entry.connection.joined.value) {
      go()
      return
    }
    const stop = watch(
      () => entry.connection.joined.value,
      (ok) => {
        if (!ok) return
        stop()
        go()
      },
    )
  }

  return { hosts, notice, tokensFor, roomTitle, openResult }
}
