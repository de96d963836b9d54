// What an attachment in the timeline needs of its room: where its bytes are, and a private
// room's token for the window's own downloads (Python cannot use the page's cookie). The room
// view provides it once; each attachment injects it, instead of a prop through every list row.
import { inject, provide } from 'vue'
import { fileUrl, thumbnailUrl } from './protocol.js'

const ROOM_FILES = Symbol('room files')

// Raster types the host serves as images (server/PROTOCOL.md, Files): only these get a preview.
export const PREVIEW_TYPES = Object.freeze(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** @param {{ host: string, roomToken: () => string | null }} room */
export function provideRoomFiles({ host, roomToken = () => null }) {
  provide(ROOM_FILES, {
    fileUrl: (attachment) => fileUrl(host, attachment),
    previewUrl: (attachment) =>
      attachment.thumbnail ? thumbnailUrl(host, attachment) : fileUrl(host, attachment),
    roomToken,
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
