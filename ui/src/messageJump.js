// Bringing a message that is not in memory into a room's timeline, to jump to it (from a search
// result, or a reply's quote): the history page around it, and the pages between it and what the
// timeline holds, so the timeline never has a hole in it. Ids are increasing but not contiguous,
// so "nothing between" is known only from a page that reaches the timeline's oldest message.
import { hasSpace, prependMessages } from './roomTimeline.js'
import { historyMessages } from './protocol.js'

export function holds(timeline, id) {
  return timeline.items.some((item) => item.kind === 'message' && item.id === id)
}

/**
 * Load message `id` into the timeline `room.get()` (written back with `room.set`, which may have
 * moved on meanwhile: live messages keep coming). `fetchPage({ around } | { before })` answers a
 * history page. Resolves to { found, hasMore }: whether the message is now held, and (when a page
 * was loaded) whether the server keeps older messages than the timeline now holds.
 */
export async function loadMessage(room, id, fetchPage) {
  if (holds(room.get(), id)) return { found: true, hasMore: null }
  const oldest = room.get().oldestId
  // Newer than the oldest held and not held: deleted from view, or never in this room.
  if (oldest && id > oldest) return { found: false, hasMore: null }
  const around = await fetchPage({ around: id })
  const page = historyMessages(around)
  if (!page.some((message) => message.id === id)) return { found: false, hasMore: null }
  const pageNewest = page.at(-1).id
  let hasMore = around.has_more === true
  // Fill from the timeline's oldest back to the page, newest first.
  while (room.get().oldestId > pageNewest && around.has_newer) {
    if (!hasSpace(room.get())) return { found: false, hasMore: true }
    const older = await fetchPage({ before: room.get().oldestId })
    const messages = historyMessages(older)
    room.set(prependMessages(room.get(), messages))
    if (!older.has_more || !messages.length || messages[0].id <= pageNewest) break
  }
  room.set(prependMessages(room.get(), page)) // as much as fits: then maybe not the message

  return { found: holds(room.get(), id), hasMore }
}
