// File bytes → `blake2b256:<hex>`, streamed through one reused buffer (constant memory on any size).
import { createHash } from 'node:crypto'
import { openRegularFile, withDeadline } from '../project/read.js'
import { acquireHasher, blake2b256Hex, releaseHasher } from './blake2b.js'

export const BYTES_ALGO = 'blake2b256'

/** Read size per chunk: large enough that WASM call overhead vanishes, small enough to stay cache-friendly. */
export const READ_CHUNK = 1 << 20

/** `blake2b256:<hex>` of in-memory bytes (WASM BLAKE2b). */
export async function hashBytes(data: Uint8Array | string): Promise<string> {
  return `${BYTES_ALGO}:${await blake2b256Hex(data)}`
}

/**
 * `blake2b256:<hex>` of a file, streamed in constant memory; `onBytes` as in hashFileHex.
 * @throws ModelopsError PATH_INVALID for a folder, FIFO, socket or device, READ_TIMEOUT for a file that never answers;
 * the node:fs error (ENOENT, EACCES) of a file that cannot be opened.
 */
export async function hashFile(file: string, onBytes?: (bytes: number) => void): Promise<string> {
  return `${BYTES_ALGO}:${await hashFileHex(file, undefined, file, onBytes)}`
}

/** `blake2b256:<hex>` and `sha256:<hex>` of a file in one read (the sha256 is what an OCI registry addresses it by). */
export async function hashFileWithSha256(file: string): Promise<{ digest: string; sha256: string }> {
  const sha = createHash('sha256')
  const hex = await hashFileHex(file, READ_CHUNK, file, undefined, sha)
  return { digest: `${BYTES_ALGO}:${hex}`, sha256: `sha256:${sha.digest('hex')}` }
}

/**
 * Bare hex of a file's BLAKE2b-256; also what the hash worker runs. Two buffers: the next chunk is read (on the
 * thread pool) while this one is hashed, so reading and hashing overlap instead of taking turns.
 * `onBytes` (progress) receives each chunk's length once it is hashed; `alsoHash` (e.g. a sha256) is fed the same bytes.
 */
export async function hashFileHex(file: string, chunkSize: number = READ_CHUNK, shown: string = file, onBytes?: (bytes: number) => void, alsoHash?: { update(chunk: Uint8Array): unknown }): Promise<string> {
  // Regular files only (a FIFO swapped in after the caller's stat is refused, not waited on); reads have a deadline.
  const fh = await openRegularFile(file, shown)
  const h = await acquireHasher()
  const bufs = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)]
  let pending: Promise<{ bytesRead: number }> | undefined
  let stalled = false
  try {
    let i = 0
    pending = fh.read(bufs[0]!, 0, chunkSize, null)
    for (;;) {
      const { bytesRead } = await withDeadline(pending, shown).catch((err) => { stalled = (err as { code?: string }).code === 'READ_TIMEOUT'; throw err })
      pending = undefined
      if (bytesRead === 0) break
      const buf = bufs[i]!
      i ^= 1
      // Reads stay sequential (one outstanding at a time, position null), into the other buffer.
      pending = fh.read(bufs[i]!, 0, chunkSize, null)
      const chunk = bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead)
      h.update(chunk)
      alsoHash?.update(chunk)
      onBytes?.(bytesRead)
    }
    return h.digest('hex')
  } finally {
    // A stalled read may never return: do not wait for it (nor for the close queued behind it).
    releaseHasher(h)
    if (stalled) void fh.close().catch(() => {})
    else {
      await pending?.catch(() => {})
      await fh.close()
    }
  }
}
