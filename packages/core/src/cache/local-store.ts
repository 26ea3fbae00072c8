import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, statSync, utimesSync, type BigIntStats } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { hashFile } from '../digest/bytes.js'
import { NO_PROGRESS, progressMeter, type ProgressCallback } from '../digest/progress.js'
import { checkAgainstIndex, FolderWriter, indexFolder, safeJoin, SHA256_RE, type Written } from './folder-files.js'
import { OutputHold, sweepHolds } from './hold.js'
import { tryKeyLock, withKeyLock } from './locks.js'
import { Stamps, wallNs } from './stamps.js'
import { ModelopsError } from '../errors.js'
import { outputNameProblem } from '../project/names.js'
import type { CacheEntry, CacheEntryMeta, CacheFile, CacheInfo, LookupResult, OutputStore, PruneResult, Staging } from './types.js'

/** Version of the on-disk layout; a new layout gets a new folder, so old and new tools never misread each other. */
export const CACHE_LAYOUT = 'outputs-v1'
export const ENTRY_SCHEMA = 'modelops-bundle/cache-entry@1'
const INDEX = 'index.json'
const FILES = 'files'
/** Staging folders older than this are leftovers of killed builds. */
const STALE_STAGING_MS = 60 * 60 * 1000

/** Options of a LocalStore: warnings callback and how lookups verify entries. */
export interface LocalStoreOptions {
  /** Called with a message when the store drops something the user should know about. */
  onWarning?: (message: string) => void
  /**
   * How a lookup verifies an entry's files. 'stamp': a file whose device, inode, size and mtime are those recorded
   * when it was last hashed (and not racy) is trusted without re-hashing; every other file is hashed.
   * 'digest': hash every file on every lookup (catches bytes changed behind an unchanged stat, e.g. bit rot).
   * @default 'stamp'
   */
  verify?: 'stamp' | 'digest'
}

/** What the store's lookups did, since it was created (for tests and benchmarks). */
export interface LocalStoreStats {
  /** Files trusted by their stat stamp. */
  trusted: number
  /** Files hashed to verify them. */
  hashed: number
  hashedBytes: number
  /** Stamp sidecars (re)written by lookups and commits. */
  stampWrites: number
}

/** One entry of `verifyAll`: 'busy' when a build held its lock (not checked), 'gone' when removed meanwhile. */
export interface VerifyEntryResult {
  key: string
  model_id: string
  bytes: number
  status: 'ok' | 'dropped' | 'busy' | 'gone'
  /** Why it was dropped. */
  reason?: string
}

/** What LocalStore.verifyAll found: entries checked, intact, dropped as corrupt, and each entry's result. */
export interface VerifyResult {
  dir: string
  /** Entries hashed (ok + dropped). */
  checked: number
  ok: number
  dropped: number
  busy: number
  /** Bytes hashed. */
  bytes: number
  entries: VerifyEntryResult[]
}

interface IndexFile extends CacheEntryMeta {
  schema: string
  key: string
  bytes: number
  files: CacheFile[]
}

const KEY_RE = /^[0-9a-f]{64}$/

/**
 * Content-addressed local store:
 *   <cacheDir>/outputs-v1/entries/<k0k1>/<key>/index.json + files/… (+ stamps.json: stat stamps of verified files)
 *   <cacheDir>/outputs-v1/staging/<key>.<pid>.<rand>/   (renamed into entries/ on commit)
 *   <cacheDir>/outputs-v1/locks/<key>.lock              (proper-lockfile; stale locks of killed builds expire)
 * The index's mtime is the entry's LRU time.
 */
export class LocalStore implements OutputStore {
  readonly dir: string
  readonly stats: LocalStoreStats = { trusted: 0, hashed: 0, hashedBytes: 0, stampWrites: 0 }
  private readonly onWarning: (message: string) => void
  private readonly verifyMode: 'stamp' | 'digest'

  constructor(cacheDir: string, options: LocalStoreOptions = {}) {
    this.dir = path.join(path.resolve(cacheDir), CACHE_LAYOUT)
    this.onWarning = options.onWarning ?? (() => {})
    this.verifyMode = options.verify ?? 'stamp'
  }

