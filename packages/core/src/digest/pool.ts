// Byte hashing of large files on every core (the generic pool lives in workers/).
import { defaultWorkers, WorkerPool } from '../workers/pool.js'

export class HashPool extends WorkerPool<string> {
  /**
   * @param size worker count; default min(2, available cores).
   * @param entry worker module; default the hash-worker beside this file (tests point it elsewhere).
   */
  constructor(size: number = defaultWorkers(), entry?: URL) {
    super({ name: 'hash', base: import.meta.url, stem: 'hash-worker', size, entry })
  }

  /** Bare BLAKE2b-256 hex of the file at `file` (absolute path), hashed in a worker. */
  hashFile(file: string): Promise<string> {
    return this.run(file)
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
