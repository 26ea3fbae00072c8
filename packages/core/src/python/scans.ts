// The module scans (scan.ts) of one discovery run, shared by every file it looks at: each file is parsed once, and
// on the parse pool when the files named up front repay starting it (the byte rule of every pool, workers/pool.ts).
import { statSync } from 'node:fs'
import { readRegularFile } from '../project/read.js'
import { defaultWorkers, parsePoolPaysOff, sharedParsePool, type ParsePool } from './pool.js'
import { scanSource, type ModuleInfo } from './scan.js'

/**
 * The parsed modules of one discovery run over many files (DiscoverOptions.scans): each file is parsed once, on
 * worker threads when the files are big enough together. Make one with `ModuleScans.for(files)` per run.
 */
export class ModuleScans {
  /** By absolute path; null when the file cannot be read. */
  private readonly memo = new Map<string, Promise<ModuleInfo | null>>()

  /** @param pool where to parse; undefined: in this thread. */
  private constructor(private readonly pool?: ParsePool) {}

  /** Scans parsed in this thread, on demand (one file, or too few bytes for the pool). */
  static inThread(): ModuleScans {
    return new ModuleScans()
  }

  /**
   * Scans for a run over `files` (absolute paths): when their bytes repay the parse pool, all of them start
   * parsing there at once (the pool queues them), and every later scan of the run (imported modules) goes there too.
   */
  static for(files: readonly string[], workers: number = defaultWorkers()): ModuleScans {
    const sizes = files.map((f) => {
      try {
        return statSync(f).size
      } catch {
        return 0 // reported when discovery reads it
      }
    })
    if (!parsePoolPaysOff(sizes, workers)) return new ModuleScans()
    const scans = new ModuleScans(sharedParsePool(workers))
    for (const f of files) void scans.scan(f)
    return scans
  }

  /**
   * The scan of `file` (absolute), or null when it cannot be read. `text`: its content when the caller has read it
   * already (used in this thread). A pool that fails, or a file the worker cannot read, falls back to this thread,
   * where reading reports as it always did.
   */
  scan(file: string, text?: string): Promise<ModuleInfo | null> {
    let p = this.memo.get(file)
    if (!p) {
      const here = async () => {
        let src = text
        if (src === undefined) {
          try {
            src = (await readRegularFile(file)).toString('utf8')
          } catch {
            return null
          }
        }
        return scanSource(src)
      }
      p = this.pool ? this.pool.scan(file).catch(here) : here()
      this.memo.set(file, p)
    }
    return p
  }
}
