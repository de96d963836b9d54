// The files this tab is sending to one room: each is hashed (SHA-256, which the host checks),
// then sent with tus (resumable: a dropped connection, a reload or an app restart continues from
// the host's last byte), then handed to `onUploaded` to go out as a message. Files chosen together
// go out in the order they were chosen, whichever finishes first. One composable owns the whole
// lifecycle; the list it returns is what UploadList shows.
import { getCurrentScope, markRaw, onScopeDispose, reactive, ref } from 'vue'
import { ROOM_TOKEN_HEADER, uploadsUrl } from '../protocol.js'
import { createResumeStore } from '../uploadResumeStore.js'
import { createTransferRate } from '../transferRate.js'
import { appStorage } from '../windowStorage.js'

// A laptop that sleeps, a host that restarts: tus tries again after each of these delays, and the
// count starts over whenever bytes got through, so only a host gone for good (about 5 minutes)
// ends an upload.
export const RETRY_DELAYS_MS = Object.freeze([
  0, 1000, 3000, 5000, 10000, 20000, 30000, 60000, 60000, 120000,
])

/** What went wrong, as the UI names it: an error code of the host's, or 'network'. */
export function uploadError(error) {
  const response = error?.originalResponse
  if (!response) return { code: 'network', detail: String(error?.message ?? error) }
  let body = null
  try {
    body = JSON.parse(response.getBody() ?? '')
  } catch {
    // not JSON: a proxy's page, or an older host
  }
  const detail = body?.detail
  if (detail && typeof detail === 'object' && typeof detail.code === 'string')
    return { code: detail.code, detail: String(detail.detail ?? '') }
  return { code: `http_${response.getStatus()}`, detail: typeof detail === 'string' ? detail : '' }
}

// The tus client and the hashing (WebAssembly) load when a file is first sent or an interrupted
// upload forgotten: a room that never sends a file never loads them.
const loadTus = () => import('tus-js-client').then((module) => module.Upload)
const fileSha256 = (file, options) =>
  import('../fileHash.js').then((module) => module.fileSha256(file, options))

let lastKey = 0
let lastBatch = 0

// The tus protocol version the host speaks (tus-js-client sends the same on its own requests).
const TUS_VERSION = '1.0.0'

// Still on its way: a file chosen after it in the same batch waits for it.
const IN_FLIGHT = new Set(['hashing', 'uploading'])

/**
 * @param {object} options
 * @param {string} options.host  "name:port" of the room's server
 * @param {string} options.room
 * @param {() => string | null} [options.roomToken]  a private room's token, read at every request
 * @param {(upload: { uploadId: string, name: string, size: number, type: string }) => void} options.onUploaded
 */
