import { describe, expect, it } from 'vitest'
import { MAX_REMEMBERED_UPLOADS, createResumeStore } from './uploadResumeStore.js'
import { memoryStorage } from './testing/memoryStorage.js'

describe('createResumeStore', () => {
  it('finds an upload by its fingerprint, and forgets it when removed', async () => {
    const storage = memoryStorage()
    const store = createResumeStore(storage)
    const key = await store.addUpload('fp1', { uploadUrl: '/api/uploads/1', size: 5 })
    await store.addUpload('fp2', { uploadUrl: '/api/uploads/2', size: 6 })
    // A second store over the same storage: what a reload or a restarted window sees.
    const again = createResumeStore(storage)
    expect(await again.findUploadsByFingerprint('fp1')).toEqual([
      { uploadUrl: '/api/uploads/1', size: 5, urlStorageKey: key },
    ])
    expect(await again.findAllUploads()).toHaveLength(2)
    await again.removeUpload(key)
    expect(await again.findUploadsByFingerprint('fp1')).toEqual([])
  })

  it('keeps only lanchat. keys, so the window mirrors them', async () => {
    const storage = memoryStorage()
    await createResumeStore(storage).addUpload('fp', { uploadUrl: 'u' })
    expect([...storage.items.keys()]).toEqual(['lanchat.uploads'])
  })

  it(`remembers at most ${MAX_REMEMBERED_UPLOADS}, dropping the oldest`, async () => {
    let n = 0
    const store = createResumeStore(memoryStorage(), () => ++n / 1e6)
    for (let index = 0; index <= MAX_REMEMBERED_UPLOADS; index++)
      await store.addUpload(`fp${index}`, { uploadUrl: `u${index}` })
    const all = await store.findAllUploads()
    expect(all).toHaveLength(MAX_REMEMBERED_UPLOADS)
    expect(all.some((entry) => entry.uploadUrl === 'u0')).toBe(false)
  })
})
