// What an attachment in the timeline needs of its room: where its bytes are, and a private
// room's token for the window's own downloads (Python cannot use the page's cookie). The room
// view provides it once; each attachment injects it, instead of a prop through every list row.
import { inject, onBeforeUnmount, provide, ref } from 'vue'
import { ROOM_TOKEN_HEADER, fileUrl, thumbnailUrl } from './protocol.js'

const ROOM_FILES = Symbol('room files')

// Raster types the host serves as images (server/PROTOCOL.md, Files): only these get a preview.
export const PREVIEW_TYPES = Object.freeze(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** Whether `host` is the page's own server: only then does the room's access cookie reach it
 * (the host sends no CORS credentials, so a page of another origin, such as the desktop window's,
 * cannot have the cookie set: it sends the token header instead). */
export function isPageHost(host, location = globalThis.location) {
  return location?.host === host
}

/** @param {{ host: string, roomToken: () => string | null }} room */
export function provideRoomFiles({ host, roomToken = () => null }) {
  provide(ROOM_FILES, {
    fileUrl: (attachment) => fileUrl(host, attachment),
    previewUrl: (attachment) =>
      attachment.thumbnail ? thumbnailUrl(host, attachment) : fileUrl(host, attachment),
    roomToken,
    // A private room's file seen from another origin: fetched with the token header.
    needsHeader: () => Boolean(roomToken()) && !isPageHost(host),
  })
}

export function useRoomFiles() {
  const files = inject(ROOM_FILES, null)
  if (!files) throw new Error('an attachment is shown outside a room (provideRoomFiles)')
  return files
}

export function hasPreview(attachment) {
  return PREVIEW_TYPES.includes(attachment.type) && attachment.width > 0 && attachment.height > 0
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
 */
export function useImageSource(url, { fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  const files = useRoomFiles()
  const src = ref(files.needsHeader() ? '' : url)
  let blobUrl = ''
  if (files.needsHeader()) {
    fetchImpl(url, { headers: { [ROOM_TOKEN_HEADER]: files.roomToken() } })
      .then((response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`)
        return response.blob()
      })
      .then((blob) => {
        blobUrl = URL.createObjectURL(blob)
        src.value = blobUrl
      })
      .catch((error) => console.error('lanchat: could not load the image', error))
  }
  onBeforeUnmount(() => blobUrl && URL.revokeObjectURL(blobUrl))
  return src
}
