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
    // When each was said, to tell a quick return (or a rename) from news.
    joinedAt: event === 'join' ? { [name]: timestamp } : {},
    leftAt: event === 'leave' ? { [name]: timestamp } : {},
    timestamp,
  }
}

/** The index of the line that says `name` joined or left (`list`), at most REJOIN_GRACE_SECONDS ago. */
function recentLine(items, list, name, now) {
  const at = list === 'joined' ? 'joinedAt' : 'leftAt'
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index]
    if (!isPresence(item) || !item[list].includes(name)) continue
    return now - item[at][name] <= REJOIN_GRACE_SECONDS ? index : -1
  }
  return -1
}

/** The items without `name` in a recent line's `list` ('joined' or 'left'); a line left empty goes. */
function unsaid(items, list, name, now) {
  const index = recentLine(items, list, name, now)
  if (index < 0) return items
  const line = items[index]
  const at = list === 'joined' ? 'joinedAt' : 'leftAt'
  const times = { ...line[at] }
  delete times[name]
  const changed = { ...line, [list]: without(line[list], name), [at]: times }
  const empty = !changed.joined.length && !changed.left.length
  return empty ? removedAt(items, index) : replacedAt(items, index, changed)
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
    if (recentLine(items, 'left', name, timestamp) >= 0)
      return unsaid(items, 'left', name, timestamp)
    if (!isPresence(last)) return [...items, presenceItem(key, change)]
    if (last.joined.includes(name)) return items
    const joinedAt = { ...last.joinedAt, [name]: timestamp }
    return replacedAt(items, items.length - 1, {
      ...last,
      joined: [...last.joined, name],
      joinedAt,
    })
  }
  if (event === 'leave') {
    if (!isPresence(last)) return [...items, presenceItem(key, change)]
    if (last.left.includes(name)) return items // the same person's leave again
    const leftAt = { ...last.leftAt, [name]: timestamp }
    return replacedAt(items, items.length - 1, { ...last, left: [...last.left, name], leftAt })
  }
  // A rename. A client that renames by reconnecting was first shown leaving under the old name
  // and joining under the new one: neither was news.
  const shown = unsaid(unsaid(items, 'left', change.old, timestamp), 'joined', name, timestamp)
  const latest = shown.at(-1)
  // Someone who just joined is listed by the new name; a rename of a rename is one.
  if (isPresence(latest) && latest.joined.includes(change.old)) {
    const joined = latest.joined.map((other) => (other === change.old ? name : other))
    const { [change.old]: at, ...joinedAt } = latest.joinedAt
    return replacedAt(shown, shown.length - 1, {
      ...latest,
      joined,
      joinedAt: { ...joinedAt, [name]: at },
    })
  }
  if (latest?.kind === 'notice' && latest.event === 'rename' && latest.name === change.old) {
    return replacedAt(shown, shown.length - 1, { ...latest, name })
  }
  return [...shown, { kind: 'notice', key, event: 'rename', name, old: change.old, timestamp }]
}

/**
 * Renames told by who holds which name: a client that renames by reconnecting leaves under one name
 * and joins under another, and only its identity (in the member list's identities) says it is one
 * person. `before` and `after` map names to identity ids; `recent` ({ gone, came }: identity ->
 * { name, at }) is what the last calls saw, returned updated. Either order counts, within
 * REJOIN_GRACE_SECONDS: the old name gone first, or the new one there first.
 */
export function identityRenames(before, after, recent, now) {
  const gone = { ...recent.gone }
  const came = { ...recent.came }
  const renames = []
  const fresh = (entry) => entry !== undefined && now - entry.at <= REJOIN_GRACE_SECONDS
  for (const [name, identity] of Object.entries(after)) {
    if (before[name] === identity) continue
    const left = gone[identity]
    if (fresh(left) && left.name !== name && !(left.name in after)) {
      renames.push({ old: left.name, name, identity })
      delete gone[identity]
    } else came[identity] = { name, at: now }
  }
  for (const [name, identity] of Object.entries(before)) {
    if (after[name] === identity) continue
    const arrived = came[identity]
    if (fresh(arrived) && arrived.name !== name && after[arrived.name] === identity) {
      renames.push({ old: name, name: arrived.name, identity })
      delete came[identity]
    } else gone[identity] = { name, at: now }
  }
  return { renames, recent: { gone, came } }
}
