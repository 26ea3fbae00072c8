// Persistent stat cache: (algorithm, path) + file identity (size, mtime ns, ctime ns, inode, device) → digest,
// so a warm pass over an unchanged project costs one stat per file. Advisory: a lost or corrupt cache only costs time.
//
// Two files, so that a warm pass over a large data folder never parses a row per file:
// - stat-cache.json: rows of files requested directly, and one memo per directory dependency (its listing's
//   fingerprint → its tree1 digest);
// - stat-cache-trees.json: rows of the files inside directories, read only when a directory's memo misses.
import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Warning } from '../errors.js'
import { writeFileAtomic } from '../project/atomic.js'
import type { FileIdentity } from './tree.js'

export const STAT_CACHE_FILE = 'stat-cache.json'
export const STAT_CACHE_TREES_FILE = 'stat-cache-trees.json'
const FORMAT = 'modelops-bundle/stat-cache@2'

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
/** A directory's memo: the fingerprint of its listing (names + identities), its digest, its files' warnings. */
type TreeRow = [fingerprint: string, digest: string, warnings: Warning[]]

function identity(st: FileIdentity): [string, string, string, string, string] {
  return [st.size.toString(), st.mtimeNs.toString(), st.ctimeNs.toString(), st.ino.toString(), st.dev.toString()]
}

/** Rows of one of the two files, loaded at most once. */
class Section<R> {
  rows = new Map<string, R>()
  readonly touched = new Set<string>()
  dirty = false
  loaded = false

  constructor(readonly file: string | undefined) {}

  /** The parsed file, or undefined when it is missing or unreadable (then with a warning). */
  read(warnings: Warning[]): Record<string, unknown> | undefined {
    if (!this.file) return undefined
    try {
      // Sync: one local file read; an await here was a thread-pool round trip of idle time.
      return JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, unknown>
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        warnings.push({ code: 'CACHE_RESET', file: this.file, message: `stat cache unreadable (${(err as Error).message}); starting empty` })
      }
      return undefined
    }
  }

  fill(key: 'entries' | 'trees', valid: (v: unknown) => boolean, doc: Record<string, unknown> | undefined): void {
    this.loaded = true
    const table = doc?.format === FORMAT ? doc[key] : undefined
    if (!table || typeof table !== 'object') return
    for (const [k, v] of Object.entries(table as Record<string, unknown>)) if (valid(v)) this.rows.set(k, v as R)
  }

  prune(keep: (k: string) => boolean): void {
    // Deleting the entry being visited is safe in a Map's iteration.
    for (const k of this.rows.keys()) {
      if (!this.touched.has(k) && !keep(k)) {
        this.rows.delete(k)
        this.dirty = true
      }
    }
  }

  sorted(): Record<string, R> {
    const out: Record<string, R> = {}
    for (const k of [...this.rows.keys()].sort()) out[k] = this.rows.get(k)!
    return out
  }
}

const isRow = (v: unknown) => Array.isArray(v) && v.length >= 7
const isTreeRow = (v: unknown) => Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'string' && Array.isArray(v[2])

export class StatCache {
  /** Direct rows (files requested by path). */
  private readonly main: Section<Row>
  /** Rows of files found inside directories: loaded on first need. */
  private readonly inner: Section<Row>
  private readonly trees: Section<TreeRow>
  /** Directories whose memo hit in this pass: their rows in `inner` count as used when pruning. */
  private readonly treesHit = new Set<string>()
  private readonly warnings: Warning[]

  private constructor(
    dir: string | undefined,
    readonly racyMarginNs: bigint,
    warnings: Warning[],
  ) {
    this.main = new Section(dir && join(dir, STAT_CACHE_FILE))
    this.inner = new Section(dir && join(dir, STAT_CACHE_TREES_FILE))
    this.trees = new Section(this.main.file)
    this.warnings = warnings
  }

  /** The main file's path (undefined for an in-memory cache). */
  get file(): string | undefined {
    return this.main.file
  }

  /** An in-memory cache that never persists (cacheDir: false). */
  static memory(racyMarginMs = DEFAULT_RACY_MARGIN_MS): StatCache {
    const c = new StatCache(undefined, BigInt(racyMarginMs) * 1_000_000n, [])
    c.main.loaded = c.inner.loaded = c.trees.loaded = true
    return c
  }

  /** Load `<dir>/stat-cache.json`; an unreadable or foreign file starts an empty cache (with a warning if corrupt). */
  static async load(dir: string, warnings: Warning[] = [], racyMarginMs = DEFAULT_RACY_MARGIN_MS): Promise<StatCache> {
    const c = new StatCache(dir, BigInt(racyMarginMs) * 1_000_000n, warnings)
    const doc = c.main.read(warnings)
    c.main.fill('entries', isRow, doc)
    c.trees.fill('trees', isTreeRow, doc)
    return c
  }

