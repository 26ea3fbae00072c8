// Persistent stat cache: (algorithm, path) + file identity (size, mtime ns, ctime ns, inode, device) → digest,
// so a warm pass over an unchanged project costs one stat per file. Advisory: a lost or corrupt cache only costs time.
import type { BigIntStats } from 'node:fs'
import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Warning } from '../errors.js'
import { writeFileAtomic } from '../project/atomic.js'

export const STAT_CACHE_FILE = 'stat-cache.json'
const FORMAT = 'modelops-bundle/stat-cache@1'

/**
 * Racy-git rule: a file whose mtime or ctime is not at least this much older than the moment the pass started
 * could still change without changing its stat (timestamp granularity: coarse kernel ticks, 1 s on HFS+,
 * 2 s on FAT, clock skew on network mounts), so its digest is not cached and it is re-hashed next time.
 */
export const DEFAULT_RACY_MARGIN_MS = 2000

export interface CachedDigest {
  digest: string
  kind: 'bytes' | 'semantic'
  /** Re-emitted on every hit (e.g. a semantic digest that fell back to bytes). */
  warning?: Warning
}

type Row = [size: string, mtimeNs: string, ctimeNs: string, ino: string, dev: string, digest: string, kind: CachedDigest['kind'], warning?: Warning]

function identity(st: BigIntStats): [string, string, string, string, string] {
  return [st.size.toString(), st.mtimeNs.toString(), st.ctimeNs.toString(), st.ino.toString(), st.dev.toString()]
}

export class StatCache {
  private readonly rows: Map<string, Row>
  private readonly touched = new Set<string>()
  private dirty = false

  private constructor(
    readonly file: string | undefined,
    rows: Map<string, Row>,
    readonly racyMarginNs: bigint,
  ) {
    this.rows = rows
  }

  /** An in-memory cache that never persists (cacheDir: false). */
  static memory(racyMarginMs = DEFAULT_RACY_MARGIN_MS): StatCache {
    return new StatCache(undefined, new Map(), BigInt(racyMarginMs) * 1_000_000n)
  }

  /** Load `<dir>/stat-cache.json`; an unreadable or foreign file starts an empty cache (with a warning if corrupt). */
  static async load(dir: string, warnings: Warning[] = [], racyMarginMs = DEFAULT_RACY_MARGIN_MS): Promise<StatCache> {
    const file = join(dir, STAT_CACHE_FILE)
    const rows = new Map<string, Row>()
    try {
      // Sync: one local file read at the start of a pass; an await here was a thread-pool round trip of idle time.
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { format?: string; entries?: Record<string, Row> }
      if (doc.format === FORMAT && doc.entries && typeof doc.entries === 'object') {
        for (const [k, v] of Object.entries(doc.entries)) if (Array.isArray(v) && v.length >= 7) rows.set(k, v)
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        warnings.push({ code: 'CACHE_RESET', file, message: `stat cache unreadable (${(err as Error).message}); starting empty` })
      }
    }
    return new StatCache(file, rows, BigInt(racyMarginMs) * 1_000_000n)
  }

  private static key(algo: string, rel: string): string {
    return `${algo}\0${rel}`
  }

  /** The cached digest if the file's identity is exactly the recorded one. */
  get(algo: string, rel: string, st: BigIntStats): CachedDigest | undefined {
    const k = StatCache.key(algo, rel)
    const row = this.rows.get(k)
    if (!row) return undefined
    const id = identity(st)
    for (let i = 0; i < 5; i++) if (row[i] !== id[i]) return undefined
    this.touched.add(k)
    return { digest: row[5], kind: row[6], ...(row[7] ? { warning: row[7] } : {}) }
  }

  /**
   * Record a digest computed from a file whose stat `st` was taken after `passStartNs` (wall clock, ns).
   * Racy entries are dropped instead, so the next pass re-hashes them.
   */
  set(algo: string, rel: string, st: BigIntStats, passStartNs: bigint, value: CachedDigest): boolean {
    const k = StatCache.key(algo, rel)
    this.touched.add(k)
    const newest = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs
    if (newest >= passStartNs - this.racyMarginNs) {
      if (this.rows.delete(k)) this.dirty = true
      return false
    }
    this.rows.set(k, [...identity(st), value.digest, value.kind, ...(value.warning ? [value.warning] : [])] as Row)
    this.dirty = true
    return true
  }

  /**
   * Write the cache atomically (temp file + rename) if anything changed. With `prune`, rows not looked up or set
   * since load are dropped: a full pass over the project evicts files that are no longer listed.
   */
  async save(opts: { prune?: boolean } = {}): Promise<void> {
    if (!this.file) return
    if (opts.prune) {
      for (const k of [...this.rows.keys()]) {
        if (!this.touched.has(k)) {
          this.rows.delete(k)
          this.dirty = true
        }
      }
    }
    if (!this.dirty) return
    const entries: Record<string, Row> = {}
    for (const k of [...this.rows.keys()].sort()) entries[k] = this.rows.get(k)!
    const text = JSON.stringify({ format: FORMAT, written_ns: (BigInt(Date.now()) * 1_000_000n).toString(), entries })
    await mkdir(dirname(this.file), { recursive: true })
    await writeFileAtomic(this.file, text)
    this.dirty = false
  }

  get size(): number {
    return this.rows.size
  }
}
