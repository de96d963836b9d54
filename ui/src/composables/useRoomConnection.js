// One room on one host: what the room view shows and the actions it calls. It
// composes the parts that each own one thing: the reconnecting socket (transport),
// the timeline (pure: frames in, what to show out), the outbox and typing. This
// file only turns incoming frames into calls on them.
import { computed, ref, shallowRef, toValue, watch } from 'vue'
import {
  DEFAULT_LIMITS,
  ErrorCode,
  FATAL_CLOSE_CODES,
  HISTORY_PAGE_MAX,
  charCount,
  deleteFrame,
  dispatchFrame,
  editFrame,
  helloFrame,
  historyMessages,
  historyUrl,
  passwordFrame,
  reactFrame,
  ROOM_TOKEN_HEADER,
  roomAccessUrl,
  roomSocketUrl,
} from '../protocol.js'
import { identitySecret } from '../identity.js'
import { forgetPassword, rememberedPassword, rememberPassword } from '../roomPasswords.js'
import {
  appendMessages,
  appendNotice,
  applyUpdate,
  emptyTimeline,
  hasSpace,
  markDeleted,
  prependMessages,
} from '../roomTimeline.js'
import { loadMessage } from '../messageJump.js'
import { useReconnectingSocket } from './useReconnectingSocket.js'
import { createPacer, useOutbox } from './useOutbox.js'
import { useUploads } from './useUploads.js'
import { isPageHost } from '../roomFiles.js'
import { useTyping } from './useTyping.js'
import { useReadReceipts } from './useReadReceipts.js'

export {
  BACKOFF_MAX_MS,
  CONNECT_TIMEOUT_MS,
  ConnectionStatus,
  backoffDelay,
} from './useReconnectingSocket.js'
import { appStorage } from '../windowStorage.js'
export { outboxKey } from './useOutbox.js'
export { TYPING_SHOW_MS } from './useTyping.js'

// Past this many join/leave notices a second (someone churning names), the member
// list still follows but the timeline stops taking notices until it calms down.
export const NOTICES_PER_SECOND = 20

// The refusals of a private room's door: each turns into the password prompt.
const PASSWORD_REFUSALS = new Set([
  ErrorCode.PASSWORD_REQUIRED,
  ErrorCode.PASSWORD_WRONG,
  ErrorCode.PASSWORD_LOCKED,
])

/** The member list after one join or leave, for a presence frame that carries no full list. */
function membersAfter(current, { event, name }) {
  const others = current.filter((member) => member !== name)
  return event === 'join' ? [...others, name].sort() : others
}

/** Whose each name is after one join or leave (a join says so when an identity holds the name). */
function identitiesAfter(current, { event, name, identity }) {
  const others = { ...current }
  delete others[name]
  return event === 'join' && identity ? { ...others, [name]: identity } : others
}

/**
 * @param {object} options
 * @param {string} options.host  "name:port" of the server the room lives on
 * @param {string} options.room
 * @param {import('vue').MaybeRefOrGetter<string>} options.name  who we are
 * @param {import('vue').MaybeRefOrGetter<boolean>} [options.receipts]  send and see read receipts
 * @param {boolean} [options.keepTrying]  reconnect even if the very first attempt fails (a room restored after a reload)
 * @param {(item: object) => void} [options.onLiveMessage]  a new message from someone else arrived
 * @param {(sender: string) => boolean} [options.isOwnName]  whether a name is ours (now or before a rename)
 * @param {(frame: {room: string, sender: string}) => void} [options.onDirect]  someone wrote to us
 *   in a direct conversation this window is not in now
 */
