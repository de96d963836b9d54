import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { HASH_PIECE_BYTES, fileSha256 } from './fileHash.js'

function bytes(count) {
  const data = new Uint8Array(count)
  for (let index = 0; index < count; index++) data[index] = (index * 31 + 7) & 0xff
  return data
}

const expected = (data) => createHash('sha256').update(data).digest('base64')

describe('fileSha256', () => {
  it('hashes an empty file', async () => {
    expect(await fileSha256(new Blob([]))).toBe(expected(new Uint8Array()))
  })

  it('hashes a file that spans pieces, with the edge one byte past a piece', async () => {
    const data = bytes(HASH_PIECE_BYTES * 2 + 1)
    const seen = []
    const digest = await fileSha256(new Blob([data]), { onProgress: (done) => seen.push(done) })
    expect(digest).toBe(expected(data))
    expect(seen).toEqual([HASH_PIECE_BYTES, HASH_PIECE_BYTES * 2, HASH_PIECE_BYTES * 2 + 1])
  })

  it('hashes a file of exactly one piece in one step', async () => {
    const data = bytes(HASH_PIECE_BYTES)
    const seen = []
    expect(await fileSha256(new Blob([data]), { onProgress: (done) => seen.push(done) })).toBe(
      expected(data),
    )
    expect(seen).toEqual([HASH_PIECE_BYTES])
  })

  it('stops when cancelled', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(fileSha256(new Blob([bytes(10)]), { signal: controller.signal })).rejects.toThrow()
  })
})
