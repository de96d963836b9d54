// Direct conversations (server/protocol/PROTOCOL.md, "Direct conversations"): a room of two identities,
// named `@dm:` and both ids sorted, so both people arrive at the same room from either side.
const PREFIX = '@dm:'
const DIRECT_ROOM = /^@dm:([0-9a-f]{16}):([0-9a-f]{16})$/

/** The room of the conversation between two identity ids, or null when they make none. */
export function directRoomName(identity, other) {
  if (!identity || !other || identity === other) return null
  const [first, second] = [identity, other].sort()
  const room = `${PREFIX}${first}:${second}`
  return DIRECT_ROOM.test(room) ? room : null
}

/** Whether a room is a direct conversation (only the canonical spelling is one). */
export function isDirectRoom(room) {
  const match = DIRECT_ROOM.exec(room ?? '')
  return Boolean(match) && match[1] < match[2]
}

/** The identity ids of a direct room's two people, or null for another room. */
export function directPair(room) {
  if (!isDirectRoom(room)) return null
  return room.slice(PREFIX.length).split(':')
}

/**
 * The other person of a direct room, as its member list shows them: `{ name, here }`, or null for
 * another room. They are found by identity once ours is known (a name says nothing: either of us
 * may take any name), by "not one of our names" before; absent, they keep the name we know them by.
 * @param {string} room
 * @param {{ myIdentity: string|null, members: string[], memberIdentities: Record<string, string>,
 *   isOwnName: (name: string) => boolean, knownName: string }} state
 */
export function directPartner(
  room,
  { myIdentity, members, memberIdentities, isOwnName, knownName },
) {
  const pair = directPair(room)
  if (!pair) return null
  const theirs = pair.includes(myIdentity) ? pair.find((id) => id !== myIdentity) : null
  const isThem = (name) =>
    theirs && name in memberIdentities ? memberIdentities[name] === theirs : !isOwnName(name)
  const present = members.find(isThem)
  return { name: present ?? knownName, here: present !== undefined }
}
