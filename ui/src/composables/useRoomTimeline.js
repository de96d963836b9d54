// What one room shows, as the frames of its connections build it: the timeline (roomTimeline.js
// does the pure work), the replay held back until a welcome says it is complete, and where the
// room was last seen, so the next connection resumes from there.
import { computed, shallowRef } from 'vue'
import {
  appendMessages,
  appendNotice,
  applyUpdate,
  emptyTimeline,
  markDeleted,
} from '../roomTimeline.js'

/**
 * @param {object} options
 * @param {(clientId: string) => void} options.onConfirmed  a message of ours is in the room now
 */
export function useRoomTimeline({ onConfirmed }) {
  const state = shallowRef(emptyTimeline())
  let replay = [] // message and update frames held until the welcome, so a drop mid-replay half-applies nothing
  let resumeFrom = null // the room's last position we saw (a message's id or a change's seq); null until the first welcome

  function seenUpTo(position) {
    resumeFrom = Math.max(resumeFrom ?? 0, position)
  }

  /** Messages shown now; the items they added (none for what was already held). */
  function showMessages(frames) {
    for (const frame of frames) if (frame.client_id) onConfirmed(frame.client_id)
    const { timeline, added } = appendMessages(state.value, frames)
    state.value = timeline
    seenUpTo(timeline.newestId)
    return added
  }

  /** A change to a message (edit, delete, reaction): its item is replaced, if we hold it. */
  function showUpdate(frame) {
    state.value = applyUpdate(state.value, frame.message)
    seenUpTo(frame.seq)
  }

  /** The replay, in the server's order: updates of what we held, then the messages after it. */
  function showReplay(frames) {
    let run = []
    for (const frame of frames) {
      if (frame.type !== 'update') {
        run.push(frame)
        continue
      }
      if (run.length) showMessages(run)
      run = []
      showUpdate(frame)
    }
    if (run.length) showMessages(run)
  }

  return {
    state,
    timeline: computed(() => state.value.items), // messages and join/leave notices, oldest first
    /** Where a new connection resumes from (null: from the room's recent history). */
    resumeFrom: () => resumeFrom,
    /** A new connection: what an old one held back is dropped (the replay comes again). */
    opened() {
      replay = []
    },
    /** A message or update frame of the replay, kept until the welcome. */
    hold(frame) {
      replay.push(frame)
    },
    /** The welcome: the held replay is complete; show it. */
    welcomed(frame) {
      showReplay(replay)
      replay = []
      seenUpTo(frame.last_id)
    },
    showMessages,
    showUpdate,
    showNotice(notice) {
      state.value = appendNotice(state.value, notice)
    },
    // The host deleted a message: it stays in its place, marked, without its text.
    deleted(id) {
      replay = replay.map((held) => (held.id === id ? { ...held, text: '', deleted: true } : held))
      state.value = markDeleted(state.value, id)
    },
  }
}