  private entryDir(key: string): string {
    checkKey(key)
    return path.join(this.dir, 'entries', key.slice(0, 2), key)
  }

  /** A hold for the entries one build (or watcher) uses: see OutputHold. */
  hold(): OutputHold {
    return new OutputHold(path.join(this.dir, 'held'))
  }

  async get(key: string, options: { hold?: OutputHold } = {}): Promise<LookupResult> {
    const dir = this.entryDir(key)
    // The hit path uses synchronous calls for its small metadata reads and links: each is a few microseconds, while
    // an awaited call costs a thread-pool round trip, and a warm build makes a dozen per entry. Hashing stays streamed.
    const read = readIndex(dir, key)
    if (!('index' in read)) return read
    const { index } = read
    // Hold the files first, then verify what is held: the bytes verified are the bytes the build reads, even
    // if `cache clear` or another build's eviction removes the entry right after.
    let filesDir = path.join(dir, FILES)
    if (options.hold) {
      try {
        filesDir = await options.hold.pin(key, filesDir, index.files)
      } catch (err) {
        // Removed since we read its index: a miss (the caller regenerates). A missing file of a present entry is corruption, reported below.
        if (isNotFound(err) && !existsSync(dir)) return { status: 'miss' }
        // A cache that cannot hold (read-only, full): read the entry in place.
      }
    }
    const problem = await this.verify(dir, (rel) => safeJoin(filesDir, rel)!, index.files)
    if (problem) return { status: 'corrupt', reason: problem }
    try {
      const now = new Date()
      utimesSync(path.join(dir, INDEX), now, now)
    } catch {
      // LRU time only: a read-only cache still serves its entries.
    }
    return { status: 'hit', entry: toEntry(filesDir, index) }
  }

  /**
   * Why the files of an entry this store returned (its held files, or files outside the store) no longer match its
   * index, or undefined when they still do: the check a lookup in a new process makes, stamps included. Watch mode
   * calls it before reusing the previous run's outputs, so bytes changed under a watcher are never emitted again.
   */
  async recheck(entry: CacheEntry): Promise<string | undefined> {
    return this.verify(this.entryDir(entry.key), (rel) => entry.filePath(rel), entry.files)
  }

