// Hashing a file while another thread is still writing it: the writer publishes how many bytes are on disk through a
// SharedArrayBuffer (WriteCursor), and a hash worker reads up to there, waits for more, and ends when the writer says
// the file is complete. A pull hashes BLAKE2b this way, so the WASM runs on a second core while the main thread
// receives, sha256-checks and writes the bytes (docs/remote-cache.md); what is hashed is what is on disk.
import { open } from 'node:fs/promises'
import { acquireHasher, releaseHasher } from './blake2b.js'
import { READ_CHUNK } from './bytes.js'

const RUNNING = 0
const DONE = 1
const FAILED = 2
/** The worker gives up when the writer has neither written nor finished for this long (a writer that died). */
const STALL_MS = 10 * 60 * 1000

/** Atomics.waitAsync (Node 16+; not in this package's ES2022 lib). */
type WaitAsync = (a: Int32Array, index: number, value: number, timeout: number) => { async: boolean; value: 'not-equal' | 'timed-out' | 'ok' | Promise<'timed-out' | 'ok'> }
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync

/** The writer's side: bytes written so far, then done or failed. Share `buffer` with the hashing thread. */
export class WriteCursor {
  readonly buffer = new SharedArrayBuffer(16)
  private readonly written = new BigInt64Array(this.buffer, 0, 1)
  /** [0]: bumped on every change (what the reader waits on), [1]: RUNNING, DONE or FAILED. */
  private readonly signal = new Int32Array(this.buffer, 8, 2)
  private total = 0

  advance(bytes: number): void {
    this.total += bytes
    Atomics.store(this.written, 0, BigInt(this.total))
    this.bump()
  }

  /** The file is complete at the bytes advanced so far. */
  finish(): void {
    this.end(DONE)
  }

  /** The write failed: the reader stops. */
  fail(): void {
    this.end(FAILED)
  }

  private end(state: number): void {
    if (Atomics.compareExchange(this.signal, 1, RUNNING, state) === RUNNING) this.bump()
  }

  private bump(): void {
    Atomics.add(this.signal, 0, 1)
    Atomics.notify(this.signal, 0)
  }
}

/**
 * Bare hex BLAKE2b-256 of `file` as its writer (the WriteCursor on `shared`) writes it: reads up to the bytes written,
 * waits for more, and answers once the writer has finished and every byte is hashed. Rejects if the writer fails,
 * stalls for 10 minutes, or the file holds fewer bytes than the writer says it wrote.
 */
export async function hashFollowingHex(file: string, shared: SharedArrayBuffer): Promise<string> {
  const written = new BigInt64Array(shared, 0, 1)
  const signal = new Int32Array(shared, 8, 2)
  const fh = await open(file, 'r')
  const h = await acquireHasher()
  const buf = Buffer.allocUnsafe(READ_CHUNK)
  let at = 0
  try {
    for (;;) {
      const seen = Atomics.load(signal, 0)
      const state = Atomics.load(signal, 1)
      if (state === FAILED) throw new Error(`the write of ${file} failed`)
      const end = Number(Atomics.load(written, 0))
      if (at < end) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - at), at)
        if (bytesRead === 0) throw new Error(`${file} ended at ${at} bytes, its writer wrote ${end}`)
        h.update(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead))
        at += bytesRead
        continue
      }
      // Caught up: finished (the state was read before `written`, so no byte was missed), or wait for the next change.
      if (state === DONE) return h.digest('hex')
      const { async, value } = waitAsync(signal, 0, seen, STALL_MS)
      if ((async ? await value : value) === 'timed-out') throw new Error(`the writer of ${file} stalled`)
    }
  } finally {
    releaseHasher(h)
    await fh.close().catch(() => {})
  }
}
