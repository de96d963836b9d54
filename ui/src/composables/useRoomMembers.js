// Who is in a room and whose each name is: from the welcome, then presence (one join or leave, or
// the whole list when changes come faster than the host sends them). It also keeps a flood of
// comings and goings out of the timeline.
import { shallowRef } from 'vue'
import { identityRenames } from '../presenceNotices.js'

// Past this many join/leave notices a second (someone churning names), the member
// list still follows but the timeline stops taking notices until it calms down.
export const NOTICES_PER_SECOND = 20

/** The member list after one join, leave or rename, for a presence frame that carries no full list. */
export function membersAfter(current, { event, name, old }) {
  const others = current.filter((member) => member !== name && member !== old)
  return event === 'leave' ? others : [...others, name].sort()
}

/** Whose each name is after one change (a join or rename says so when an identity holds the name). */
export function identitiesAfter(current, { event, name, old, identity }) {
  const others = { ...current }
  delete others[name]
  if (old !== undefined) delete others[old]
  return event !== 'leave' && identity ? { ...others, [name]: identity } : others
}

export function useRoomMembers() {
  // Shallow: each change puts a new list (and a new map of identities) in place, never edits one,
  // and reading 1,024 names through a deep proxy made every reader's loop over them slow.
  const members = shallowRef([])
  // Name -> identity id of the members identities hold (to open a direct conversation with one).
  const memberIdentities = shallowRef({})
  let noticeWindow = { start: 0, count: 0 }
  let recentNames = { gone: {}, came: {} } // see identityRenames

  /** The identities now; the renames that tells of ([{ old, name, identity }]). */
  function follow(identities, now) {
    const found = identityRenames(memberIdentities.value, identities, recentNames, now / 1000)
    recentNames = found.recent
    memberIdentities.value = identities
    return found.renames
  }

  /** A welcome or members frame at `now` (ms): the whole list. Returns the renames it shows. */
  function replaced(frame, now = Date.now()) {
    members.value = frame.members
    return follow(frame.identities ?? {}, now)
  }

  /**
   * A presence frame at `now` (ms): one join, leave or rename (with the whole list, from a newer
   * host). Returns the renames it shows: the host's own, or one its identities tell.
   */
  function changed(frame, now = Date.now()) {
    members.value = frame.members ?? membersAfter(members.value, frame)
    const identities = identitiesAfter(memberIdentities.value, frame)
    if (frame.event !== 'rename') return follow(identities, now)
    memberIdentities.value = identities
    return [{ old: frame.old, name: frame.name, identity: frame.identity }]
  }

  /** The timeline's notice of a join, leave or rename at `now` (ms), or null in a flood of them. */
  function noticeOf({ event, name, old }, now) {
    if (now - noticeWindow.start >= 1000) noticeWindow = { start: now, count: 0 }
    noticeWindow.count += 1
    if (noticeWindow.count > NOTICES_PER_SECOND) return null // notices are for people
    return { event, name, old, timestamp: now / 1000 }
  }

  return { members, memberIdentities, replaced, changed, noticeOf }
}