export function useUploads({
  host,
  room,
  roomToken = () => null,
  onUploaded,
  storage = appStorage,
  Upload = null, // tus-js-client's Upload; loaded on first use unless given
  hash = fileSha256,
  now = () => Date.now(),
  fetchImpl = (...args) => fetch(...args),
}) {
  const uploads = ref([])
  // Uploads of this room cut off before this page existed (a reload, a restart) that the host
  // still keeps (asked once per look; the others are forgotten): the host has part of them, and
  // picking the same file again continues it. { key, name, size, url }
  const interrupted = ref([])
  const urlStorage = createResumeStore(storage)
  const tus = () => (Upload ? Promise.resolve(Upload) : loadTus())
  const running = new Map() // key -> { upload?, abort? } of what is in flight

  function entryFor(key) {
    return uploads.value.find((entry) => entry.key === key)
  }

  function remove(key) {
    running.delete(key)
    uploads.value = uploads.value.filter((entry) => entry.key !== key)
  }

  // Posts each finished upload once every file chosen before it in its batch has gone out, failed
  // or been cancelled. A failure releases the files after it (tus has already retried for about
  // five minutes by then), so one bad file never holds the others back for good; the list's order
  // is the order the person chose, so walking it once is enough.
  function postFinishedInOrder() {
    const waiting = new Set()
    for (const entry of [...uploads.value]) {
      if (IN_FLIGHT.has(entry.state)) waiting.add(entry.batch)
      else if (entry.state === 'uploaded' && !waiting.has(entry.batch)) {
        remove(entry.key)
        onUploaded({
          uploadId: entry.uploadId,
          name: entry.name,
          size: entry.size,
          type: entry.type,
        })
      }
    }
  }

  /**
   * Whether the host still keeps this cut-off upload: false when it says the upload is gone (it
   * expired, or was finished or cancelled elsewhere) or that its expiry has passed. A host that
   * cannot be asked now keeps it listed: it may be back later.
   */
  async function stillOnHost(entry) {
    let response
    try {
      const headers = { 'Tus-Resumable': TUS_VERSION }
      const token = roomToken()
      if (token) headers[ROOM_TOKEN_HEADER] = token
      response = await fetchImpl(entry.uploadUrl, { method: 'HEAD', headers, cache: 'no-store' })
    } catch {
      return true
    }
    if (response.status === 404 || response.status === 410) return false
    const expires = Date.parse(response.headers?.get?.('Upload-Expires') ?? '')
    return !(expires <= now())
  }

  let lookup = 0
  async function findInterrupted() {
    const mine = ++lookup
    const stored = (await urlStorage.findAllUploads()).filter(
      (entry) => entry.metadata?.room === room && entry.uploadUrl,
    )
    const kept = await Promise.all(stored.map(stillOnHost))
    await Promise.all(
      stored
        .filter((_, index) => !kept[index])
        .map((entry) => urlStorage.removeUpload(entry.urlStorageKey)),
    )
    if (mine !== lookup) return // a newer look is under way
    const sending = new Set(uploads.value.map((entry) => `${entry.name}/${entry.size}`))
    interrupted.value = stored
      .filter((_, index) => kept[index])
      .map((entry) => ({
        key: entry.urlStorageKey,
        name: String(entry.metadata.filename ?? ''),
        size: Number(entry.size) || 0,
        url: entry.uploadUrl,
        state: 'interrupted',
      }))
      .filter((entry) => !sending.has(`${entry.name}/${entry.size}`))
  }

  /** Give up an interrupted upload: the host drops its part, this page forgets it. */
  async function forget(key) {
    const entry = interrupted.value.find((candidate) => candidate.key === key)
    interrupted.value = interrupted.value.filter((candidate) => candidate.key !== key)
    await urlStorage.removeUpload(key)
    if (entry)
      tus()
        .then((TusUpload) => TusUpload.terminate(entry.url, { onBeforeRequest: withToken }))
        .catch((error) => console.error('lanchat: could not cancel the upload on the host', error))
  }

  function withToken(request) {
    const token = roomToken()
    if (token) request.setHeader(ROOM_TOKEN_HEADER, token)
  }

  function fail(entry, error) {
    running.delete(entry.key)
    entry.state = 'failed'
    entry.error = error
    entry.speed = null
    entry.secondsLeft = null
    postFinishedInOrder()
  }

  function tusOptions(entry, sha256, rate) {
    return {
      endpoint: uploadsUrl(host),
      retryDelays: [...RETRY_DELAYS_MS],
      urlStorage,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      metadata: { filename: entry.name, filetype: entry.type, room, sha256 },
      // A private room's token is fresh at every request: an upload can outlast one token.
      onBeforeRequest: withToken,
      onProgress(sent, total) {
        entry.sent = sent
        Object.assign(entry, rate.update(sent, total))
      },
      onError: (error) => fail(entry, uploadError(error)),
      onSuccess() {
        entry.uploadId = upload(entry)?.url?.split('/').pop()
        entry.state = 'uploaded'
        entry.speed = null
        entry.secondsLeft = null
        postFinishedInOrder()
      },
    }
  }

  const upload = (entry) => running.get(entry.key)?.upload

  async function start(entry) {
    const file = entry.file
    const controller = new AbortController()
    running.set(entry.key, { abort: () => controller.abort() })
    Object.assign(entry, { state: 'hashing', error: null, hashed: 0, sent: 0, speed: null })
    const rate = createTransferRate(now)
    try {
      const TusUpload = await tus()
      // The same file sent before and cut off: its address and its hash are remembered.
      const probe = new TusUpload(file, { endpoint: uploadsUrl(host), urlStorage })
      const previous = (await probe.findPreviousUploads()).find(
        (candidate) => candidate.metadata?.room === room && candidate.metadata?.sha256,
      )
      const sha256 =
        previous?.metadata.sha256 ??
        (await hash(file, {
          signal: controller.signal,
          onProgress: (done) => (entry.hashed = done),
        }))
      if (!running.has(entry.key)) return // cancelled meanwhile
      const transfer = new TusUpload(file, tusOptions(entry, sha256, rate))
      running.set(entry.key, { upload: transfer })
      if (previous) transfer.resumeFromPreviousUpload(previous)
      entry.state = 'uploading'
      transfer.start()
    } catch (error) {
      if (!controller.signal.aborted) fail(entry, { code: 'read_failed', detail: String(error) })
    }
  }

  /** Send these files (a FileList or an array of File). */
  function add(files) {
    const batch = ++lastBatch
    for (const file of files) {
      const entry = reactive({
        key: `u${++lastKey}`,
        batch,
        file: markRaw(file),
        name: file.name,
        size: file.size,
        type: file.type || 'application/octet-stream',
        state: 'hashing',
        hashed: 0,
        sent: 0,
        speed: null,
        secondsLeft: null,
        error: null,
      })
      uploads.value = [...uploads.value, entry]
      start(entry)
    }
    findInterrupted()
  }

  /** Stop sending it, and tell the host to drop what it has (tus termination). */
  function cancel(key) {
    const job = running.get(key)
    remove(key)
    job?.abort?.()
    job?.upload?.abort(true).catch((error) => console.error('lanchat: cancel', error))
    postFinishedInOrder()
  }

  function retry(key) {
    const entry = entryFor(key)
    if (entry?.state === 'failed') start(entry)
  }

  /** Forget a failed upload's row. */
  function dismiss(key) {
    remove(key)
    postFinishedInOrder()
  }

  if (getCurrentScope())
    onScopeDispose(() => {
      // Leaving the room stops sending; the address stays remembered, so sending the file again
      // later continues where it stopped.
      for (const job of running.values()) {
        job.abort?.()
        job.upload?.abort(false)
      }
      running.clear()
    })

  findInterrupted()

  return { uploads, interrupted, add, cancel, retry, dismiss, forget }
}
