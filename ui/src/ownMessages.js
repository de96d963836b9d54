// Whether a message in a room is ours: the one answer for the bubble's side, the "New messages"
// line and unread counts (which skip ours), mentions (ours never notify), read receipts (shown
// under our messages) and the edit and delete menu.
//
// By identity when both the message and we have one: the host decides who holds a name from it,
// so a rename keeps our messages ours, and someone who takes a name we once used does not get
// them. By name otherwise (a message from a client without an identity, or before the host has
// answered our hello): our name now, or one we used before a rename.

/**
 * @param {object} item  a timeline row: { kind, sender, identity } (roomTimeline.js), or an outbox entry
 * @param {object} me
 * @param {string | null} [me.identity]  the id this room's host knows us by, once it said so
 * @param {(name: string) => boolean} [me.isOwnName]  our name now or one we used before (useSettings)
 */
export function isOwnMessage(item, { identity = null, isOwnName = () => false } = {}) {
  if (item.kind === 'pending') return true // our outbox: not sent yet, ours by definition
  if (item.kind !== 'message') return false
  if (item.identity && identity) return item.identity === identity
  return isOwnName(item.sender)
}

/** Our names as the `isOwnName` of `isOwnMessage`. */
export function namedAs(names) {
  const set = new Set(names)
  return (name) => set.has(name)
}

/** `isOwnMessage` for one person, to hand to a list or a pure function that asks per message. */
export function ownMessageTest(me) {
  return (item) => isOwnMessage(item, me)
}
