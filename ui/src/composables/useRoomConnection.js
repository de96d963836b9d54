// One room on one host: what the room view shows and the actions it calls. It composes parts
// that each own one thing (the socket, the room's door and token, the timeline, history paging,
// members, our name, the outbox, message changes, typing, receipts) and only opens connections
// and turns incoming frames into calls on them; roomRefusals.js says where each refusal goes.
import { computed, getCurrentScope, onScopeDispose, ref, shallowRef, toValue, watch } from 'vue'
import {
  DEFAULT_LIMITS,
  ErrorCode,
  FATAL_CLOSE_CODES,
  charCount,
  dispatchFrame,
  helloFrame,
  roomSocketUrl,
  travelsInClear,
} from '../protocol.js'
import { identitySecret } from '../identity.js'
import { isOwnMessage } from '../ownMessages.js'
import { Refusal, refusalOf } from '../roomRefusals.js'
import { appStorage } from '../windowStorage.js'
import { DoorAnswer, useRoomAccess } from './useRoomAccess.js'
import { useRoomTimeline } from './useRoomTimeline.js'
import { useHistoryPaging } from './useHistoryPaging.js'
import { useRoomMembers } from './useRoomMembers.js'
import { useRoomName } from './useRoomName.js'
import { useMessageChanges } from './useMessageChanges.js'
import { useReconnectingSocket } from './useReconnectingSocket.js'
import { createPacer, useOutbox } from './useOutbox.js'
import { useUploads } from './useUploads.js'
import { useTyping } from './useTyping.js'
import { useReadReceipts } from './useReadReceipts.js'
import { presenceHandlers } from '../roomPresence.js'

/**
 * @param {object} options
 * @param {string} options.host  "name:port" of the server the room lives on
 * @param {string} options.room
 * @param {import('vue').MaybeRefOrGetter<string>} options.name  who we are
 * @param {import('vue').MaybeRefOrGetter<boolean>} [options.receipts]  send and see read receipts
 * @param {boolean} [options.keepTrying]  reconnect even if the very first attempt fails (a room restored after a reload)
 * @param {(item: object) => void} [options.onLiveMessage]  a new message from someone else arrived
 * @param {(sender: string) => boolean} [options.isOwnName]  whether a name is ours (now or before a rename)
 * @param {(frame: {room: string, sender: string}) => void} [options.onDirect]  someone wrote to us in a direct conversation this window is not in now
 * @param {(rename: {name: string, old: string, identity: string}) => void} [options.onRenamed]  someone else took a new name here
 */