  /** Rows of files inside directories, read on first need. */
  private innerRows(): Map<string, Row> {
    if (!this.inner.loaded) this.inner.fill('entries', isRow, this.inner.read(this.warnings))
    return this.inner.rows
  }

  private static key(algo: string, rel: string): string {
    return `${algo}\0${rel}`
  }

  /**
   * The cached digest if the file's identity is exactly the recorded one. `inTree`: the file was reached
   * through a directory listing (its row lives in the second file).
   */
  get(algo: string, rel: string, st: FileIdentity, inTree = false): CachedDigest | undefined {
    const k = StatCache.key(algo, rel)
    const section = inTree ? this.inner : this.main
    const row = (inTree ? this.innerRows() : this.main.rows).get(k)
    if (!row) return undefined
    const id = identity(st)
    for (let i = 0; i < 5; i++) if (row[i] !== id[i]) return undefined
    section.touched.add(k)
    return row[7] ? { digest: row[5], kind: row[6], warning: row[7] } : { digest: row[5], kind: row[6] }
  }

  /** Whether a file with this stat is too recent to be trusted next time (see DEFAULT_RACY_MARGIN_MS). */
  isRacy(st: FileIdentity, passStartNs: bigint): boolean {
    return this.isRacyNs(st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs, passStartNs)
  }

  /** Same, from the newest of a file's (or a listing's) mtime and ctime. */
  isRacyNs(newestNs: bigint, passStartNs: bigint): boolean {
    return newestNs >= passStartNs - this.racyMarginNs
  }

  /**
   * Record a digest computed from a file whose stat `st` was taken after `passStartNs` (wall clock, ns).
   * Racy entries are dropped instead, so the next pass re-hashes them.
   */
  set(algo: string, rel: string, st: FileIdentity, passStartNs: bigint, value: CachedDigest, inTree = false): boolean {
    const k = StatCache.key(algo, rel)
    const section = inTree ? this.inner : this.main
    if (inTree) this.innerRows()
    section.touched.add(k)
    if (this.isRacy(st, passStartNs)) {
      if (section.rows.delete(k)) section.dirty = true
      return false
    }
    section.rows.set(k, [...identity(st), value.digest, value.kind, ...(value.warning ? [value.warning] : [])] as Row)
    section.dirty = true
    return true
  }

  /** The memo of directory `key` if its listing still has this fingerprint: its digest and its files' warnings. */
  getTree(key: string, fingerprint: string): { digest: string; warnings: Warning[] } | undefined {
    const row = this.trees.rows.get(key)
    if (!row || row[0] !== fingerprint) return undefined
    this.trees.touched.add(key)
    this.treesHit.add(key)
    return { digest: row[1], warnings: row[2] }
  }

  /** Remember directory `key`'s digest for this fingerprint (callers skip listings with a racy file). */
  setTree(key: string, fingerprint: string, digest: string, warnings: Warning[]): void {
    this.trees.touched.add(key)
    const old = this.trees.rows.get(key)
    if (old && old[0] === fingerprint && old[1] === digest) return
    this.trees.rows.set(key, [fingerprint, digest, warnings])
    this.trees.dirty = true
  }

  /**
   * Write what changed atomically (temp file + rename). With `prune`, rows not looked up or set since load are
   * dropped: a full pass over the project evicts files that are no longer listed. Rows of a directory whose
   * memo hit were not looked at, and stay.
   */
  async save(opts: { prune?: boolean } = {}): Promise<void> {
    if (!this.main.file) return
    if (opts.prune) {
      this.main.prune(() => false)
      this.trees.prune(() => false)
      if (this.inner.loaded) {
        // Tree keys end in `\0<rel>`; a row `<algo>\0<rel>/<name>` belongs to it.
        const hit = [...this.treesHit].map((k) => `${k.slice(k.lastIndexOf('\0') + 1)}/`)
        this.inner.prune((k) => hit.some((prefix) => k.slice(k.indexOf('\0') + 1).startsWith(prefix)))
      }
    }
    const stamp = (BigInt(Date.now()) * 1_000_000n).toString()
    if (this.inner.loaded && this.inner.dirty) {
      await mkdir(dirname(this.inner.file!), { recursive: true })
      await writeFileAtomic(this.inner.file!, JSON.stringify({ format: FORMAT, written_ns: stamp, entries: this.inner.sorted() }))
      this.inner.dirty = false
    }
    if (this.main.dirty || this.trees.dirty) {
      await mkdir(dirname(this.main.file), { recursive: true })
      await writeFileAtomic(this.main.file, JSON.stringify({ format: FORMAT, written_ns: stamp, entries: this.main.sorted(), trees: this.trees.sorted() }))
      this.main.dirty = this.trees.dirty = false
    }
  }

  /** Rows held in memory (direct and, when loaded, inside directories). */
  get size(): number {
    return this.main.rows.size + this.inner.rows.size
  }
}
