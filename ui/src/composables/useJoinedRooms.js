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
import { directRoomName, isDirectRoom } from '../directRooms.js'
import { setUnread } from '../desktopBridge.js'
import { appStorage } from '../windowStorage.js'

const ROOMS_KEY = 'lanchat.rooms'
const draftKey = (key) => `lanchat.draft.${key}`

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
 * @param {(key: string, room: string, message: object) => void} [options.announce]  a live message
 *   from someone else arrived (for notifications)
 */
export function useJoinedRooms({
  name,
  receipts = true,
  localHost,
  roomShown = true,
  isOwnName,
  announce = () => {},
  storage = appStorage,
  connect = useRoomConnection,
}) {
  const rooms = shallowRef([])
  const scopes = new Map() // entry -> the effect scope its connection lives in
  const activeKey = ref(null)
  // A room shows in the list once it has welcomed us (or was restored after a reload).
  const listed = computed(() =>
    rooms.value.filter((entry) => entry.restored || entry.connection.joined.value),
  )
  // Group rooms and direct conversations are listed apart.
  const listedGroups = computed(() => listed.value.filter((entry) => !entry.direct))
  const listedDirect = computed(() => listed.value.filter((entry) => entry.direct))
  const active = computed(() => rooms.value.find((entry) => entry.key === activeKey.value) ?? null)
  const totalUnread = computed(() => rooms.value.reduce((sum, entry) => sum + entry.unread, 0))

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
      unread: 0,
      draft: storage.getItem(draftKey(key)) ?? '',
      connection: null,
    })
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
            const seen = entry.key === activeKey.value && toValue(roomShown) && !document.hidden
            if (!seen) entry.unread += 1
            announce(key, entry.title, item) // a direct conversation by the other person’s name
          },
          onDirect: ({ room: directRoom, sender }) => {
            if (!isDirectRoom(directRoom)) return
            const known = rooms.value.some((other) => other.key === roomKey(host, directRoom))
            const opened = add(host, directRoom, { title: sender })
            // Its message comes as history, which counts as read: say there is one.
            if (!known) opened.unread = 1
          },
        }),
      ),
    )
    scope.run(() => watch(entry.connection.joined, (joined) => joined && persist()))
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

  function select(key) {
    const entry = rooms.value.find((candidate) => candidate.key === key)
    if (!entry) return
    activeKey.value = key
    entry.unread = 0
    persist()
  }

  function leave(key) {
    const entry = rooms.value.find((candidate) => candidate.key === key)
    if (!entry) return
    entry.connection.forget()
    scopes.get(entry).stop()
    scopes.delete(entry)
    storage.removeItem(draftKey(key))
    rooms.value = rooms.value.filter((candidate) => candidate !== entry)
    if (activeKey.value === key) activeKey.value = rooms.value[0]?.key ?? null
    persist()
  }

  function setDraft(entry, text) {
    entry.draft = text
    if (text) storage.setItem(draftKey(entry.key), text)
    else storage.removeItem(draftKey(entry.key))
  }

  function markRead() {
    if (active.value) active.value.unread = 0
  }

  function onVisibilityChange() {
    if (!document.hidden) markRead()
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
