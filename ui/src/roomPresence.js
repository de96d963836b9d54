// A room's presence frames, as the connection handles them: the member list follows every one,
// the timeline tells comings and goings (never our own), and a rename is told once as a rename,
// to the read receipts and to the window (the direct conversations follow a new name).

/**
 * The `presence` and `members` handlers of a room connection's dispatch table.
 * @param {object} parts  members (useRoomMembers), timeline, typingState, readReceipts,
 *   isOwnName(name), identity (a ref: ours, once the hello is answered), onRenamed({old, name, identity})
 */
export function presenceHandlers({
  members,
  timeline,
  typingState,
  readReceipts,
  isOwnName,
  identity,
  onRenamed,
}) {
  /** Someone took a new name: told once, as a rename (never our own), and to the window. */
  function showRenames(renames, now) {
    const mine = identity.value
    for (const { old, name: theirName, identity: theirs } of renames) {
      typingState.stopped(old)
      if (theirs) readReceipts.renamed({ identity: theirs, name: theirName })
      if (theirs && theirs !== mine) onRenamed({ old, name: theirName, identity: theirs })
      if (isOwnName(theirName) || (theirs && theirs === mine)) continue
      const notice = members.noticeOf({ event: 'rename', old, name: theirName }, now)
      if (notice) timeline.showNotice(notice)
    }
  }

  return {
    presence(frame) {
      const now = Date.now()
      const renames = members.changed(frame, now)
      if (frame.event !== 'rename' && !isOwnName(frame.name)) {
        if (frame.event === 'leave') typingState.stopped(frame.name)
        const notice = members.noticeOf(frame, now)
        if (notice) timeline.showNotice(notice)
      }
      showRenames(renames, now)
    },
    // Presence changes came faster than the host sends them: the whole list, and no notices of
    // joins and leaves (a rename its identities tell is still one).
    members: (frame) => showRenames(members.replaced(frame), Date.now()),
  }
}
