// One attachment's download, with progress. In a browser the bytes come through fetch (so the
// page can count them) and are then handed to the browser to save; a file too large to hold in
// the page goes straight to the browser's own downloads, which show their own progress. In the
// desktop window, "Save as..." asks for a place with the system's dialog and Python streams the
// file there from the host (desktop/downloads.py), so nothing passes through the page.
//
// A row of the timeline comes and goes as it scrolls (MessageList is virtual): a download belongs
// to its file, not to the row, so scrolling away neither stops it nor loses its progress.
import { ref } from 'vue'
import { desktopApi } from '../desktopBridge.js'
import { ROOM_TOKEN_HEADER } from '../protocol.js'

// A fetched file is held whole in the page until it is saved: past this, the browser saves it.
export const DOWNLOAD_IN_PAGE_MAX_BYTES = 256 * 1024 * 1024
export const WINDOW_PROGRESS_POLL_MS = 200

function saveThroughBrowser(href, name) {
  const link = document.createElement('a')
  link.href = href
  link.download = name
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
}

const downloads = new Map() // url -> the download of that file, for as long as the page lives

/**
 * @param {{ url: string, name: string, size: number, roomToken?: () => string | null }} file
 */
export function useDownload(file, options = {}) {
  if (!downloads.has(file.url)) downloads.set(file.url, createDownload(file, options))
  return downloads.get(file.url)
}

export function createDownload(file, { fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  const state = ref('idle') // idle | downloading | done | failed
  const received = ref(0)
  const savedPath = ref('') // in the window: where the file went
  async function inPage() {
    // The token header, not only the cookie: a page of another origin never has the cookie.
    const token = file.roomToken?.()
    const response = await fetchImpl(
      file.url,
      token ? { headers: { [ROOM_TOKEN_HEADER]: token } } : {},
    )
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`)
    const reader = response.body.getReader()
    const pieces = []
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      pieces.push(value)
      received.value += value.byteLength
    }
    const href = URL.createObjectURL(new Blob(pieces, { type: 'application/octet-stream' }))
    saveThroughBrowser(href, file.name)
    // The browser has taken its copy once the click is handled; a minute is generous.
    setTimeout(() => URL.revokeObjectURL(href), 60_000)
  }

  /** Download in the browser: with progress when the file fits in the page. */
  async function download() {
    if (state.value === 'downloading') return
    if (file.size > DOWNLOAD_IN_PAGE_MAX_BYTES) {
      saveThroughBrowser(file.url, file.name)
      return
    }
    state.value = 'downloading'
    received.value = 0
    try {
      await inPage()
      state.value = 'done'
    } catch (error) {
      console.error('lanchat: download failed', error)
      state.value = 'failed'
    }
  }

  function poll(api, id) {
    setTimeout(async () => {
      try {
        const progress = await api.download_progress(id)
        received.value = progress.received
        if (progress.error) state.value = 'failed'
        else if (progress.done) state.value = 'done'
        else poll(api, id)
      } catch (error) {
        console.error('lanchat: download progress', error)
        state.value = 'failed'
      }
    }, WINDOW_PROGRESS_POLL_MS)
  }

  /** The window only: pick a place with the system's dialog, then Python saves it there. */
  async function saveAs() {
    const api = desktopApi.value
    if (!api || state.value === 'downloading') return
    try {
      const started = await api.save_file(file.url, file.name, file.roomToken?.() ?? '')
      if (!started) return // the dialog was cancelled
      savedPath.value = started.path
      received.value = 0
      state.value = 'downloading'
      poll(api, started.id)
    } catch (error) {
      console.error('lanchat: save as failed', error)
      state.value = 'failed'
    }
  }

  /** "Save": the system's dialog in the window, the browser's own download in a page. */
  function save() {
    return desktopApi.value?.save_file ? saveAs() : download()
  }

  function showInFolder() {
    if (savedPath.value) desktopApi.value?.show_in_folder(savedPath.value)
  }

  return { state, received, savedPath, download, saveAs, save, showInFolder }
}