export function useRoomConnection({
  host,
  room,
  name,
  receipts = true,
  keepTrying = false,
  onLiveMessage = () => {},
  onDirect = () => {},
  onRenamed = () => {},
  isOwnName = (sender) => sender === toValue(name),
  storage = appStorage,
  WebSocketImpl = globalThis.WebSocket,
  fetchImpl = (...args) => globalThis.fetch(...args),
  random = Math.random,
  passwordStorage = undefined, // sessionStorage unless a test gives its own (see roomPasswords.js)
}) {
  const joined = ref(false) // a welcome has arrived at least once: we are in the room
  const roomError = ref(null) // { code, retryAfter } of an error frame that concerns no message of ours
  const limits = shallowRef(DEFAULT_LIMITS) // the server's, from its welcome frame
  const lastRefusal = shallowRef(null) // the error frame that explains a refused connection
  const identity = ref(null) // the id the host knows us by, from its answer to our hello
  // How many of the room's connections cross the network unencrypted (a host that lets browsers
  // in over plain HTTP says so): everyone in the room is told.
  const unencrypted = ref(0)

  let live = false // the current connection is past its history replay
  let identifiedNow = false // this connection's hello has been answered

  const pacer = createPacer(limits)
  const timeline = useRoomTimeline({ onConfirmed: (clientId) => outbox.settle(clientId) })
  const reconnect = () => socket.reconnect()
  const access = useRoomAccess({ host, room, reconnect, fetchImpl, passwordStorage })
  const socket = useReconnectingSocket(
    () => roomSocketUrl(host, room, { name: toValue(name), after: timeline.resumeFrom() }),
    {
      keepTrying,
      isFatal: (code) => FATAL_CLOSE_CODES.has(code),
      WebSocketImpl,
      random,
      onOpen,
      onMessage: (data) => dispatchFrame(data, handlers),
      onClose() {
        access.closed()
        disconnected()
      },
    },
  )
  const outbox = useOutbox({ host, room, name, pacer, storage, transmit: socket.send })
  const history = useHistoryPaging({ host, room, state: timeline.state, fetch: access.fetch })
  const members = useRoomMembers()
  const ourName = useRoomName({
    name,
    joined: () => joined.value,
    reopen: () => socket.reopen(),
    roomError,
    retryFailed: outbox.retryFailed,
  })
  const changes = useMessageChanges({ live: () => live, pacer, transmit: socket.send, limits })
  const typingState = useTyping({ name, pacer, live: () => live, transmit: socket.send })
  const readReceipts = useReadReceipts({
    enabled: receipts,
    pacer,
    ready: () => live && identifiedNow,
    transmit: socket.send,
  })

  function onOpen() {
    live = false
    identifiedNow = false
    timeline.opened()
    lastRefusal.value = null
    pacer.refill()
    // A private room's password comes first of all: the room sends nothing before it.
    const door = access.opening()
    if (door) {
      pacer.take()
      socket.send(JSON.stringify(door))
    }
    // Then, before anything else: the host decides who holds our name from it. Never in the clear:
    // a secret read off the network would let anyone speak as us (the host refuses it there too).
    if (!travelsInClear(host)) {
      pacer.take()
      const secret = identitySecret(host, { storage })
      socket.send(JSON.stringify(helloFrame(secret, { receipts: toValue(receipts) })))
    }
    readReceipts.opened()
  }

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

  /** An error frame: handed to the part it concerns (see roomRefusals.js). */
  function refused(frame) {
    const kind = refusalOf(frame)
    if (kind === Refusal.RECEIPT) {
      console.warn('lanchat: the host did not take a read receipt:', frame.detail)
      return
    }
    const door = access.refused(frame)
    if (door === DoorAnswer.PROMPT) lastRefusal.value = frame
    if (door) return
    ourName.refused(frame)
    const shown = { code: frame.code, detail: frame.detail, retryAfter: frame.retry_after }
    if (kind === Refusal.CHANGE) {
      changes.refused(frame)
      roomError.value = shown
      return
    }
    const handled = outbox.refused(frame)
    // A message refused for a rename too soon is sent again later; the room still says why.
    if (frame.code === ErrorCode.NAME_CHANGE_TOO_SOON) roomError.value = shown
    if (handled) return
    if (kind !== Refusal.TRY_LATER) lastRefusal.value = frame
    roomError.value = shown
  }

  const parts = { members, timeline, typingState, readReceipts, isOwnName, identity, onRenamed }
  const presence = presenceHandlers(parts) // presence and members frames
  const handlers = {
    message(frame) {
      if (!live) return timeline.hold(frame)
      for (const item of timeline.showMessages([frame])) {
        typingState.stopped(item.sender)
        if (!isOwnMessage(item, { identity: identity.value, isOwnName })) onLiveMessage(item)
      }
    },
    update(frame) {
      if (!live) timeline.hold(frame)
      else timeline.showUpdate(frame)
    },
    welcome(frame) {
      timeline.welcomed(frame)
      history.welcomed(frame)
      members.replaced(frame)
      access.welcomed()
      // An older server may send fewer limits: ours fill the gaps.
      limits.value = { ...DEFAULT_LIMITS, ...frame.limits }
      unencrypted.value = frame.unencrypted ?? 0
      live = true
      joined.value = true
      socket.confirm()
      outbox.setReady(true)
    },
    ack: (frame) => outbox.acknowledged(frame.client_id),
    identified(frame) {
      identity.value = frame.identity
      identifiedNow = true
      readReceipts.identified(frame.seen)
    },
    seen: (frame) => readReceipts.heard(frame),
    receipts: (frame) => readReceipts.heardAll(frame.seen),
    entered: (frame) => access.entered(frame),
    encryption: (frame) => (unencrypted.value = frame.unencrypted),
    token: (frame) => access.renewed(frame),
    error: refused,
    ...presence,
    typing: (frame) => typingState.heard(frame.sender),
    direct: (frame) => onDirect(frame),
    deleted: (frame) => timeline.deleted(frame.id),
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
    roomToken: access.roomToken,
    storage,
    onUploaded: (file) => send('', [file]),
  })

  function disconnected() {
    live = false
    outbox.setReady(false)
    typingState.clear()
  }

  function leave() {
    disconnected()
    socket.close()
  }

  // The room's scope ends (it was left, or the page goes): nothing of it stays connected.
  if (getCurrentScope()) onScopeDispose(leave)

  return {
    host,
    room,
    status: socket.status,
    retryIn: socket.retryIn,
    downSince: socket.downSince,
    failure,
    joined,
    timeline: timeline.timeline,
    outbox: outbox.entries,
    members: members.members,
    typingNames: typingState.typingNames,
    hasOlder: history.hasOlder,
    loadingOlder: history.loadingOlder,
    olderFailed: history.olderFailed,
    roomError,
    changeError: changes.changeError,
    limits,
    identity,
    unencrypted,
    memberIdentities: members.memberIdentities,
    nameTaken: ourName.nameTaken,
    passwordPrompt: access.passwordPrompt,
    isPrivate: access.isPrivate,
    enterPassword: access.enterPassword,
    send,
    edit: changes.edit,
    remove: changes.remove,
    react: changes.react,
    retrySend: outbox.retry,
    discard: outbox.settle,
    typing: typingState.typing,
    receipts: readReceipts.receipts,
    // Our person has seen the room up to this message id (open, focused, in view).
    markSeen: readReceipts.shown,
    loadOlder: history.loadOlder,
    jumpTo: history.jumpTo,
    jumpTarget: history.jumpTarget, // { id, at }: the message a jump asked to show (ChatRoom scrolls to it)
    jumpShown: history.jumpShown,
    dismissError: () => (roomError.value = null),
    reconnect: socket.reconnect,
    uploads,
    roomToken: access.roomToken,
    leave,
    // Leave the room and forget what was waiting to be sent.
    forget() {
      leave()
      outbox.clear()
    },
  }
}
