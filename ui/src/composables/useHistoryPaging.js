// A room's history beyond what the live connection brought: older pages as the reader scrolls up,
// and the page around a message a jump asks for (a search result, a reply's quote), over HTTP.
import { computed, ref, shallowRef } from 'vue'
import { HISTORY_PAGE_MAX, historyMessages, historyUrl } from '../protocol.js'
import { hasSpace, prependMessages } from '../roomTimeline.js'
import { loadMessage } from '../messageJump.js'

/**
 * @param {object} options
 * @param {string} options.host
 * @param {string} options.room
 * @param {import('vue').ShallowRef<object>} options.state  the room's timeline (roomTimeline.js)
 * @param {(url: string) => Promise<Response>} options.fetch  GET with the room's token, if any
 */
export function useHistoryPaging({ host, room, state, fetch }) {
  const serverHasOlder = ref(false)
  const loadingOlder = ref(false)
  const olderFailed = ref(false)
  const jumpTarget = shallowRef(null)
  const hasOlder = computed(() => serverHasOlder.value && hasSpace(state.value))

  /** The welcome: older history exists when what we hold (or the replay) starts after the first. */
  function welcomed(frame) {
    const oldest = state.value.oldestId
    serverHasOlder.value = oldest ? oldest > 1 : frame.first_id > 1
  }

  /** A page of the room's history over HTTP (`before` or `around` an id), as JSON. */
  async function fetchHistory(params) {
    const response = await fetch(historyUrl(host, room, { ...params, limit: HISTORY_PAGE_MAX }))
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    return response.json()
  }

  async function loadOlder() {
    if (loadingOlder.value || !hasOlder.value) return
    loadingOlder.value = true
    olderFailed.value = false
    try {
      const page = await fetchHistory({ before: state.value.oldestId || undefined })
      state.value = prependMessages(state.value, historyMessages(page))
      serverHasOlder.value = page.has_more === true
    } catch (error) {
      console.error('lanchat: could not load older messages', error)
      olderFailed.value = true
    } finally {
      loadingOlder.value = false
    }
  }

  /**
   * Bring message `id` into the timeline (loading its history when it is not held) and make it
   * the one to scroll to: `jumpTarget`. Resolves to whether it is there to show.
   */
  async function jumpTo(id) {
    const timelineRef = { get: () => state.value, set: (next) => (state.value = next) }
    try {
      const { found, hasMore } = await loadMessage(timelineRef, id, fetchHistory)
      if (hasMore != null) serverHasOlder.value = hasMore
      if (found) jumpTarget.value = { id, at: Date.now() }
      return found
    } catch (error) {
      console.error('lanchat: could not load the message to jump to', error)
      return false
    }
  }

  /** The jump was shown: coming back to the room later opens it where it was left, not there. */
  function jumpShown() {
    jumpTarget.value = null
  }

  return { hasOlder, loadingOlder, olderFailed, jumpTarget, welcomed, loadOlder, jumpTo, jumpShown }
}
