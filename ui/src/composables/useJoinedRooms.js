// The rooms this window has joined, on this host or others: which one is shown,
// unread counts, drafts and scroll positions. Each room's socket is its own
// useRoomConnection; this only keeps the list and what the list shows.
import {
  computed,
  effectScope,
  markRaw,
  onScopeDispose,
  reactive,
  ref,
  shallowRef,
  toValue,
  watch,
} from 'vue'
import { useRoomConnection } from './useRoomConnection.js'
import { isOwnMessage } from '../ownMessages.js'
import { directPair, directRoomName, isDirectRoom } from '../directRooms.js'
import { setUnread } from '../desktopBridge.js'
import { mentionsMe } from '../mentions.js'
import { createReadPositions, newestMessageId, unreadIn } from '../readPositions.js'
import { createRoomDrafts } from '../roomDrafts.js'
import { appStorage } from '../windowStorage.js'

const ROOMS_KEY = 'lanchat.rooms'

/** The hosts of the rooms kept for the next start (the window routes them before it mounts). */
export function storedRoomHosts(storage = appStorage) {
  try {
    const saved = JSON.parse(storage.getItem(ROOMS_KEY)) ?? {}
    return [...new Set((saved.rooms ?? []).map((entry) => entry.host).filter(Boolean))]
  } catch {
    return []
  }
}

function roomKey(host, room) {
  return `${host}/${room}`
}

/**
 * @param {object} options
 * @param {import('vue').Ref<string>} options.name  who we are, used by every room
 * @param {import('vue').MaybeRefOrGetter<boolean>} [options.receipts]  send and see read receipts
 * @param {string} options.localHost  the host that served this page
 * @param {import('vue').MaybeRefOrGetter<boolean>} [options.roomShown]  false while another
 *   screen (Join) covers the active room, whose messages then count as unread too
 * @param {(sender: string) => boolean} [options.isOwnName]  whether a name is ours (now or before a rename)
 * @param {import('vue').MaybeRefOrGetter<Iterable<string>>} [options.ownNames]  our names, for mentions
 * @param {(key: string) => boolean} [options.isMuted]  a room whose messages notify only when they name us
 * @param {(key: string, room: string, message: object, how: {muted: boolean, mentioned: boolean}) => void} [options.announce]
 *   a live message from someone else arrived (for notifications)
 */
