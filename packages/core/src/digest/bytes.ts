// File bytes → `blake2b256:<hex>`, streamed through one reused buffer (constant memory on any size).
import { open } from 'node:fs/promises'
import { acquireHasher, blake2b256Hex, releaseHasher } from './blake2b.js'

export const BYTES_ALGO = 'blake2b256'

/** Read size per chunk: large enough that WASM call overhead vanishes, small enough to stay cache-friendly. */
export const READ_CHUNK = 1 << 20

/** `blake2b256:<hex>` of in-memory bytes (WASM BLAKE2b). */
export async function hashBytes(data: Uint8Array | string): Promise<string> {
  return `${BYTES_ALGO}:${await blake2b256Hex(data)}`
}

/** `blake2b256:<hex>` of a file, streamed in constant memory. */
export async function hashFile(file: string): Promise<string> {
  return `${BYTES_ALGO}:${await hashFileHex(file)}`
}

/** Bare hex of a file's BLAKE2b-256; also what the hash worker runs. */
export async function hashFileHex(file: string, chunkSize: number = READ_CHUNK): Promise<string> {
  const fh = await open(file, 'r')
  const h = await acquireHasher()
  try {
    const buf = Buffer.allocUnsafe(chunkSize)
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkSize, null)
      if (bytesRead === 0) break
      h.update(bytesRead === chunkSize ? buf : buf.subarray(0, bytesRead))
    }
    return h.digest('hex')
  } finally {
    releaseHasher(h)
    await fh.close()
  }
}