  /**
   * Why the files (`fileAt(rel)`) do not match `files`, or undefined when they all do. A file whose stat stamp
   * (stamps.ts: device, inode, size, mtime) matches the one recorded when it was last hashed is trusted without
   * re-hashing (with verify: 'stamp', unless `full`); any other file is hashed, and its stamp recorded if its mtime is
   * not racy.
   */
  private async verify(entryDir: string, fileAt: (rel: string) => string, files: readonly CacheFile[], full = false, onBytes?: (bytes: number) => void): Promise<string | undefined> {
    const useStamps = this.verifyMode === 'stamp'
    // A full check trusts no stamp, and records fresh ones for the files it hashed.
    const known = useStamps && !full ? Stamps.read(entryDir) : Stamps.empty()
    const next = Stamps.empty()
    for (const file of files) {
      const abs = fileAt(file.path)
      const statNs = wallNs()
      let st: BigIntStats | undefined
      try {
        st = statSync(abs, { bigint: true, throwIfNoEntry: false })
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
      if (!st) return `${file.path} is missing`
      if (!st.isFile()) return `${file.path} is not a file`
      if (Number(st.size) !== file.bytes) return `${file.path} has ${st.size} bytes, index says ${file.bytes}`
      if (useStamps && !full && known.matches(st, file.digest)) {
        this.stats.trusted++
        next.keep(known, st)
        continue
      }
      const digest = await hashFile(abs, onBytes)
      this.stats.hashed++
      this.stats.hashedBytes += file.bytes
      if (digest !== file.digest) return `${file.path} has digest ${digest}, index says ${file.digest}`
      if (useStamps) next.recordHashed(abs, st, digest, statNs)
    }
    // Rewritten only when it changes (new stamps, or stamps of replaced files dropped): a warm hit writes nothing.
    if (useStamps && (full || !next.equals(known))) {
      if (next.write(entryDir)) this.stats.stampWrites++
    }
    return undefined
  }

  async withLock<T>(key: string, fn: () => Promise<T>, options: { signal?: AbortSignal; timeout?: number } = {}): Promise<T> {
    checkKey(key)
    return withKeyLock(path.join(this.dir, 'locks'), key, fn, { ...options, onWarning: this.onWarning })
  }

  async stage(key: string): Promise<Staging> {
    checkKey(key)
    const root = path.join(this.dir, 'staging', `${key}.${process.pid}.${randomBytes(4).toString('hex')}`)
    const outDir = path.join(root, FILES)
    await mkdir(outDir, { recursive: true })
    /** Files written through `write`, hashed on the way in. */
    const writer = new FolderWriter(outDir, `cache entry ${key.slice(0, 12)}`)
    let done = false
    const discard = async () => {
      if (done) return
      done = true
      await rm(root, { recursive: true, force: true })
    }
    const commit = async (meta: CacheEntryMeta, commitOptions: { hold?: OutputHold; expect?: readonly CacheFile[] } = {}): Promise<CacheEntry> => {
      if (done) throw new Error('staging already committed or discarded')
      const stamps = this.verifyMode === 'stamp' ? Stamps.empty() : undefined
      const files = await indexFolder(outDir, stamps, `the generator of model ${meta.model_id}`, writer.written)
      if (commitOptions.expect) checkAgainstIndex(`cache entry ${key.slice(0, 12)}`, files, commitOptions.expect)
      const index: IndexFile = { schema: ENTRY_SCHEMA, key, ...meta, bytes: files.reduce((n, f) => n + f.bytes, 0), files }
      if (stamps && stamps.size > 0 && stamps.write(root)) this.stats.stampWrites++
      const fh = await open(path.join(root, INDEX), 'w')
      try {
        await fh.writeFile(`${JSON.stringify(index, null, 2)}\n`)
        await fh.sync()
      } finally {
        await fh.close()
      }
      // Held before it becomes visible, so nothing can remove it between the commit and the build's read.
      let held: string | undefined
      if (commitOptions.hold) held = await commitOptions.hold.pin(key, outDir, files).catch(() => undefined)
      const dest = this.entryDir(key)
      await mkdir(path.dirname(dest), { recursive: true })
      try {
        await rename(root, dest)
        done = true
        return toEntry(held ?? path.join(dest, FILES), index)
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw err
        // Someone committed the same key first (outside our lock, e.g. a store without locks): theirs wins.
        await discard()
        const again = await this.get(key, commitOptions)
        if (again.status === 'hit') return again.entry
        throw new ModelopsError('CACHE', `cache entry ${key.slice(0, 12)} could not be committed: ${again.status === 'corrupt' ? again.reason : 'it vanished'}`)
      }
    }
    return { outDir, commit, write: (rel, data, options) => writer.write(rel, data, options), discard }
  }

  async remove(key: string): Promise<void> {
    const dir = this.entryDir(key)
    // Rename first so a concurrent reader sees the entry whole or not at all.
    const trash = path.join(this.dir, 'staging', `trash.${key}.${process.pid}.${randomBytes(4).toString('hex')}`)
    await mkdir(path.dirname(trash), { recursive: true })
    try {
      await rename(dir, trash)
    } catch (err) {
      if (isNotFound(err)) return
      throw err
    }
    await rm(trash, { recursive: true, force: true })
  }

  private async scan(): Promise<Array<{ key: string; model_id: string; bytes: number; files: number; used: number }>> {
    const out: Array<{ key: string; model_id: string; bytes: number; files: number; used: number }> = []
    const entries = path.join(this.dir, 'entries')
    for (const shard of await readdirOrEmpty(entries)) {
      for (const key of await readdirOrEmpty(path.join(entries, shard))) {
        if (!KEY_RE.test(key)) continue
        const indexPath = path.join(entries, shard, key, INDEX)
        try {
          const [raw, st] = await Promise.all([readFile(indexPath, 'utf8'), stat(indexPath)])
          const index = JSON.parse(raw) as IndexFile
          out.push({ key, model_id: String(index.model_id), bytes: Number(index.bytes) || 0, files: index.files?.length ?? 0, used: st.mtimeMs })
        } catch {
          // Partial or unreadable: counts as the oldest, so prune removes it first.
          out.push({ key, model_id: '?', bytes: 0, files: 0, used: 0 })
        }
      }
    }
    return out.sort((a, b) => a.used - b.used || (a.key < b.key ? -1 : 1))
  }

  async info(): Promise<CacheInfo> {
    const list = await this.scan()
    return {
      dir: this.dir,
      entries: list.length,
      bytes: list.reduce((n, e) => n + e.bytes, 0),
      list: list.map((e) => ({ key: e.key, model_id: e.model_id, bytes: e.bytes, files: e.files, last_used: new Date(e.used).toISOString() })),
    }
  }

  async prune(options: { maxBytes?: number; keep?: Iterable<string> } = {}): Promise<PruneResult> {
    const keep = new Set(options.keep ?? [])
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    const list = await this.scan()
    let total = list.reduce((n, e) => n + e.bytes, 0)
    let removed = 0
    let freed = 0
    for (const e of list) {
      if (total <= maxBytes && e.used !== 0) break
      if (keep.has(e.key)) continue
      if (await this.tryRemoveLocked(e.key)) {
        removed++
        freed += e.bytes
        total -= e.bytes
      }
    }
    await sweepHolds(path.join(this.dir, 'held'))
    return { removed, freed, staging: await this.sweepStaging(STALE_STAGING_MS) }
  }

  async clear(): Promise<PruneResult> {
    const list = await this.scan()
    let removed = 0
    let freed = 0
    for (const e of list) {
      if (await this.tryRemoveLocked(e.key)) {
        removed++
        freed += e.bytes
      }
    }
    await sweepHolds(path.join(this.dir, 'held'))
    return { removed, freed, staging: await this.sweepStaging(STALE_STAGING_MS) }
  }

  /**
   * Hash every file of every entry (no stamp trusted) and drop the entries that do not match their index, each
   * under its key's lock; entries whose lock a build holds (it is generating them) are skipped and reported busy.
   * The answer for what stamps cannot see: bytes changed behind a restored mtime, bit rot (docs/cache.md).
   * Fresh stamps are recorded for the files verified.
   */
  async verifyAll(options: { onEntry?: (result: VerifyEntryResult) => void; onProgress?: ProgressCallback } = {}): Promise<VerifyResult> {
    const entries: VerifyEntryResult[] = []
    const scanned = await this.scan()
    // Progress counts entries as its files, by the sizes their indexes record.
    const meter = progressMeter(options.onProgress, scanned.map((e) => e.bytes))
    for (const e of scanned) {
      const dir = this.entryDir(e.key)
      const progress = meter?.file(e.bytes) ?? NO_PROGRESS
      const checked = await this.tryLocked(e.key, async (): Promise<VerifyEntryResult> => {
        const read = readIndex(dir, e.key)
        let reason: string | undefined
        if ('index' in read) reason = await this.verify(dir, (rel) => safeJoin(path.join(dir, FILES), rel)!, read.index.files, true, meter && progress.add)
        else if (read.status === 'corrupt') reason = read.reason
        else return { key: e.key, model_id: e.model_id, bytes: e.bytes, status: 'gone' }
        if (reason === undefined) return { key: e.key, model_id: e.model_id, bytes: e.bytes, status: 'ok' }
        await this.remove(e.key)
        this.onWarning(`cache entry ${e.key.slice(0, 12)} of model ${e.model_id} is corrupt (${reason}); dropped`)
        return { key: e.key, model_id: e.model_id, bytes: e.bytes, status: 'dropped', reason }
      })
      const result = checked ?? { key: e.key, model_id: e.model_id, bytes: e.bytes, status: 'busy' as const }
      progress.done()
      entries.push(result)
      options.onEntry?.(result)
    }
    meter?.finish()
    const count = (s: VerifyEntryResult['status']) => entries.filter((r) => r.status === s).length
    return { dir: this.dir, checked: count('ok') + count('dropped'), ok: count('ok'), dropped: count('dropped'), busy: count('busy'), bytes: entries.reduce((n, r) => n + (r.status === 'ok' || r.status === 'dropped' ? r.bytes : 0), 0), entries }
  }

  /** Remove an entry unless a build holds its lock right now (it may be reading or rewriting it). */
  private async tryRemoveLocked(key: string): Promise<boolean> {
    return (await this.tryLocked(key, async () => { await this.remove(key); return true })) ?? false
  }

  /** Run `fn` under the key's lock if nobody holds it right now; undefined (fn not run) if a build does. */
  private tryLocked<T>(key: string, fn: () => Promise<T>): Promise<T | undefined> {
    return tryKeyLock(path.join(this.dir, 'locks'), key, fn)
  }

  private async sweepStaging(olderThanMs: number): Promise<number> {
    const staging = path.join(this.dir, 'staging')
    let n = 0
    for (const name of await readdirOrEmpty(staging)) {
      const abs = path.join(staging, name)
      const st = await stat(abs).catch(() => undefined)
      if (st && Date.now() - st.mtimeMs > olderThanMs) {
        await rm(abs, { recursive: true, force: true })
        n++
      }
    }
    return n
  }
}

/** The entry's index, checked for shape and safe paths: a miss, a corrupt entry (why), or the index. */
function readIndex(dir: string, key: string): LookupResult | { index: IndexFile } {
  let raw: string
  try {
    raw = readFileSync(path.join(dir, INDEX), 'utf8')
  } catch (err) {
    if (isNotFound(err)) {
      // A folder without an index is a partial entry (commit always writes the index before the rename).
      return existsSync(dir) ? { status: 'corrupt', reason: 'index.json is missing' } : { status: 'miss' }
    }
    throw err
  }
  let index: IndexFile
  try {
    index = JSON.parse(raw) as IndexFile
  } catch {
    return { status: 'corrupt', reason: 'index.json is not valid JSON' }
  }
  if (!index || index.schema !== ENTRY_SCHEMA || index.key !== key || !Array.isArray(index.files)) {
    return { status: 'corrupt', reason: 'index.json does not describe this entry' }
  }
  for (const file of index.files) {
    // Also names a commit would refuse today (an entry written by an older version): dropped and regenerated.
    if (!file || !safeJoin(path.join(dir, FILES), file.path) || outputNameProblem(file.path)) return { status: 'corrupt', reason: `index names an unsafe path ${JSON.stringify(file?.path)}` }
    // A malformed sha256 is only a lost shortcut: a push hashes the file instead.
    if (file.sha256 !== undefined && !SHA256_RE.test(String(file.sha256))) delete file.sha256
  }
  return { index }
}

/** An entry for outputs kept outside any store (the cache could not take them), indexed like a commit. */
export async function folderEntry(filesDir: string, key: string, meta: CacheEntryMeta, written?: ReadonlyMap<string, Written>): Promise<CacheEntry> {
  const files = await indexFolder(filesDir, undefined, `the generator of model ${meta.model_id}`, written)
  return toEntry(filesDir, { schema: ENTRY_SCHEMA, key, ...meta, bytes: files.reduce((n, f) => n + f.bytes, 0), files })
}

function toEntry(filesDir: string, index: IndexFile): CacheEntry {
  return {
    key: index.key,
    files: index.files,
    bytes: index.bytes,
    meta: { model_id: index.model_id, entrypoint: index.entrypoint, digest: index.digest, generator: index.generator },
    filePath: (rel) => {
      const abs = safeJoin(filesDir, rel)
      if (!abs) throw new Error(`not a file of this cache entry: ${rel}`)
      return abs
    },
  }
}

function checkKey(key: string): void {
  if (!KEY_RE.test(key)) throw new Error(`invalid cache key ${JSON.stringify(key)}`)
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (err) {
    if (isNotFound(err)) return []
    throw err
  }
}


