// What was being written in each room, kept in the page's storage (the window mirrors it to its
// data folder), so a draft survives a reload, a restart, and leaving the room and joining it again.
// Drafts of rooms left behind would pile up for good, so only the most recently written ones are
// kept: each draft under its own key (a keystroke rewrites one small item, not a list of texts),
// and one short list of the rooms that have one, oldest first, to know which to drop.

export const MAX_KEPT_DRAFTS = 30

const ORDER_KEY = 'lanchat.drafts'
const draftKey = (roomKey) => `lanchat.draft.${roomKey}`

/** @param {Storage} storage  localStorage-shaped (getItem, setItem, removeItem) */
export function createRoomDrafts(storage, { limit = MAX_KEPT_DRAFTS } = {}) {
  function order() {
    try {
      const saved = JSON.parse(storage.getItem(ORDER_KEY))
      return Array.isArray(saved) ? saved.filter((key) => typeof key === 'string') : []
    } catch {
      return []
    }
  }

  /** The draft kept for room `roomKey` ("host/room"), or ''. */
  function get(roomKey) {
    return storage.getItem(draftKey(roomKey)) ?? ''
  }

  /** Keep `text` as room `roomKey`'s draft; an empty text drops it. */
  function set(roomKey, text) {
    const before = order()
    // Typing on in the newest draft changes only the draft itself.
    if (text && before.at(-1) === roomKey) {
      storage.setItem(draftKey(roomKey), text)
      return
    }
    const keys = before.filter((key) => key !== roomKey)
    if (text) {
      storage.setItem(draftKey(roomKey), text)
      keys.push(roomKey)
    } else storage.removeItem(draftKey(roomKey))
    while (keys.length > limit) storage.removeItem(draftKey(keys.shift()))
    if (keys.length !== before.length || keys.some((key, index) => key !== before[index]))
      storage.setItem(ORDER_KEY, JSON.stringify(keys))
  }

  return { get, set }
}
