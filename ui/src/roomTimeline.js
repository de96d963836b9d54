// What a room shows, oldest first: messages and join/leave notices. Pure functions:
// a timeline and frames in, a new timeline out; nothing here knows about sockets.
//
// A room's message ids only grow, and the server sends them in order, so "already
// held" is "not newer than the newest" (or, for older pages, "not older than the
// oldest"): no set of every id seen, and a duplicate costs nothing to spot.

// At most this many items stay in memory per room; the oldest go first and can be
// fetched again over HTTP. Bounds what a flood from one host costs every room.
export const MAX_TIMELINE_ITEMS = 5000

export function emptyTimeline() {
  return { items: [], newestId: 0, oldestId: 0, notices: 0 }
}

function messageItem(frame) {
  return {
    kind: 'message',
    key: `m${frame.id}`,
    id: frame.id,
    sender: frame.sender,
    text: frame.text,
    timestamp: frame.timestamp,
    deleted: frame.deleted === true,
    attachments: frame.attachments ?? [],
  }
}

/** The host deleted message `id`: it keeps its place, without its text. */
export function markDeleted(timeline, id) {
  const index = timeline.items.findIndex((item) => item.kind === 'message' && item.id === id)
  if (index < 0) return timeline
  const items = timeline.items.slice()
  items[index] = { ...items[index], text: '', deleted: true, attachments: [] }
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

export function appendNotice(timeline, { event, name, timestamp }) {
  const notices = timeline.notices + 1
  const item = { kind: 'notice', key: `n${notices}`, event, name, timestamp }
  return bounded({ ...timeline, notices }, timeline.items.concat([item]))
}