export function useRoomConnection({
  host,
  room,
  name,
  receipts = true,
  keepTrying = false,
  onLiveMessage = () => {},
  onDirect = () => {},
  isOwnName = (sender) => sender === toValue(name),
  storage = appStorage,
  WebSocketImpl = globalThis.WebSocket,
  fetchImpl = (...args) => globalThis.fetch(...args),
  random = Math.random,
  passwordStorage = undefined, // sessionStorage unless a test gives its own (see roomPasswords.js)
}) {
  const joined = ref(false) // a welcome has arrived at least once: we are in the room
  const state = shallowRef(emptyTimeline())
  const members = ref([])
  const serverHasOlder = ref(false)
  const loadingOlder = ref(false)
  const jumpTarget = shallowRef(null)
  const olderFailed = ref(false)
  const roomError = ref(null) // { code, retryAfter } of an error frame that concerns no message of ours
  // The latest refusal of one of our edits, deletes or reactions: { code, id, detail }.
  const changeError = ref(null)
  const limits = shallowRef(DEFAULT_LIMITS) // the server's, from its welcome frame
  const lastRefusal = shallowRef(null) // the error frame that explains a refused connection
  const identity = ref(null) // the id the host knows us by, from its answer to our hello
  // Name -> identity id of the members identities hold (to open a direct conversation with one).
  const memberIdentities = ref({})
  const nameTaken = ref(false) // someone else holds our name in this room: we must choose another
  // A private room asks for its password: { code, retryAfter } of the door's refusal, else null.
  const passwordPrompt = ref(null)
  const isPrivate = ref(false) // the room let us in with its password (a lock in its header)

  let live = false // the current connection is past its history replay
  let replay = [] // message and update frames held until the welcome, so a drop mid-replay half-applies nothing
  let resumeFrom = null // the room's last position we saw (a message's id or a change's seq); null until the first welcome
  let noticeWindow = { start: 0, count: 0 }
  let typedPassword = null // what the prompt was given, until the room accepts or refuses it
  let sentPassword = null // the password this connection opened with
  let historyToken = null // from the `entered` frame: a private room's HTTP history needs it
  let retryWith = null // a password this tab learnt meanwhile (the host's own panel): try it, not ask

  const pacer = createPacer(limits)
  const socket = useReconnectingSocket(
    () => roomSocketUrl(host, room, { name: toValue(name), after: resumeFrom }),
    {
      keepTrying,
      isFatal: (code) => FATAL_CLOSE_CODES.has(code),
      WebSocketImpl,
      random,
      onOpen() {
        live = false
        identifiedNow = false
        replay = []
        lastRefusal.value = null
        pacer.refill()
        // A private room's password comes first of all: the room sends nothing before it.
        historyToken = null
        sentPassword = typedPassword ?? rememberedPassword(host, room, passwordStorage)
        if (sentPassword) {
          pacer.take()
          socket.send(JSON.stringify(passwordFrame(sentPassword)))
        }
        // Then, before anything else: the host decides who holds our name from it.
        pacer.take()
        const secret = identitySecret(host, { storage })
        socket.send(JSON.stringify(helloFrame(secret, { receipts: toValue(receipts) })))
        readReceipts.opened()
      },
      onMessage: (data) => dispatchFrame(data, handlers),
      onClose() {
        if (retryWith) {
          typedPassword = retryWith
          retryWith = null
          // After the socket has finished failing (it marks itself failed right after this).
          setTimeout(() => socket.reconnect(), 0)
        }
        live = false
        outbox.setReady(false)
        typingState.clear()
      },
    },
  )
  const outbox = useOutbox({ host, room, name, pacer, storage, transmit: socket.send })
  const typingState = useTyping({ name, pacer, live: () => live, transmit: socket.send })
  let identifiedNow = false // this connection's hello has been answered
  const readReceipts = useReadReceipts({
    enabled: receipts,
    pacer,
    ready: () => live && identifiedNow,
    transmit: socket.send,
  })

  // A rename applies at once: the room's member list learns it from a fresh connection's ?name=
  // (resumed from the newest message, so nothing is missed); later frames carry it as sender.
  // After `nameTaken`, the new name also sends again what was refused for the old one (reopen
  // first: what is retried waits for the new connection's welcome).
  watch(
    () => toValue(name),
    (now, before) => {
      if (now && now !== before && joined.value) socket.reopen()
      if (now && nameTaken.value) retryUnderNewName()
    },
  )
  // Receipts on or off is said in the hello: a fresh connection says it (resumed, as for a rename).
  watch(
    () => toValue(receipts),
    (on) => {
      if (!on) readReceipts.clear()
      if (joined.value) socket.reopen()
    },
  )

  const failure = computed(() => {
    const value = socket.failure.value
    if (value?.reason !== 'rejected') return value
    return { reason: 'rejected', code: lastRefusal.value?.code ?? ErrorCode.ROOM_INVALID }
  })

  function showMessages(frames) {
    for (const frame of frames) if (frame.client_id) outbox.settle(frame.client_id)
    const { timeline, added } = appendMessages(state.value, frames)
    state.value = timeline
    resumeFrom = Math.max(resumeFrom ?? 0, timeline.newestId)
    return added
  }

  /** A change to a message (edit, delete, reaction): its item is replaced, if we hold it. */
  function showUpdate(frame) {
    state.value = applyUpdate(state.value, frame.message)
    resumeFrom = Math.max(resumeFrom ?? 0, frame.seq)
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

  // Notices are for people: a flood of them only costs every room's timeline.
  function noticeAllowed(now) {
    if (now - noticeWindow.start >= 1000) noticeWindow = { start: now, count: 0 }
    noticeWindow.count += 1
    return noticeWindow.count <= NOTICES_PER_SECOND
  }

  const handlers = {
    message(frame) {
      if (!live) {
        replay.push(frame)
        return
      }
      for (const item of showMessages([frame])) {
        typingState.stopped(item.sender)
        if (!isOwnName(item.sender)) onLiveMessage(item)
      }
    },
    update(frame) {
      if (!live) replay.push(frame)
      else showUpdate(frame)
    },
    welcome(frame) {
      showReplay(replay)
      replay = []
      resumeFrom = Math.max(resumeFrom ?? 0, frame.last_id)
      const oldest = state.value.oldestId
      serverHasOlder.value = oldest ? oldest > 1 : frame.first_id > 1
      members.value = frame.members
      memberIdentities.value = frame.identities ?? {}
      isPrivate.value = historyToken !== null
      // An older server may send fewer limits: ours fill the gaps.
      limits.value = { ...DEFAULT_LIMITS, ...frame.limits }
      live = true
      joined.value = true
      socket.confirm()
      outbox.setReady(true)
    },
    ack(frame) {
      outbox.acknowledged(frame.client_id)
    },
    identified(frame) {
      identity.value = frame.identity
      identifiedNow = true
      readReceipts.identified(frame.seen)
    },
    seen(frame) {
      readReceipts.heard(frame)
    },
    entered(frame) {
      // A direct room's door opens to our hello, not a password.
      if (sentPassword) rememberPassword(host, room, sentPassword, passwordStorage)
      typedPassword = null
      historyToken = frame.token
      passwordPrompt.value = null
      isPrivate.value = true
      // Only the page's own host can set the cookie; elsewhere files go with the token header.
      if (isPageHost(host)) openFiles(frame.token)
    },
    // A fresh token while we stay (the last one's life is half gone): history, search, uploads
    // and downloads read historyToken when they go, and the files cookie is renewed with it.
    token(frame) {
      historyToken = frame.token
      if (isPageHost(host)) openFiles(frame.token)
    },
    error(frame) {
      // A receipt of ours the host did not take concerns nobody: the next one says the same.
      const seenRefusal =
        frame.code === ErrorCode.SEEN_INVALID ||
        (frame.code === ErrorCode.RATE_LIMITED && Number.isInteger(frame.id) && !frame.client_id)
      if (seenRefusal) {
        console.warn('lanchat: the host did not take a read receipt:', frame.detail)
        return
      }
      const known = rememberedPassword(host, room, passwordStorage)
      if (frame.code === ErrorCode.PASSWORD_REQUIRED && known && known !== sentPassword) {
        retryWith = known // the room got a new password, and this tab was just given it
        return
      }
      if (PASSWORD_REFUSALS.has(frame.code)) {
        // A wrong or outdated password is not tried again by itself.
        if (frame.code !== ErrorCode.PASSWORD_LOCKED || typedPassword) {
          forgetPassword(host, room, passwordStorage)
          typedPassword = null
        }
        passwordPrompt.value = { code: frame.code, retryAfter: frame.retry_after }
        lastRefusal.value = frame
        return
      }
      // A room that was private and is open now: our password frame was not for it.
      if (frame.code === ErrorCode.UNKNOWN_TYPE && sentPassword && !historyToken) {
        forgetPassword(host, room, passwordStorage)
        return
      }
      if (frame.code === ErrorCode.NAME_TAKEN) nameTaken.value = true
      const shown = { code: frame.code, detail: frame.detail, retryAfter: frame.retry_after }
      // One of our edits, deletes or reactions was refused: it names the message, not a message of the outbox.
      if (frame.id != null && !frame.client_id) {
        changeError.value = { code: frame.code, id: frame.id, detail: frame.detail }
        roomError.value = shown
        return
      }
      const handled = outbox.refused(frame)
      // A message refused for a rename too soon is sent again later; the room still says why.
      if (frame.code === ErrorCode.NAME_CHANGE_TOO_SOON) roomError.value = shown
      if (handled) return
      // Refusals of one frame that say when to try again; they do not explain a refused connection.
      if (frame.code === ErrorCode.RATE_LIMITED || frame.code === ErrorCode.NAME_CHANGE_TOO_SOON) {
        roomError.value = shown
        return
      }
      lastRefusal.value = frame
      roomError.value = shown
    },
    presence(frame) {
      members.value = frame.members ?? membersAfter(members.value, frame)
      memberIdentities.value = identitiesAfter(memberIdentities.value, frame)
      if (isOwnName(frame.name)) return
      if (frame.event === 'leave') typingState.stopped(frame.name)
      const now = Date.now()
      if (!noticeAllowed(now)) return
      state.value = appendNotice(state.value, {
        event: frame.event,
        name: frame.name,
        timestamp: now / 1000,
      })
    },
    // Presence changes came faster than the host sends them: the whole list, and no notices.
    members(frame) {
      members.value = frame.members
      memberIdentities.value = frame.identities ?? {}
    },
    typing(frame) {
      typingState.heard(frame.sender)
    },
    direct(frame) {
      onDirect(frame)
    },
    // The host deleted a message: it stays in its place, marked, without its text.
    deleted(frame) {
      replay = replay.map((held) =>
        held.id === frame.id ? { ...held, text: '', deleted: true } : held,
      )
      state.value = markDeleted(state.value, frame.id)
    },
  }

  /**
   * Queue a message; it is sent now or as soon as the room is reachable. False when there is
   * nothing to send. `files`: finished uploads it attaches (the text may then be empty); `replyTo`:
   * the id of the message it answers. Both `send(text, { replyTo })` and `send(text, files, { replyTo })`.
   */
  function send(text, files = [], options = {}) {
    if (!Array.isArray(files)) return send(text, [], files)
    const { replyTo } = options
    const body = (text ?? '').trim()
    if ((!body && !files.length) || charCount(body) > limits.value.max_text_chars) return false
    typingState.sentMessage()
    outbox.add(body, files, { replyTo })
    return true
  }

  // Each file goes out as its own message once the host has all of it: one slow file never holds
  // back the others, and one that fails takes nothing else with it.
  const uploads = useUploads({
    host,
    room,
    roomToken: () => historyToken,
    storage,
    onUploaded: (file) => send('', [file]),
  })

  // <img> and download links cannot send the token header: the host trades it for a cookie that
  // opens this room's files (server/protocol/PROTOCOL.md, Files). Without it previews stay blank, nothing
  // else breaks, so a failure is only reported.
  async function openFiles(token) {
    try {
      const response = await fetchImpl(roomAccessUrl(host, room), {
        method: 'POST',
        headers: { [ROOM_TOKEN_HEADER]: token },
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
    } catch (error) {
      console.error('lanchat: could not open the room files', error)
    }
  }

  /** A page of the room's history over HTTP (`before` or `around` an id), as JSON. */
  async function fetchHistory(params) {
    const url = historyUrl(host, room, { ...params, limit: HISTORY_PAGE_MAX })
    // A private room's token goes in a header, never the URL (URLs end up in logs).
    const response = await (historyToken
      ? fetchImpl(url, { headers: { [ROOM_TOKEN_HEADER]: historyToken } })
      : fetchImpl(url))
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    return response.json()
  }

  // Edits, deletes and reactions go on the live connection only (they are not kept to send
  // later): false when there is none. The server's update frame shows the result.
  function sendChange(frame) {
    if (!live) return false
    pacer.take()
    changeError.value = null
    return socket.send(JSON.stringify(frame))
  }

  /** A new text for our own message `id` (within the host's edit window). */
  function edit(id, text) {
    const body = (text ?? '').trim()
    if (!body || charCount(body) > limits.value.max_text_chars) return false
    return sendChange(editFrame(id, body))
  }

  /** Delete our own message `id`. */
  function remove(id) {
    return sendChange(deleteFrame(id))
  }

  /** Put our `emoji` on message `id` (on true) or take it back (false). */
  function react(id, emoji, on) {
    if (!emoji) return false
    return sendChange(reactFrame(id, emoji, on))
  }

  async function loadOlder() {
    if (loadingOlder.value || !hasOlder.value) return
    loadingOlder.value = true
    olderFailed.value = false
    try {
      const page = await fetchHistory({ before: state.value.oldestId || undefined })
      state.value = prependMessages(state.value, historyMessages(page))
      serverHasOlder.value = page.has_more === true
    } catch (error) {
      console.error('lanchat: could not load older messages', error)
      olderFailed.value = true
    } finally {
      loadingOlder.value = false
    }
  }

  /**
   * Bring message `id` into the timeline (loading its history when it is not held) and make it
   * the one to scroll to: `jumpTarget`. Resolves to whether it is there to show.
   */
  async function jumpTo(id) {
    const timelineRef = { get: () => state.value, set: (next) => (state.value = next) }
    try {
      const { found, hasMore } = await loadMessage(timelineRef, id, fetchHistory)
      if (hasMore != null) serverHasOlder.value = hasMore
      if (found) jumpTarget.value = { id, at: Date.now() }
      return found
    } catch (error) {
      console.error('lanchat: could not load the message to jump to', error)
      return false
    }
  }

  function leave() {
    live = false
    outbox.setReady(false)
    typingState.clear()
    socket.close()
  }

  function retryUnderNewName() {
    nameTaken.value = false
    if (roomError.value?.code === ErrorCode.NAME_TAKEN) roomError.value = null
    for (const entry of outbox.entries.value)
      if (entry.state === 'failed' && entry.error === ErrorCode.NAME_TAKEN)
        outbox.retry(entry.clientId)
  }

  /** The password the prompt was given: try the room again with it. */
  function enterPassword(password) {
    if (!password) return
    typedPassword = password
    passwordPrompt.value = null
    socket.reconnect()
  }

  /** Leave the room and forget what was waiting to be sent. */
  function forget() {
    leave()
    outbox.clear()
  }

  const timeline = computed(() => state.value.items) // messages and join/leave notices, oldest first
  const hasOlder = computed(() => serverHasOlder.value && hasSpace(state.value))

  return {
    host,
    room,
    status: socket.status,
    retryIn: socket.retryIn,
    downSince: socket.downSince,
    failure,
    joined,
    timeline,
    outbox: outbox.entries,
    members,
    typingNames: typingState.typingNames,
    hasOlder,
    loadingOlder,
    olderFailed,
    roomError,
    changeError,
    limits,
    identity,
    memberIdentities,
    nameTaken,
    passwordPrompt,
    isPrivate,
    enterPassword,
    send,
    edit,
    remove,
    react,
    retrySend: outbox.retry,
    discard: outbox.settle,
    typing: typingState.typing,
    receipts: readReceipts.receipts,
    // Our person has seen the room up to this message id (open, focused, in view).
    markSeen: readReceipts.shown,
    loadOlder,
    jumpTo,
    jumpTarget, // { id, at }: the message a jump asked to show (ChatRoom scrolls to it)
    dismissError: () => (roomError.value = null),
    reconnect: socket.reconnect,
    uploads,
    // The token a private or direct room's door gave (null for an open room): uploads, search.
    roomToken: () => historyToken,
    leave,
    forget,
  }
}
