import { describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { uploadError, useUploads } from './useUploads.js'
import { ROOM_TOKEN_HEADER } from '../protocol.js'
import { createResumeStore } from '../uploadResumeStore.js'
import { memoryStorage } from '../testing/memoryStorage.js'

// tus-js-client's Upload at its boundary: records what the composable asked of it.
function fakeTus({ previous = [] } = {}) {
  const made = []
  class FakeUpload {
    static terminated = []
    static terminate(url) {
      FakeUpload.terminated.push(url)
      return Promise.resolve()
    }
    constructor(file, options) {
      this.file = file
      this.options = options
      this.url = null
      this.started = false
      this.resumedFrom = null
      this.aborted = null
      made.push(this)
    }
    findPreviousUploads() {
      return Promise.resolve(previous)
    }
    resumeFromPreviousUpload(entry) {
      this.resumedFrom = entry
    }
    start() {
      this.started = true
    }
    abort(terminate) {
      this.aborted = terminate
      return Promise.resolve()
    }
  }
  return { FakeUpload, made, last: () => made.at(-1) }
}

const file = (name = 'notes.txt', text = 'hello') => new File([text], name, { type: 'text/plain' })
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

function setup(extra = {}) {
  const tus = fakeTus(extra)
  const storage = extra.storage ?? memoryStorage()
  const uploaded = []
  let clock = 1000
  const hash = vi.fn(async () => 'HASH=')
  const uploads = useUploads({
    host: 'h:1',
    room: 'general',
    roomToken: () => extra.token ?? null,
    onUploaded: (entry) => uploaded.push(entry),
    storage,
    Upload: tus.FakeUpload,
    hash,
    now: () => clock,
    fetchImpl: extra.fetchImpl ?? (async () => ({ status: 200, headers: new Headers() })),
  })
  return { ...uploads, tus, uploaded, hash, tick: (ms) => (clock += ms) }
}

describe('useUploads', () => {
  it('hashes a file, then sends it with its name, type, room and checksum', async () => {
    const { add, uploads, tus, hash } = setup()
    add([file()])
    expect(uploads.value[0]).toMatchObject({ name: 'notes.txt', size: 5, state: 'hashing' })
    await settle()
    expect(hash).toHaveBeenCalledOnce()
    const upload = tus.last()
    expect(upload.started).toBe(true)
    expect(upload.options.endpoint).toBe('https://h:1/api/uploads')
    expect(upload.options.metadata).toEqual({
      filename: 'notes.txt',
      filetype: 'text/plain',
      room: 'general',
      sha256: 'HASH=',
    })
    expect(upload.options.removeFingerprintOnSuccess).toBe(true)
    expect(uploads.value[0].state).toBe('uploading')
  })

  it('shows bytes sent, speed and time left as the upload goes', async () => {
    const { add, uploads, tus, tick } = setup()
    add([file('big.bin', 'x'.repeat(1000))])
    await settle()
    const { options } = tus.last()
    options.onProgress(0, 1000)
    tick(2000)
    options.onProgress(200, 1000)
    expect(uploads.value[0]).toMatchObject({ sent: 200, speed: 100, secondsLeft: 8 })
  })

  it('hands the finished upload on as a message attachment and drops its row', async () => {
    const { add, uploads, tus, uploaded } = setup()
    add([file()])
    await settle()
    const upload = tus.last()
    upload.url = 'https://h:1/api/uploads/abc123'
    upload.options.onSuccess()
    expect(uploaded).toEqual([
      { uploadId: 'abc123', name: 'notes.txt', size: 5, type: 'text/plain' },
    ])
    expect(uploads.value).toEqual([])
  })

  it('posts files chosen together in the order chosen, whichever finishes first', async () => {
    const { add, uploads, tus, uploaded } = setup()
    add([file('1.txt'), file('2.txt'), file('3.txt')])
    await settle()
    const [first, second, third] = tus.made.filter((upload) => upload.started)
    const finish = (upload, id) => {
      upload.url = `http://h:1/api/uploads/${id}`
      upload.options.onSuccess()
    }
    finish(third, 'c')
    finish(second, 'b')
    expect(uploaded).toEqual([])
    expect(uploads.value.map((entry) => entry.state)).toEqual(['uploading', 'uploaded', 'uploaded'])
    finish(first, 'a')
    expect(uploaded.map((entry) => [entry.uploadId, entry.name])).toEqual([
      ['a', '1.txt'],
      ['b', '2.txt'],
      ['c', '3.txt'],
    ])
    expect(uploads.value).toEqual([])
  })

  it('a file that fails or is cancelled no longer holds back the files chosen after it', async () => {
    const { add, uploads, tus, uploaded, cancel } = setup()
    add([file('1.txt'), file('2.txt'), file('3.txt')])
    await settle()
    const [first, second, third] = tus.made.filter((upload) => upload.started)
    third.url = 'http://h:1/api/uploads/c'
    third.options.onSuccess()
    second.options.onError(new Error('offline'))
    expect(uploaded).toEqual([])
    cancel(uploads.value[0].key)
    expect(first.aborted).toBe(true)
    expect(uploaded.map((entry) => entry.name)).toEqual(['3.txt'])
    expect(uploads.value.map((entry) => [entry.name, entry.state])).toEqual([['2.txt', 'failed']])
  })

  it('files chosen later do not wait for an earlier choice still on its way', async () => {
    const { add, tus, uploaded } = setup()
    add([file('big.bin')])
    add([file('small.txt')])
    await settle()
    const small = tus.made.filter((upload) => upload.started)[1]
    small.url = 'http://h:1/api/uploads/s'
    small.options.onSuccess()
    expect(uploaded.map((entry) => entry.name)).toEqual(['small.txt'])
  })

  it('says why it failed, in the host code, and tries again on retry', async () => {
    const { add, uploads, tus, retry } = setup()
    add([file()])
    await settle()
    tus.last().options.onError({
      originalResponse: {
        getStatus: () => 413,
        getBody: () => JSON.stringify({ detail: { code: 'file_too_large', detail: 'too big' } }),
      },
    })
    expect(uploads.value[0]).toMatchObject({ state: 'failed', error: { code: 'file_too_large' } })
    retry(uploads.value[0].key)
    await settle()
    expect(tus.made.filter((upload) => upload.started)).toHaveLength(2)
    expect(uploads.value[0].state).toBe('uploading')
  })

  it('cancel stops the upload and asks the host to drop it', async () => {
    const { add, uploads, tus, cancel } = setup()
    add([file()])
    await settle()
    cancel(uploads.value[0].key)
    expect(tus.last().aborted).toBe(true)
    expect(uploads.value).toEqual([])
  })

  it('cancel while hashing never starts the upload', async () => {
    const { add, uploads, tus, cancel } = setup()
    add([file()])
    cancel(uploads.value[0].key)
    await settle()
    expect(tus.made.some((upload) => upload.started)).toBe(false)
  })

  it('continues a file sent before from where the host is, without hashing it again', async () => {
    const previous = {
      uploadUrl: 'https://h:1/api/uploads/old',
      metadata: { room: 'general', sha256: 'OLD=' },
    }
    const { add, tus, hash } = setup({ previous: [previous] })
    add([file()])
    await settle()
    expect(hash).not.toHaveBeenCalled()
    expect(tus.last().resumedFrom).toBe(previous)
    expect(tus.last().options.metadata.sha256).toBe('OLD=')
  })

  it("sends a private room's token with every request", async () => {
    const { add, tus } = setup({ token: 'T0K' })
    add([file()])
    await settle()
    const headers = {}
    tus.last().options.onBeforeRequest({ setHeader: (name, value) => (headers[name] = value) })
    expect(headers).toEqual({ [ROOM_TOKEN_HEADER]: 'T0K' })
  })

  it('several files each get their own row', async () => {
    const { add, uploads } = setup()
    add([file('a.txt'), file('b.txt')])
    await nextTick()
    expect(uploads.value.map((entry) => entry.name)).toEqual(['a.txt', 'b.txt'])
  })
})

describe('useUploads after a reload', () => {
  it('lists this room’s cut-off uploads, and forgetting one drops it on the host too', async () => {
    const storage = memoryStorage()
    const store = createResumeStore(storage)
    await store.addUpload('fp1', {
      size: 1000,
      uploadUrl: 'https://h:1/api/uploads/cut',
      metadata: { filename: 'film.mkv', room: 'general', sha256: 'S=' },
    })
    await store.addUpload('fp2', {
      size: 5,
      uploadUrl: 'https://h:1/api/uploads/other',
      metadata: { filename: 'x', room: 'elsewhere', sha256: 'S=' },
    })
    const { interrupted, forget, tus } = setup({ storage })
    await settle()
    expect(interrupted.value).toMatchObject([
      { name: 'film.mkv', size: 1000, url: 'https://h:1/api/uploads/cut' },
    ])
    await forget(interrupted.value[0].key)
    expect(interrupted.value).toEqual([])
    expect(tus.FakeUpload.terminated).toEqual(['https://h:1/api/uploads/cut'])
    expect(await store.findAllUploads()).toHaveLength(1)
  })
})

describe('useUploads after a reload, asking the host', () => {
  async function storeWith(...names) {
    const storage = memoryStorage()
    const store = createResumeStore(storage)
    for (const name of names)
      await store.addUpload(`fp-${name}`, {
        size: 10,
        uploadUrl: `http://h:1/api/uploads/${name}`,
        metadata: { filename: `${name}.bin`, room: 'general', sha256: 'S=' },
      })
    return { storage, store }
  }

  it('drops an upload the host no longer has, or whose expiry has passed, from the list and the store', async () => {
    const { storage, store } = await storeWith('gone', 'stale', 'alive')
    const asked = []
    const fetchImpl = async (url, options) => {
      asked.push([url.split('/').pop(), options.method, options.headers['Tus-Resumable']])
      if (url.endsWith('/gone')) return { status: 404, headers: new Headers() }
      // The fake clock reads 1000 ms after the epoch: 1970 has passed, 2100 has not.
      const when = url.endsWith('/stale')
        ? 'Thu, 01 Jan 1970 00:00:00 GMT'
        : 'Fri, 01 Jan 2100 00:00:00 GMT'
      return { status: 200, headers: new Headers({ 'Upload-Expires': when }) }
    }
    const { interrupted } = setup({ storage, fetchImpl, token: 'T0K' })
    await settle()
    await settle()
    expect(interrupted.value.map((entry) => entry.name)).toEqual(['alive.bin'])
    expect((await store.findAllUploads()).map((entry) => entry.metadata.filename)).toEqual([
      'alive.bin',
    ])
    expect(asked.map(([name, method, version]) => [name, method, version])).toEqual([
      ['gone', 'HEAD', '1.0.0'],
      ['stale', 'HEAD', '1.0.0'],
      ['alive', 'HEAD', '1.0.0'],
    ])
  })

  it('keeps listing an upload while its host cannot be asked', async () => {
    const { storage } = await storeWith('later')
    const fetchImpl = async () => {
      throw new TypeError('Failed to fetch')
    }
    const { interrupted } = setup({ storage, fetchImpl })
    await settle()
    await settle()
    expect(interrupted.value.map((entry) => entry.name)).toEqual(['later.bin'])
  })

  it("asks with a private room's token", async () => {
    const { storage } = await storeWith('mine')
    let headers = null
    const fetchImpl = async (url, options) => {
      headers = options.headers
      return { status: 200, headers: new Headers() }
    }
    setup({ storage, fetchImpl, token: 'T0K' })
    await settle()
    expect(headers[ROOM_TOKEN_HEADER]).toBe('T0K')
  })
})

describe('uploadError', () => {
  it('names a dropped connection network', () => {
    expect(uploadError(new Error('xhr failed')).code).toBe('network')
  })
  it('falls back to the HTTP status when the body is no error of ours', () => {
    expect(
      uploadError({ originalResponse: { getStatus: () => 502, getBody: () => '<html>' } }).code,
    ).toBe('http_502')
  })
})
