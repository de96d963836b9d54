// What a room shows, oldest first: messages and join/leave notices. Pure functions:
// a timeline and frames in, a new timeline out; nothing here knows about sockets.
//
// A room's message ids only grow, and the server sends them in order, so "already
// held" is "not newer than the newest" (or, for older pages, "not older than the
// oldest"): no set of every id seen, and a duplicate costs nothing to spot. Ids are
// positions in the room's one sequence, so they leave gaps where an edit, a delete or
// a reaction took a position; a change replaces its message's item (applyUpdate).

import { foldPresence } from './presenceNotices.js'

// At most this many items stay in memory per room; the oldest go first and can be
// fetched again over HTTP. Bounds what a flood from one host costs every room.
export const MAX_TIMELINE_ITEMS = 5000

export function emptyTimeline() {
  return { items: [], newestId: 0, oldestId: 0, notices: 0 }
}

/**
 * What the room view shows of a message frame. `identity` is the sender's (null for a client
 * without one), `replyTo` the quote of the message it answers ({id, sender, text, deleted,
 * missing} or null), `edited` when it was last edited (seconds, or null), `reactions`
 * [{emoji, by: [{identity, name}]}] in the server's order.
 */
export function messageItem(frame) {
  const reply = frame.reply_to
  return {
    kind: 'message',
    key: `m${frame.id}`,
    id: frame.id,
    sender: frame.sender,
    text: frame.text,
    timestamp: frame.timestamp,
    identity: frame.identity ?? null,
    replyTo: reply
      ? {
          id: reply.id,
          sender: reply.sender,
          text: reply.text,
          deleted: reply.deleted === true,
          missing: reply.missing === true,
        }
      : null,
    edited: frame.edited ?? null,
    deleted: frame.deleted === true,
    attachments: frame.attachments ?? [],
    reactions: frame.reactions ?? [],
  }
}

function indexOfMessage(timeline, id) {
  // Changes mostly concern recent messages: look from the end.
  for (let index = timeline.items.length - 1; index >= 0; index -= 1) {
    const item = timeline.items[index]
    if (item.kind === 'message' && item.id === id) return index
  }
  return -1
}

/** An update frame's message: it replaces the item with its id; one we do not hold is ignored. */
export function applyUpdate(timeline, frame) {
  const index = indexOfMessage(timeline, frame.id)
  if (index < 0) return timeline
  const items = timeline.items.slice()
  items[index] = messageItem(frame)
  return { ...timeline, items }
}

/** An older server's `deleted` frame: message `id` keeps its place, without its text. */
export function markDeleted(timeline, id) {
  const index = indexOfMessage(timeline, id)
  if (index < 0) return timeline
  const items = timeline.items.slice()
  items[index] = { ...items[index], text: '', deleted: true, reactions: [], attachments: [] }
  return { ...timeline, items }
}

// Past the bound the oldest items go.
function bounded(timeline, items) {
  const over = items.length - MAX_TIMELINE_ITEMS
  if (over <= 0) return { ...timeline, items }
  const kept = items.slice(over)
  return { ...timeline, items: kept, oldestId: firstMessageId(kept) }
}

function firstMessageId(items) {
  for (const item of items) if (item.kind === 'message') return item.id
  return 0
}

/** New messages (live or replayed) at the end; `added` holds the ones not already shown. */
export function appendMessages(timeline, frames) {
  const added = []
  let newestId = timeline.newestId
  for (const frame of frames) {
    if (frame.id <= newestId) continue
    newestId = frame.id
    added.push(messageItem(frame))
  }
  if (!added.length) return { timeline, added }
  const next = {
    ...timeline,
    newestId,
    oldestId: timeline.oldestId || added[0].id,
  }
  return { timeline: bounded(next, timeline.items.concat(added)), added }
}

/** A page of older history (oldest first) before everything shown, as much of it as fits. */
export function prependMessages(timeline, frames) {
  const space = MAX_TIMELINE_ITEMS - timeline.items.length
  const unseen = frames.filter((frame) => !timeline.oldestId || frame.id < timeline.oldestId)
  const older = space > 0 ? unseen.slice(-space) : []
  if (!older.length) return timeline
  return {
    ...timeline,
    items: [...older.map(messageItem), ...timeline.items],
    oldestId: older[0].id,
    newestId: Math.max(timeline.newestId, older.at(-1).id),
  }
}

/** Whether older history may still be loaded: a full room lets its oldest go instead. */
export function hasSpace(timeline) {
  return timeline.items.length < MAX_TIMELINE_ITEMS
}

/** A join, leave or rename, folded into the comings and goings around it (presenceNotices.js). */
export function appendNotice(timeline, change) {
  const notices = timeline.notices + 1
  const items = foldPresence(timeline.items, change, `n${notices}`)
  if (items === timeline.items) return timeline
  return bounded({ ...timeline, notices }, items)
}
