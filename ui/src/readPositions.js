// Where this person stopped reading each room: the id of the newest message shown to them
// there. Kept in the UI's storage (mirrored to the window's data folder), so the "New messages"
// line and the unread counts survive a reload. Only ever moves forward.

const READ_KEY = 'lanchat.read'

/** @param {Storage} storage */
export function createReadPositions(storage) {
  let positions = load()

  function load() {
    try {
      const saved = JSON.parse(storage.getItem(READ_KEY) ?? '{}')
      return saved && typeof saved === 'object' && !Array.isArray(saved) ? saved : {}
    } catch {
      return {}
    }
  }

  function save() {
    storage.setItem(READ_KEY, JSON.stringify(positions))
  }

  return {
    /** The last read message id in room `key`, or null when this window never read it. */
    get: (key) => (Number.isInteger(positions[key]) ? positions[key] : null),
    /** Read up to `id`; false (nothing saved) when that is not further than before. */
    advance(key, id) {
      const known = positions[key]
      if (Number.isInteger(known) && id <= known) return false
      positions = { ...positions, [key]: id }
      save()
      return true
    },
    forget(key) {
      if (!(key in positions)) return
      positions = { ...positions }
      delete positions[key]
      save()
    },
  }
}

/**
 * What room `items` hold past `readUpTo`: messages from others, and how many of those name us.
 * Walks back from the newest and stops at the read position, so it costs what is unread.
 * `isOwn(item)`: whether a message is ours (ownMessages.js).
 */
export function unreadIn(items, readUpTo, { isOwn, mentionsMe }) {
  let count = 0
  let mentions = 0
  if (readUpTo === null) return { count, mentions }
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index]
    if (item.kind !== 'message') continue
    if (item.id <= readUpTo) break
    if (item.deleted || isOwn(item)) continue
    count += 1
    if (mentionsMe(item.text)) mentions += 1
  }
  return { count, mentions }
}

/** The key of the first message from someone else after `readUpTo`, where the line is drawn. */
export function firstUnreadKey(items, readUpTo, isOwn) {
  if (readUpTo === null) return null
  let found = null
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index]
    if (item.kind !== 'message') continue
    if (item.id <= readUpTo) break
    if (!item.deleted && !isOwn(item)) found = item.key
  }
  return found
}

/** The newest message id among `items`, or 0. */
export function newestMessageId(items) {
  for (let index = items.length - 1; index >= 0; index--)
    if (items[index].kind === 'message') return items[index].id
  return 0
}
