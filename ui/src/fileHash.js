// The SHA-256 of a file the person picked, read piece by piece so a 4 GiB video never sits whole
// in memory. The host checks the bytes it received against it before the file may appear in a
// room (server/protocol/PROTOCOL.md, Files). hash-wasm, not a plain JavaScript SHA-256: in Chromium on
// this project's machines @noble/hashes took 44 s for 1 GiB (and held the page for 170 ms per
// piece); WebAssembly is several times faster. It needs 'wasm-unsafe-eval' in the page's
// script-src (server/web/static.py), which allows compiling WebAssembly and still refuses eval().
import { createSHA256 } from 'hash-wasm'

// Big enough that the per-piece cost (a Promise, a copy) is noise, small enough to stay light.
export const HASH_PIECE_BYTES = 4 * 1024 * 1024

function toBase64(bytes) {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/**
 * Base64 of the SHA-256 of `file` (a Blob), as tus metadata carries it.
 * @param {Blob} file
 * @param {{ onProgress?: (done: number, total: number) => void, signal?: AbortSignal }} [options]
 */
export async function fileSha256(file, { onProgress = () => {}, signal } = {}) {
  const hash = await createSHA256()
  hash.init()
  for (let start = 0; start < file.size; start += HASH_PIECE_BYTES) {
    signal?.throwIfAborted()
    const piece = await file.slice(start, start + HASH_PIECE_BYTES).arrayBuffer()
    hash.update(new Uint8Array(piece))
    onProgress(Math.min(file.size, start + HASH_PIECE_BYTES), file.size)
  }
  signal?.throwIfAborted()
  return toBase64(hash.digest('binary'))
}
