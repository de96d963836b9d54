// The rooms a host has: one fetch of its /api/rooms, with the state the join screen shows.
import { ref } from 'vue'
import { roomsUrl } from '../protocol.js'

const ROOM_LIST_TIMEOUT_MS = 5000

/** @returns {{ listing: import('vue').Ref<{ host: string, state: 'loading'|'ready'|'failed', rooms: object[] } | null>, load: (host: string) => Promise<void> }} */
export function useRoomDirectory({ fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  const listing = ref(null)

  async function load(host) {
    // Reloading the same host keeps showing its last list until the new one arrives.
    const shown = listing.value?.host === host ? listing.value.rooms : []
    listing.value = { host, state: 'loading', rooms: shown }
    try {
      const response = await fetchImpl(roomsUrl(host), {
        signal: AbortSignal.timeout(ROOM_LIST_TIMEOUT_MS),
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const { rooms } = await response.json()
      // A later load for another host wins: an answer that comes back late is dropped.
      if (listing.value?.host === host) listing.value = { host, state: 'ready', rooms }
    } catch (error) {
      console.error(`lanchat: could not list the rooms on ${host}`, error)
      if (listing.value?.host === host) listing.value = { host, state: 'failed', rooms: [] }
    }
  }

  return { listing, load }
}
