// Byte hashing of large files on every core (the generic pool lives in workers/).
import type { WriteCursor } from './follow.js'
import { defaultWorkers, poolPaysOff, WorkerPool } from '../workers/pool.js'

export class HashPool extends WorkerPool<string> {
  /**
   * @param size worker count; default min(2, available cores).
   * @param entry worker module; default the hash-worker beside this file (tests point it elsewhere).
   */
  constructor(size: number = defaultWorkers(), entry?: URL) {
    super({ name: 'hash', base: import.meta.url, stem: 'hash-worker', size, entry })
  }

  /** Bare BLAKE2b-256 hex of the file at `file` (absolute path), hashed in a worker; `onBytes` as in hashFileHex. */
  hashFile(file: string, onBytes?: (bytes: number) => void): Promise<string> {
    return this.run(file, { onBytes })
  }

  /** Bare BLAKE2b-256 hex of `file` as it is being written, up to where `cursor` says (follow.ts). */
  hashFollowing(file: string, cursor: WriteCursor): Promise<string> {
    return this.run(file, { op: 'follow', shared: cursor.buffer })
  }
}

let shared: HashPool | undefined

/** The process-wide pool (created on first use). */
export function sharedHashPool(): HashPool {
  if (!shared) shared = new HashPool()
  return shared
}

/** Whether the shared pool has live workers (then using it costs no start-up). */
export function sharedPoolIsRunning(): boolean {
  return shared?.running ?? false
}

/** End the shared pool's workers (tests, long-lived hosts that want a clean shutdown). */
export async function closeHashPool(): Promise<void> {
  const p = shared
  shared = undefined
  await p?.close()
}

/** A file is "large" from this size on: a candidate for the worker pool. */
export const LARGE_FILE_BYTES = 16 * 1024 * 1024
/**
 * The pool is started when at least two large files, together this big, need hashing: starting two workers
 * costs 100–200 ms (as much as 90–180 MiB of in-thread hashing), and halving less than ~300 ms cannot repay
 * that. An already running shared pool is used for any two large files. Measured: docs/digests.md.
 */
export const POOL_MIN_BYTES = 256 * 1024 * 1024

/**
 * Whether hashing these large files (their sizes) on the worker pool repays starting it (workers/pool.ts'
 * poolPaysOff with `minBytes`, default POOL_MIN_BYTES). `sharedOnly`: whether the running shared pool counts
 * (default true; false when the caller starts a pool of its own).
 */
export function hashPoolPaysOff(largeSizes: readonly bigint[], options: { minBytes?: number; sharedOnly?: boolean } = {}): boolean {
  return poolPaysOff(largeSizes, options.minBytes ?? POOL_MIN_BYTES, (options.sharedOnly ?? true) && sharedPoolIsRunning())
}
