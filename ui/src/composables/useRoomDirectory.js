// The rooms a host has: its /api/rooms a page at a time, with the state the join screen shows.
import { ref } from 'vue'
import { ROOM_LIST_PAGE, ROOM_LIST_PAGE_MAX, roomsUrl } from '../protocol.js'

const ROOM_LIST_TIMEOUT_MS = 5000

/**
 * `listing.next` is the offset of the next page when the host has more rooms than are listed
 * (undefined otherwise, and from a server that answers in one piece); `total` its room count.
 * @returns {{ listing: import('vue').Ref<{ host: string, state: 'loading'|'ready'|'failed', rooms: object[], next?: number, total?: number } | null>, load: (host: string) => Promise<void>, loadMore: () => Promise<void> }}
 */
export function useRoomDirectory({ fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  const listing = ref(null)

  async function fetchPage(host, offset, limit) {
    const response = await fetchImpl(roomsUrl(host, { offset, limit }), {
      signal: AbortSignal.timeout(ROOM_LIST_TIMEOUT_MS),
    })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    const { rooms, next_offset: next, total } = await response.json()
    return { rooms, next: next ?? undefined, total }
  }

  async function load(host) {
    // Reloading the same host keeps showing its last list until the new one arrives, and asks
    // for as many rooms as are shown, so pages opened with "more" stay open.
    const shown = listing.value?.host === host ? listing.value.rooms : []
    const limit = Math.min(ROOM_LIST_PAGE_MAX, Math.max(ROOM_LIST_PAGE, shown.length))
    listing.value = { host, state: 'loading', rooms: shown }
    try {
      const page = await fetchPage(host, 0, limit)
      // A later load for another host wins: an answer that comes back late is dropped.
      if (listing.value?.host === host) listing.value = { host, state: 'ready', ...page }
    } catch (error) {
      console.error(`lanchat: could not list the rooms on ${host}`, error)
      if (listing.value?.host === host) listing.value = { host, state: 'failed', rooms: [] }
    }
  }

  async function loadMore() {
    const current = listing.value
    if (current?.state !== 'ready' || current.next === undefined) return
    listing.value = { ...current, state: 'loading' }
    try {
      const page = await fetchPage(current.host, current.next, ROOM_LIST_PAGE)
      if (listing.value?.host !== current.host) return
      // The list moves as people come and go: a room that moved down a page is not listed twice.
      const listed = new Set(current.rooms.map((room) => room.name))
      const rooms = [...current.rooms, ...page.rooms.filter((room) => !listed.has(room.name))]
      listing.value = { host: current.host, state: 'ready', ...page, rooms }
    } catch (error) {
      console.error(`lanchat: could not list more rooms on ${current.host}`, error)
      if (listing.value?.host === current.host) listing.value = current
    }
  }

  return { listing, load, loadMore }
}
