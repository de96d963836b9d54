// What an attachment in the timeline needs of its room: where its bytes are, a private room's
// token for the window's own downloads (Python cannot use the page's cookie), and the room's one
// image viewer. The room view provides it once; each attachment injects it, instead of a prop
// through every list row.
import { inject, onBeforeUnmount, provide, ref, shallowRef, toValue, watch } from 'vue'
import { ROOM_TOKEN_HEADER, fileUrl, thumbnailUrl } from './protocol.js'

const ROOM_FILES = Symbol('room files')

// Raster types the host serves as images (server/protocol/PROTOCOL.md, Files): only these get a preview.
export const PREVIEW_TYPES = Object.freeze(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** Whether `host` is the page's own server: only then does the room's access cookie reach it
 * (the host sends no CORS credentials, so a page of another origin, such as the desktop window's,
 * cannot have the cookie set: it sends the token header instead). */
export function isPageHost(host, location = globalThis.location) {
  return location?.host === host
}

/** @param {{ host: string, roomToken: () => string | null }} room */
export function provideRoomFiles({ host, roomToken = () => null }) {
  // The image open large, and the thumbnail it was opened from (focus goes back there). The
  // viewer belongs to the room, not to the row: the timeline's rows come and go as it scrolls.
  const viewing = shallowRef(null)
  const files = {
    fileUrl: (attachment) => fileUrl(host, attachment),
    previewUrl: (attachment) =>
      attachment.thumbnail ? thumbnailUrl(host, attachment) : fileUrl(host, attachment),
    roomToken,
    // A private room's file seen from another origin: fetched with the token header.
    needsHeader: () => Boolean(roomToken()) && !isPageHost(host),
    viewing,
    openImage: (attachment, opener = null) => (viewing.value = { attachment, opener }),
    closeImage: () => (viewing.value = null),
  }
  provide(ROOM_FILES, files)
  return files
}

export function useRoomFiles() {
  const files = inject(ROOM_FILES, null)
  if (!files) throw new Error('an attachment is shown outside a room (provideRoomFiles)')
  return files
}

export function hasPreview(attachment) {
  return PREVIEW_TYPES.includes(attachment.type) && attachment.width > 0 && attachment.height > 0
}

/** The images of the timeline's messages, oldest first: what the viewer steps through. */
export function roomImages(timeline) {
  return timeline.flatMap((item) =>
    item.kind === 'message' ? (item.attachments ?? []).filter(hasPreview) : [],
  )
}

/** The preview's size in CSS pixels: the image's, scaled down to fit the box, never up. */
export function previewSize({ width, height }, box = { width: 320, height: 240 }) {
  const scale = Math.min(1, box.width / width, box.height / height)
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  }
}

/**
 * What an <img> of a room's file should load: the file's address, or for a private room seen
 * from another origin a blob of it fetched with the room's token (an <img> sends no header).
 * `url` may be a getter (the viewer steps through images); each new address replaces the last.
 */
export function useImageSource(url, { fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  const files = useRoomFiles()
  const src = ref('')
  let blobUrl = ''
  function release() {
    if (blobUrl) URL.revokeObjectURL(blobUrl)
    blobUrl = ''
  }
  watch(
    () => toValue(url),
    (address) => {
      release()
      src.value = files.needsHeader() ? '' : address
      if (!files.needsHeader()) return
      fetchImpl(address, { headers: { [ROOM_TOKEN_HEADER]: files.roomToken() } })
        .then((response) => {
          if (!response.ok) throw new Error(`HTTP ${response.status}`)
          return response.blob()
        })
        .then((blob) => {
          if (toValue(url) !== address) return // stepped on to another image meanwhile
          release()
          blobUrl = URL.createObjectURL(blob)
          src.value = blobUrl
        })
        .catch((error) => console.error('lanchat: could not load the image', error))
    },
    { immediate: true },
  )
  onBeforeUnmount(release)
  return src
}
