// What each row of a room's message list needs beyond itself, worked out from the rows alone:
// whose it is, whether it names us, whether it continues the message above, whether a new day
// starts above it, what its reply quotes. Pure: the list decorates only the rows it renders.
import { localDay } from './timeFormat.js'

// A message from the same sender within this long after the one above is drawn as part of it.
export const GROUP_WITHIN_SECONDS = 5 * 60
// The first row of a room whose whole history is held: "the beginning of the room".
export const BEGINNING = Object.freeze({ kind: 'beginning', key: 'beginning' })

/** The rows to list: `items`, after the beginning when nothing older is left to load. */
export function listRows(items, hasOlder) {
  // An empty room shows only the "empty" line, which names the room itself.
  return hasOlder || !items.length ? items : [BEGINNING, ...items]
}

export function isChat(row) {
  return row?.kind === 'message' || row?.kind === 'pending'
}

/** A row's time in seconds: a message's or notice's timestamp, an unsent message's creation. */
export function rowTime(row) {
  return row.timestamp ?? (row.createdAt ? row.createdAt / 1000 : null)
}

/** The time of the nearest row above `index` that has one (the "beginning" row has none). */
export function previousTime(list, index) {
  for (let above = index - 1; above >= 0; above--) {
    const seconds = rowTime(list[above])
    if (seconds != null) return seconds
  }
  return null
}

/**
 * What a reply quotes: its `original` as the list holds it now (an edit or a delete since the
 * reply arrived shows at once), else the server's quote from when the reply's frame was built.
 */
export function quoteOf(row, original) {
  const quote = row.replyTo
  if (!quote) return null
  if (!original) return quote
  const firstLine = original.deleted ? '' : original.text.split('\n', 1)[0].trim()
  return { ...quote, sender: original.sender, text: firstLine, deleted: original.deleted }
}

/**
 * Rows `start` to `end` of `list`, each as { row, own, mentioned, newLine, quote, grouped, day }.
 * @param {object} context
 * @param {(row: object) => boolean} context.isOwn  ownMessages.js
 * @param {(text: string) => boolean} context.mentionsMe
 * @param {string | null} context.lineKey  the row "New messages" goes above
 * @param {(id: number) => object | undefined} context.messageById  a message the list holds
 * @param {(seconds: number) => string} context.dayHeading  "Today", "Yesterday" or a date
 */
export function decorateRows(list, { start, end }, context) {
  const { isOwn, mentionsMe, lineKey, messageById, dayHeading } = context
  const decorated = []
  for (let index = start; index < end; index++) {
    const row = list[index]
    const previous = list[index - 1]
    const seconds = rowTime(row)
    const previousSeconds = previousTime(list, index)
    const newDay =
      seconds != null &&
      (previousSeconds == null || localDay(previousSeconds) !== localDay(seconds))
    const own = isOwn(row)
    decorated.push({
      row,
      own,
      mentioned: row.kind === 'message' && !own && mentionsMe(row.text),
      newLine: row.key === lineKey,
      quote: row.replyTo ? quoteOf(row, messageById(row.replyTo.id)) : null,
      grouped:
        !newDay &&
        isChat(row) &&
        isChat(previous) &&
        previous.sender === row.sender &&
        seconds - previousSeconds < GROUP_WITHIN_SECONDS,
      day: newDay ? dayHeading(seconds) : '',
    })
  }
  return decorated
}

/** How many messages came after the row keyed `lastSeenKey` (all of `items` when it is gone). */
export function countNewBelow(items, lastSeenKey) {
  const seen = items.findIndex((item) => item.key === lastSeenKey)
  return items.slice(seen + 1).filter((item) => item.kind === 'message').length
}
