// Comings and goings in the timeline, folded the way Slack and Telegram fold them: changes with no
// message between them make one line ("Anna and Bob joined", "3 people joined, Carl left"), a
// repeated leave adds nothing, and a leave followed by the same name's join within a moment (a
// reload, a reconnect, a restart of the host) disappears with that join. Pure functions over the
// timeline's items; timestamps in seconds.

// A name that comes back this soon after leaving was away for a reload or a reconnect (the
// socket's backoff reaches some seconds; a restarted host takes a few more): not news.
export const REJOIN_GRACE_SECONDS = 30

const isPresence = (item) => item?.kind === 'notice' && item.event === 'presence'
const without = (names, name) => names.filter((other) => other !== name)

/** A new presence line: who joined and who left, in order. */
function presenceItem(key, { event, name, timestamp }) {
  return {
    kind: 'notice',
    key,
    event: 'presence',
    joined: event === 'join' ? [name] : [],
    left: event === 'leave' ? [name] : [],
    leftAt: event === 'leave' ? { [name]: timestamp } : {},
    timestamp,
  }
}

/** The index of the line that says `name` left, when that was at most REJOIN_GRACE_SECONDS ago. */
function recentLeave(items, name, now) {
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index]
    if (!isPresence(item) || !item.left.includes(name)) continue
    return now - item.leftAt[name] <= REJOIN_GRACE_SECONDS ? index : -1
  }
  return -1
}

// Not Array.prototype.with and toSpliced: the desktop window's engine may predate them.
const replacedAt = (items, index, item) => items.map((other, at) => (at === index ? item : other))
const removedAt = (items, index) => items.filter((_, at) => at !== index)

/**
 * The timeline's items after one change: `{ event: 'join' | 'leave' | 'rename', name, old?,
 * timestamp }`. `key` names a line it adds (the items are returned unchanged when nothing shows).
 */
export function foldPresence(items, change, key) {
  const { event, name, timestamp } = change
  const last = items.at(-1)
  if (event === 'join') {
    const index = recentLeave(items, name, timestamp)
    if (index >= 0) {
      const line = items[index]
      const leftAt = { ...line.leftAt }
      delete leftAt[name]
      const back = { ...line, left: without(line.left, name), leftAt }
      const empty = !back.joined.length && !back.left.length
      return empty ? removedAt(items, index) : replacedAt(items, index, back)
    }
    if (!isPresence(last)) return [...items, presenceItem(key, change)]
    if (last.joined.includes(name)) return items
    return replacedAt(items, items.length - 1, { ...last, joined: [...last.joined, name] })
  }
  if (event === 'leave') {
    if (!isPresence(last)) return [...items, presenceItem(key, change)]
    if (last.left.includes(name)) return items // the same person's leave again
    const leftAt = { ...last.leftAt, [name]: timestamp }
    return replacedAt(items, items.length - 1, { ...last, left: [...last.left, name], leftAt })
  }
  // A rename: someone who just joined is listed by the new name; a rename of a rename is one.
  if (isPresence(last) && last.joined.includes(change.old)) {
    const joined = last.joined.map((other) => (other === change.old ? name : other))
    return replacedAt(items, items.length - 1, { ...last, joined })
  }
  if (last?.kind === 'notice' && last.event === 'rename' && last.name === change.old) {
    return replacedAt(items, items.length - 1, { ...last, name })
  }
  return [...items, { kind: 'notice', key, event: 'rename', name, old: change.old, timestamp }]
}
