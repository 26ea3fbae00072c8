// Semantic hashing of many files on every core (the generic pool lives in workers/).
import { readFile } from 'node:fs/promises'
import { defaultWorkers, WorkerPool } from '../workers/pool.js'
import { semanticDigest, type SemanticFileResult, type SemanticResult } from './semantic.js'

export { defaultWorkers }

/** Semantic digests of many files on worker threads (parsing is CPU-bound: two workers roughly halve the time). */
export class ParsePool extends WorkerPool<SemanticResult> {
  /** @param size worker count; default min(2, available cores). */
  constructor(size: number = defaultWorkers()) {
    super({ name: 'parse', base: import.meta.url, stem: 'parse-worker', size })
  }

  /** Semantic digest of the file at `file`, computed in a worker. */
  digest(file: string): Promise<SemanticResult> {
    return this.run(file)
  }
}

const pools = new Map<number, ParsePool>()

/** Process-wide pool of `size` workers (created on first use). */
export function sharedParsePool(size: number = defaultWorkers()): ParsePool {
  let p = pools.get(size)
  if (!p) pools.set(size, (p = new ParsePool(size)))
  return p
}

/** End the shared pools' workers (tests, long-lived hosts that want a clean shutdown). */
export async function closeParsePools(): Promise<void> {
  const all = [...pools.values()]
  pools.clear()
  await Promise.all(all.map((p) => p.close()))
}

/**
 * Digests of `files` on `workers` threads, in input order. I/O errors (missing file) reject, as in-thread.
 * `onFileDone` gets each file's index as its digest arrives (progress).
 */
export async function runInPool(files: string[], workers: number, onFileDone?: (index: number) => void): Promise<SemanticFileResult[]> {
  const pool = sharedParsePool(workers)
  return Promise.all(
    files.map(async (path, i) => {
      let r: SemanticResult
      try {
        r = await pool.digest(path)
      } catch (err) {
        if (!(err as { poolFailure?: boolean }).poolFailure) throw err
        r = await semanticDigest(await readFile(path), path)
      }
      onFileDone?.(i)
      return { path, ...r }
    }),
  )
}
