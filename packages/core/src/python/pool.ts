// Parsing many files on every core (the generic pool lives in workers/): semantic digests, and the module scans
// discovery reads.
import { readFile } from 'node:fs/promises'
import { defaultWorkers, poolPaysOff, WorkerPool } from '../workers/pool.js'
import type { ModuleInfo } from './scan.js'
import { semanticDigest, type SemanticFileResult, type SemanticResult } from './semantic.js'

export { defaultWorkers }

/**
 * The parse pool's break-even (workers/pool.ts' poolPaysOff): each worker loads the grammar (~30-60 ms of CPU) and
 * one thread parses ~3 MiB/s, so below about this much Python the pool's start-up costs more than the second core
 * saves. Measured: docs/digests.md.
 */
export const PARSE_POOL_MIN_BYTES = 512 * 1024

/** What a parse worker does with a file (FileJob.op). */
export type ParseOp = 'digest' | 'scan'

/** Semantic digests and module scans of many files on worker threads (parsing is CPU-bound: two workers roughly halve the time). */
export class ParsePool extends WorkerPool<SemanticResult | ModuleInfo> {
  /** @param size worker count; default min(2, available cores). */
  constructor(size: number = defaultWorkers()) {
    super({ name: 'parse', base: import.meta.url, stem: 'parse-worker', size })
  }

  /** Semantic digest of the file at `file`, computed in a worker. */
  digest(file: string): Promise<SemanticResult> {
    return this.run<SemanticResult>(file, { op: 'digest' satisfies ParseOp })
  }

  /** scanSource of the file at `file` (read as UTF-8), computed in a worker. */
  scan(file: string): Promise<ModuleInfo> {
    return this.run<ModuleInfo>(file, { op: 'scan' satisfies ParseOp })
  }
}

const pools = new Map<number, ParsePool>()

/** Process-wide pool of `size` workers (created on first use). */
export function sharedParsePool(size: number = defaultWorkers()): ParsePool {
  let p = pools.get(size)
  if (!p) pools.set(size, (p = new ParsePool(size)))
  return p
}

/**
 * Whether parsing files of these sizes on the shared pool of `workers` threads repays starting it: poolPaysOff
 * with PARSE_POOL_MIN_BYTES. One worker or none never does.
 */
export function parsePoolPaysOff(sizes: readonly (number | bigint)[], workers: number = defaultWorkers()): boolean {
  return workers > 1 && poolPaysOff(sizes, PARSE_POOL_MIN_BYTES, pools.get(workers)?.running ?? false)
}

/** End the shared pools' workers (tests, long-lived hosts that want a clean shutdown). */
export async function closeParsePools(): Promise<void> {
  const all = [...pools.values()]
  pools.clear()
  await Promise.all(all.map((p) => p.close()))
}

/**
 * Digests of `files` on `workers` threads, in input order. I/O errors (missing file) reject, as in-thread.
 * `onFileDone` gets each file's index as its digest arrives (progress). With `sizes` (bytes, by index) the largest
 * files are sent first: the run then ends on small files, not with one worker parsing a big one while the other idles.
 */
export async function runInPool(files: string[], workers: number, onFileDone?: (index: number) => void, sizes?: readonly number[]): Promise<SemanticFileResult[]> {
  const pool = sharedParsePool(workers)
  const order = files.map((_, i) => i)
  if (sizes?.length === files.length) order.sort((a, b) => sizes[b]! - sizes[a]! || a - b)
  const results = new Array<SemanticFileResult>(files.length)
  await Promise.all(
    order.map(async (i) => {
      const path = files[i]!
      let r: SemanticResult
      try {
        r = await pool.digest(path)
      } catch (err) {
        if (!(err as { poolFailure?: boolean }).poolFailure) throw err
        r = await semanticDigest(await readFile(path), path)
      }
      onFileDone?.(i)
      results[i] = { path, ...r }
    }),
  )
  return results
}
