// Read receipts as the room view shows them: who has seen how far (identity -> { name, id }),
// and the "Seen by Anna, Bob" line under our own latest message that others have seen. Pure:
// frames in, what to show out (useReadReceipts owns the sending and the state).

// Names the line spells out; past them it says "+N".
export const SEEN_NAMES_SHOWN = 3

/** The receipts of an `identified` frame's list. */
export function receiptsFromList(list = []) {
  const receipts = {}
  for (const { identity, name, id } of list) receipts[identity] = { name, id }
  return receipts
}

/** The receipts after one `seen` frame: a receipt only ever moves forward. */
export function withReceipt(receipts, { identity, name, id }) {
  if ((receipts[identity]?.id ?? 0) >= id) return receipts
  return { ...receipts, [identity]: { name, id } }
}

/** The receipts after a `receipts` frame: the ones that moved since the host's last, each forward only. */
export function withReceipts(receipts, list) {
  return list.reduce(withReceipt, receipts)
}

/** The receipts after someone took a new name: theirs say it (the line names people as they are now). */
export function renamedIn(receipts, { identity, name }) {
  const receipt = receipts[identity]
  if (!receipt || receipt.name === name) return receipts
  return { ...receipts, [identity]: { ...receipt, name } }
}

/**
 * The line to show: under our latest message that someone else has seen (up to it or past it),
 * `{ key, names, more, all }` with `names` the first SEEN_NAMES_SHOWN readers by name and `more`
 * how many others; null when nobody has seen any of ours.
 * @param {object[]} items  the timeline, oldest first
 * @param {Record<string, {name: string, id: number}>} receipts
 * @param {object} options
 * @param {(item: object) => boolean} options.isOwn  whether a timeline message is ours
 * @param {string | null} options.me  our identity: our own receipts (other tabs) are not shown
 */
export function seenLine(items, receipts, { isOwn, me }) {
  const others = Object.entries(receipts).filter(([identity]) => identity !== me)
  if (!others.length) return null
  const furthest = Math.max(...others.map(([, receipt]) => receipt.id))
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index]
    if (item.kind !== 'message' || item.id > furthest || item.deleted || !isOwn(item)) continue
    // Each name once: one person's other identities (another browser, cleared storage) and
    // guests who kept the default name would otherwise read as "Гость, Гость".
    const all = [
      ...new Set(
        others.filter(([, receipt]) => receipt.id >= item.id).map(([, receipt]) => receipt.name),
      ),
    ].sort((a, b) => a.localeCompare(b))
    return {
      key: item.key,
      names: all.slice(0, SEEN_NAMES_SHOWN),
      more: Math.max(0, all.length - SEEN_NAMES_SHOWN),
      all,
    }
  }
  return null
}
