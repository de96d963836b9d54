// A burst of messages in one room becomes one notification: the first message of a quiet room
// opens a gathering window, and when it ends the room's messages so far go out as one summary.
// A steady stream therefore notifies once per window per room, never once per message.
//
// It lives in the UI, not in the desktop app: the browser's Notification API needs the same
// gathering, the UI already knows rooms and senders, and the wording is translated here.

import { isolate } from './bidi.js'

export const NOTIFICATION_GATHER_SECONDS = 3

/**
 * @param {(batch: {key: string, room: string, senders: string[], count: number, last: object}) => void} deliver
 * @param {object} [options]
 * @param {number} [options.gatherMs]
 */
export function createNotificationGatherer(
  deliver,
  { gatherMs = NOTIFICATION_GATHER_SECONDS * 1000 } = {},
) {
  const open = new Map() // room key -> the batch being gathered

  function add(key, room, message) {
    let batch = open.get(key)
    if (!batch) {
      batch = { key, room, senders: [], count: 0, last: null, timer: 0 }
      batch.timer = setTimeout(() => flush(key), gatherMs)
      open.set(key, batch)
    }
    if (!batch.senders.includes(message.sender)) batch.senders.push(message.sender)
    batch.count += 1
    batch.last = message
  }

  function flush(key) {
    const batch = open.get(key)
    if (!batch) return
    open.delete(key)
    clearTimeout(batch.timer)
    const { room, senders, count, last } = batch
    deliver({ key, room, senders, count, last })
  }

  /** Drop what is gathered (notifications were switched off, or the room was left). */
  function drop(key) {
    const keys = key === undefined ? [...open.keys()] : [key]
    for (const each of keys) {
      clearTimeout(open.get(each)?.timer)
      open.delete(each)
    }
  }

  return { add, drop }
}

/**
 * What one gathered batch says, as [title, body]; `t` is vue-i18n's. A title is plain text, so
 * names and the room are isolated with control characters (bidi.js), not <bdi>.
 */
export function notificationText(t, { room: roomName, senders, count, last }) {
  const room = isolate(roomName)
  if (count === 1) return [t('notify.one', { sender: isolate(last.sender), room }), last.text]
  const others = senders.length - 1
  const who = t('notify.senders', { name: isolate(senders[0]), n: others }, others)
  const what = t('notify.messages', { n: count }, count)
  return [t('notify.burst', { who, what, room }), last.text]
}

/** What a message that names us says, as [title, body]: it is never gathered with others. */
export function mentionText(t, room, message) {
  return [
    t('mentions.notify', { sender: isolate(message.sender), room: isolate(room) }),
    message.text,
  ]
}