export function useJoinedRooms({
  name,
  receipts = true,
  localHost,
  roomShown = true,
  isOwnName = (sender) => sender === toValue(name),
  ownNames = () => [toValue(name)],
  isMuted = () => false,
  announce = () => {},
  storage = appStorage,
  connect = useRoomConnection,
}) {
  const rooms = shallowRef([])
  const scopes = new Map() // entry -> the effect scope its connection lives in
  const activeKey = ref(null)
  const readPositions = createReadPositions(storage)
  const drafts = createRoomDrafts(storage)
  const pageVisible = ref(!document.hidden)
  const namesMe = (text) => mentionsMe(text, toValue(ownNames))
  /** Whether the person is looking at room `entry` now: its messages are read as they come. */
  const seen = (entry) => entry.key === activeKey.value && toValue(roomShown) && pageVisible.value
  // A room shows in the list once it has welcomed us (or was restored after a reload).
  const listed = computed(() =>
    rooms.value.filter((entry) => entry.restored || entry.connection.joined.value),
  )
  // Group rooms and direct conversations are listed apart.
  const listedGroups = computed(() => listed.value.filter((entry) => !entry.direct))
  const listedDirect = computed(() => listed.value.filter((entry) => entry.direct))
  const active = computed(() => rooms.value.find((entry) => entry.key === activeKey.value) ?? null)
  // A muted room adds only the messages that name us to the window's count.
  const totalUnread = computed(() =>
    rooms.value.reduce(
      (sum, entry) => sum + (isMuted(entry.key) ? entry.mentions : entry.unread),
      0,
    ),
  )

  function restore() {
    let saved
    try {
      saved = JSON.parse(storage.getItem(ROOMS_KEY)) ?? {}
    } catch {
      saved = {}
    }
    for (const { host, room, title } of saved.rooms ?? [])
      add(host, room, { keepTrying: true, title })
    activeKey.value = rooms.value.some((entry) => entry.key === saved.active)
      ? saved.active
      : (rooms.value[0]?.key ?? null)
  }

  function persist() {
    const list = rooms.value.filter((entry) => entry.connection.joined.value || entry.restored)
    storage.setItem(
      ROOMS_KEY,
      JSON.stringify({
        rooms: list.map(({ host, room, direct, title }) =>
          direct ? { host, room, title } : { host, room },
        ),
        active: activeKey.value,
      }),
    )
  }

  function add(host, room, { keepTrying = false, title = '' } = {}) {
    const key = roomKey(host, room)
    const existing = rooms.value.find((entry) => entry.key === key)
    if (existing) return existing
    const entry = reactive({
      key,
      host,
      room,
      local: host === localHost,
      direct: isDirectRoom(room),
      title: title || room, // a direct conversation shows the other person's name
      restored: keepTrying,
      draft: drafts.get(key),
      connection: null,
      // The newest message id read here (null: never opened in this window), and where it was
      // when the person last came to the room: the "New messages" line goes below that one.
      readUpTo: readPositions.get(key),
      lineAfter: null,
      unread: computed(() => unreadCounts.value.count),
      mentions: computed(() => unreadCounts.value.mentions),
    })
    let lastLive = 0 // the id of the latest live message from someone else
    const unreadCounts = computed(() =>
      unreadIn(entry.connection?.timeline.value ?? [], entry.readUpTo, {
        isOwn: (item) =>
          isOwnMessage(item, { identity: entry.connection?.identity.value, isOwnName }),
        mentionsMe: namesMe,
      }),
    )
    // Each room's socket, timers and watchers live in its own scope: leaving stops them all.
    const scope = effectScope(true)
    scopes.set(entry, scope)
    // markRaw: the connection's refs must stay refs, not be unwrapped by `reactive`.
    entry.connection = markRaw(
      scope.run(() =>
        connect({
          host,
          room,
          name,
          receipts,
          keepTrying,
          isOwnName,
          onLiveMessage: (item) => {
            lastLive = item.id
            // A direct conversation by the other person’s name.
            announce(key, entry.title, item, {
              muted: isMuted(key),
              mentioned: namesMe(item.text),
            })
          },
          onDirect: ({ room: directRoom, sender }) => {
            if (!isDirectRoom(directRoom)) return
            const known = rooms.value.some((other) => other.key === roomKey(host, directRoom))
            const opened = add(host, directRoom, { title: sender })
            // Its messages come as history: all of them are new to us.
            if (!known && opened.readUpTo === null) opened.readUpTo = 0
          },
          onRenamed: ({ identity, name: theirName }) => renamed(host, identity, theirName),
        }),
      ),
    )
    scope.run(() => {
      watch(entry.connection.joined, (joined) => {
        if (!joined) return
        // A room joined for the first time: what it held already counts as read.
        if (entry.readUpTo === null) markRead(entry, { evenEmpty: true })
        persist()
      })
      // Read while looking. The line goes where reading stopped when there is something new
      // there: on coming to the room, or when history (not a live message read as it came)
      // brings it, as after a reload.
      watch(
        () => [seen(entry), newestMessageId(entry.connection.timeline.value)],
        ([looking, newest], before) => {
          if (!looking) return
          const cameBack = !before?.[0]
          if (cameBack || newest !== lastLive) {
            if (entry.unread > 0) entry.lineAfter = entry.readUpTo
            else if (cameBack) entry.lineAfter = null
          }
          markRead(entry)
        },
        { immediate: true },
      )
    })
    rooms.value = [...rooms.value, entry]
    return entry
  }

  /** Start joining a room; its connection's `joined` and `failure` tell how it went. */
  function join(host, room) {
    return add(host, room)
  }

  /**
   * Open (or show) the direct conversation with another member of a room on `host`.
   * Null when either identity is not known yet (no hello answered, a member without one).
   */
  function openDirect(host, myIdentity, theirIdentity, theirName) {
    const room = directRoomName(myIdentity, theirIdentity)
    if (!room) return null
    const entry = add(host, room, { title: theirName })
    entry.title = theirName // their latest name
    return entry
  }

  /** Someone took a new name: our direct conversation with them on `host` shows it. */
  function renamed(host, identity, theirName) {
    let changed = false
    for (const entry of rooms.value) {
      if (entry.host !== host || !directPair(entry.room)?.includes(identity)) continue
      if (entry.title === theirName) continue
      entry.title = theirName
      changed = true
    }
    if (changed) persist()
  }

  function select(key) {
    const entry = rooms.value.find((candidate) => candidate.key === key)
    if (!entry) return
    activeKey.value = key
    persist()
  }

  /** Everything room `entry` shows is read. Before its first welcome there is nothing to read. */
  function markRead(entry, { evenEmpty = false } = {}) {
    const newest = newestMessageId(entry.connection.timeline.value)
    if (entry.readUpTo === null && !newest && !evenEmpty) return
    readPositions.advance(entry.key, newest)
    entry.readUpTo = Math.max(entry.readUpTo ?? 0, newest)
  }

  function leave(key) {
    const entry = rooms.value.find((candidate) => candidate.key === key)
    if (!entry) return
    entry.connection.forget()
    scopes.get(entry).stop()
    scopes.delete(entry)
    // The draft stays: joining the room again brings it back.
    readPositions.forget(key)
    rooms.value = rooms.value.filter((candidate) => candidate !== entry)
    if (activeKey.value === key) activeKey.value = rooms.value[0]?.key ?? null
    persist()
  }

  function setDraft(entry, text) {
    entry.draft = text
    drafts.set(entry.key, text)
  }

  function onVisibilityChange() {
    pageVisible.value = !document.hidden
  }

  watch(totalUnread, (count) => setUnread(count))
  document.addEventListener('visibilitychange', onVisibilityChange)
  onScopeDispose(() => {
    document.removeEventListener('visibilitychange', onVisibilityChange)
    // The rooms stay joined (saved for the next start); only this window's hold on them ends.
    for (const scope of scopes.values()) scope.stop()
    scopes.clear()
  })

  return {
    listed,
    listedGroups,
    listedDirect,
    active,
    activeKey,
    totalUnread,
    restore,
    join,
    openDirect,
    select,
    leave,
    setDraft,
  }
}
