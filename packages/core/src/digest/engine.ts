// The file-hashing engine under computeDigests and digestFiles: expands directories, consults the stat cache,
// hashes what changed (small files in-thread, several large files on the worker pool) and composes tree1 digests.
import { createHash } from 'node:crypto'
import { statSync, type BigIntStats } from 'node:fs'
import { join, sep } from 'node:path'
import { ModelopsError, type Warning } from '../errors.js'
import type { Project } from '../project/project.js'
import { insideProjectStatter, realpathOfLongestPrefix, realProjectRoot } from '../project/paths.js'
import { isReadRefusal, readRegularFile } from '../project/read.js'
import { defaultWorkers, parsePoolPaysOff } from '../python/pool.js'
import { mapLimit } from '../util/map-limit.js'
import { PYSEM_ALGO, PYSEM_HEADER, semanticDigest, semanticDigestMany } from '../python/semantic.js'
import { fileAlgorithm } from './algorithms.js'
import { BYTES_ALGO, hashFileHex } from './bytes.js'
import { HashPool, hashPoolPaysOff, LARGE_FILE_BYTES, sharedHashPool } from './pool.js'
import { NO_PROGRESS, progressMeter, type FileProgress, type ProgressCallback } from './progress.js'
import { DEFAULT_RACY_MARGIN_MS, StatCache, type CachedDigest } from './stat-cache.js'
import { listedFile, listingFingerprint, listTree, TREE_ALGO, treeDigest, type FileIdentity } from './tree.js'
import type { FileDigest } from './types.js'

export const SEMANTIC_ALGO = PYSEM_ALGO

let semanticCacheAlgo: string | undefined
/**
 * Stat-cache key of semantic digests: the id plus a hash of everything that defines it (normalisation version,
 * grammar version and wasm hash), so upgrading the grammar never serves digests made by the old one. sha256 from
 * node:crypto, not BLAKE2b: it is synchronous, so a warm pass never waits for the BLAKE2b WASM to load here.
 */
function semanticCacheKey(): string {
  semanticCacheAlgo ??= `${PYSEM_ALGO}@${createHash('sha256').update(PYSEM_HEADER).digest('hex').slice(0, 16)}`
  return semanticCacheAlgo
}

/** How a listed path is hashed: code (.py files semantically) or data (bytes). */
export type DigestMode = 'code' | 'data'

export interface EngineOptions {
  /** Stat cache folder (absolute; a Workspace's cacheDir). false or absent: in memory only, nothing written. */
  cacheDir?: string | false
  /** Worker threads for large files and for parsing Python; default min(2, cores). 1 does everything in-thread. */
  concurrency?: number
  /** Racy-timestamp margin of the stat cache, ms; default 2000. */
  racyMarginMs?: number
  /** Files at least this big count as large (pool candidates); default 16 MiB. */
  largeFileBytes?: number
  /** Start the pool only when the large files add up to this many bytes; default 256 MiB. */
  poolMinBytes?: number
  /** Drop cache rows not used in this pass (a full pass over the project); default false. */
  pruneCache?: boolean
  /**
   * Progress of the files this pass reads (stat-cache misses; totals from their stats), at most ~10 calls a
   * second and once with `done` at the end; not called when everything came from the cache. Default none.
   */
  onProgress?: ProgressCallback
}

export interface EngineStats {
  /** Files looked at (stat calls on files). */
  files: number
  /** Files whose digest came from the stat cache. */
  cacheHits: number
  /** Files read and hashed. */
  hashed: number
  /** Of those, hashed on the worker pool. */
  pooled: number
}

export interface PathRequest {
  /** Project-relative POSIX path (file or directory). */
  rel: string
  mode: DigestMode
  /** Who lists it (e.g. `model sir`), named in errors. */
  owner?: string
}

/** A path's digest, or `absent` when it does not exist. */
export type PathDigest = FileDigest | { path: string; digest: 'absent'; kind: 'absent' }

export function requestKey(r: PathRequest): string {
  return `${r.mode}\0${r.rel}`
}

// One test per path (thousands a pass): empty, absolute (POSIX or drive), a backslash or NUL, an empty, '.' or '..' segment.
const NOT_PROJECT_RELATIVE = /^(?:$|\/|[A-Za-z]:)|[\\\0]|\/\/|\/$|(?:^|\/)\.\.?(?:\/|$)/
/** Whether `rel` is a clean project-relative POSIX path (no absolute path, `\\`, `.`/`..`/empty segment or NUL). */
export function isProjectRelative(rel: string): boolean {
  return !NOT_PROJECT_RELATIVE.test(rel)
}

function checkRel(rel: string, owner?: string): void {
  if (isProjectRelative(rel)) return
  throw new ModelopsError('PATH_INVALID', `${owner ? `${owner}: ` : ''}"${rel}" is not a project-relative POSIX path`, {
    file: owner ? '.modelops-bundle/registry.yaml' : undefined,
    hint: 'registry paths must be relative to the project root, use "/" and contain no "." or ".." segments; fix the entry or re-register it',
  })
}

interface Leaf {
  rel: string
  abs: string
  algo: typeof BYTES_ALGO | typeof SEMANTIC_ALGO
  stat: FileIdentity
  /** Reached only through a directory listing: its stat-cache row lives with the directories' rows. */
  inTree: boolean
  result?: CachedDigest | 'absent'
  progress?: FileProgress
}

/** Stat-cache key of a directory's memo: the digest algorithms of its files are part of it. */
function treeMemoKey(mode: DigestMode, rel: string): string {
  return `${TREE_ALGO}\0${mode === 'code' ? semanticCacheKey() : BYTES_ALGO}\0${rel}`
}

const missingCodes = new Set(['ENOENT', 'ENOTDIR', 'ELOOP'])

/** Digest every requested path once (duplicates share the work); results keyed by requestKey. */
export async function digestPaths(
  project: Project,
  requests: ReadonlyArray<PathRequest>,
  options: EngineOptions = {},
): Promise<{ results: Map<string, PathDigest>; warnings: Warning[]; stats: EngineStats }> {
  const warnings: Warning[] = []
  const stats: EngineStats = { files: 0, cacheHits: 0, hashed: 0, pooled: 0 }
  const margin = options.racyMarginMs ?? DEFAULT_RACY_MARGIN_MS
  const cache = options.cacheDir ? await StatCache.load(options.cacheDir, warnings, margin) : StatCache.memory(margin)
  const passStartNs = BigInt(Date.now()) * 1_000_000n

  const leaves = new Map<string, Leaf>()
  const leafFor = (rel: string, abs: string, st: FileIdentity, mode: DigestMode, inTree: boolean): Leaf => {
    // One table decides (algorithms.ts): .py and .pyi semantically, as `mops-bundle hash` does.
    const algo = fileAlgorithm(rel, mode) === 'pysem1' ? SEMANTIC_ALGO : BYTES_ALGO
    const k = `${algo}\0${rel}`
    let leaf = leaves.get(k)
    if (!leaf) {
      leaf = { rel, abs, algo, stat: st, inTree }
      leaves.set(k, leaf)
      stats.files++
    } else if (!inTree) leaf.inTree = false // listed directly too: its row is a direct one
    return leaf
  }

  // 1. Stat every request; expand directories.
  type Plan = {
    req: PathRequest
    leaf?: Leaf
    tree?: { entries: { name: string; leaf?: Leaf; token?: string }[]; memoKey: string; fingerprint?: string }
    /** The directory's memo hit: its digest, and the warnings its files gave when hashed. */
    memo?: { digest: string; warnings: Warning[] }
  }
  const plans = new Map<string, Plan>()
  const statInside = insideProjectStatter(project)
  // checkRel vouches for the path (no '.', '..' or empty segment): on POSIX, joining is concatenation.
  const rootPrefix = project.root.endsWith(sep) ? project.root : project.root + sep
  for (const req of requests) {
    const key = requestKey(req)
    if (plans.has(key)) continue
    checkRel(req.rel, req.owner)
    const plan: Plan = { req }
    plans.set(key, plan)
    const abs = sep === '/' ? rootPrefix + req.rel : join(project.root, req.rel)
    // Resolved before anything is opened: a registered path, or a folder on its way, may be a link out of the project.
    const lst = statInside(abs)
    if (lst === false) {
      throw new ModelopsError('PATH_OUTSIDE', `${req.owner ? `${req.owner}: ` : ''}${req.rel} resolves to ${realpathOfLongestPrefix(abs)} through a symbolic link, outside the project root ${project.root}; it is not read`, {
        file: req.rel,
        hint: 'replace the symbolic link by the file itself (copy it into the project), or remove the entry from the registry',
      })
    }
    let st: BigIntStats
    let listing: Awaited<ReturnType<typeof listTree>> | undefined
    try {
      // Sync on purpose: a warm pass is thousands of stats of cached inodes (microseconds each); one await per
      // stat costs a threadpool round trip and dominated a warm pass (profiled: most of its time idle).
      // The check's lstat is the stat of anything but a link (one stat per file on a warm pass).
      st = lst ?? statSync(abs, { bigint: true })
      if (st.isDirectory()) listing = await listTree(abs, req.rel, realProjectRoot(project))
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? ''
      if (code === 'EACCES' || code === 'EPERM') warnings.push({ code: 'FILE_UNREADABLE', file: req.rel, message: `${req.rel}: permission denied; treated as absent` })
      else if (!missingCodes.has(code)) throw err
      continue
    }
    if (listing) {
      warnings.push(...listing.warnings)
      // A directory whose listing (names, tokens, every file's identity) is unchanged has its recorded digest:
      // a warm pass over a big data folder stats each file and touches no per-file row.
      const memoKey = treeMemoKey(req.mode, req.rel)
      const racy = cache.isRacyNs(listing.newestNs, passStartNs)
      const fingerprint = racy ? undefined : listingFingerprint(listing)
      const memo = fingerprint === undefined ? undefined : cache.getTree(memoKey, fingerprint)
      if (memo) {
        plan.memo = memo
        stats.files += listing.names.length
        stats.cacheHits += listing.names.length
        continue
      }
      plan.tree = {
        memoKey,
        fingerprint,
        entries: [
          ...listing.names.map((name, i) => {
            const f = listedFile(listing!, i)
            return { name, leaf: leafFor(f.rel, f.abs, f.stat, req.mode, true) }
          }),
          ...listing.tokens.map((t) => ({ name: t.name, token: t.token })),
        ],
      }
    } else if (st.isFile()) {
      plan.leaf = leafFor(req.rel, abs, st, req.mode, false)
    } else {
      warnings.push({ code: 'NOT_A_FILE', file: req.rel, message: `${req.rel} is not a regular file or directory; treated as absent` })
    }
  }

  // 2. Cache lookups.
  const semKey = semanticCacheKey()
  const cacheAlgo = (leaf: Leaf) => (leaf.algo === SEMANTIC_ALGO ? semKey : leaf.algo)
  const todo: Leaf[] = []
  for (const leaf of leaves.values()) {
    const hit = cache.get(cacheAlgo(leaf), leaf.rel, leaf.stat, leaf.inTree)
    if (hit) {
      leaf.result = hit
      stats.cacheHits++
    } else todo.push(leaf)
  }

  // 3. Hash the misses.
  const meter = progressMeter(options.onProgress, todo.map((l) => l.stat.size))
  const track = (leaf: Leaf): FileProgress => (leaf.progress ??= meter?.file(Number(leaf.stat.size)) ?? NO_PROGRESS)
  const record = (leaf: Leaf, value: CachedDigest) => {
    leaf.result = value
    stats.hashed++
    cache.set(cacheAlgo(leaf), leaf.rel, leaf.stat, passStartNs, value, leaf.inTree)
  }
  const gone = (leaf: Leaf, err: unknown): boolean => {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (code === 'EACCES' || code === 'EPERM') {
      warnings.push({ code: 'FILE_UNREADABLE', file: leaf.rel, message: `${leaf.rel}: permission denied; treated as absent` })
    } else if (!missingCodes.has(code)) return false
    leaf.result = 'absent' // deleted between stat and read, or unreadable
    return true
  }
  const hashInThread = async (leaf: Leaf) => {
    const progress = track(leaf)
    try {
      if (leaf.algo === SEMANTIC_ALGO) {
        const r = await semanticDigest(await readRegularFile(leaf.abs, leaf.rel), leaf.rel)
        record(leaf, { digest: r.digest, kind: r.kind, ...(r.warning ? { warning: r.warning } : {}) })
      } else {
        record(leaf, { digest: `${BYTES_ALGO}:${await hashFileHex(leaf.abs, undefined, leaf.rel, progress.add)}`, kind: 'bytes' })
      }
    } catch (err) {
      if (!gone(leaf, err)) throw err
    }
    progress.done()
  }

  // .py files worth the parser's own worker pool (the byte rule of every pool). It names files as given
  // (absolute): report them project-relative.
  const semantic = todo.filter((l) => l.algo === SEMANTIC_ALGO)
  const parseWorkers = options.concurrency ?? defaultWorkers()
  const manySemantic = new Set(parsePoolPaysOff(semantic.map((l) => l.stat.size), parseWorkers) ? semantic : [])
  const hashSemanticMany = async () => {
    if (manySemantic.size === 0) return
    const batch = [...manySemantic]
    let rs: Awaited<ReturnType<typeof semanticDigestMany>>
    try {
      rs = await semanticDigestMany(batch.map((l) => l.abs), {
        workers: parseWorkers,
        sizes: batch.map((l) => Number(l.stat.size)),
        ...(meter ? { onFileDone: (i: number) => track(batch[i]!).done() } : {}),
      })
    } catch {
      // A file vanished mid-pass or a worker failed: redo the batch here, where each file's error is handled.
      await mapLimit(batch, 8, hashInThread)
      return
    }
    rs.forEach((r, i) => {
      const leaf = batch[i]!
      const w = r.warning && { ...r.warning, file: leaf.rel }
      record(leaf, { digest: r.digest, kind: r.kind, ...(w ? { warning: w } : {}) })
    })
  }

  const largeFrom = options.largeFileBytes ?? LARGE_FILE_BYTES
  const concurrency = options.concurrency ?? undefined
  const large = todo.filter((l) => l.algo === BYTES_ALGO && l.stat.size >= BigInt(largeFrom))
  const usePool = (concurrency ?? 2) > 1 && hashPoolPaysOff(large.map((l) => l.stat.size), { minBytes: options.poolMinBytes, sharedOnly: concurrency === undefined })
  const pooledSet = new Set(usePool ? large : [])
  let ownPool: HashPool | undefined
  const pool = usePool ? (concurrency === undefined ? sharedHashPool() : (ownPool = new HashPool(concurrency))) : undefined
  try {
    await Promise.all([
      hashSemanticMany(),
      mapLimit(
        todo.filter((l) => !pooledSet.has(l) && !manySemantic.has(l)),
        8,
        hashInThread,
      ),
      ...[...pooledSet].map(async (leaf) => {
        const progress = track(leaf)
        try {
          const hex = await pool!.hashFile(leaf.abs, meter && progress.add)
          stats.pooled++
          record(leaf, { digest: `${BYTES_ALGO}:${hex}`, kind: 'bytes' })
          progress.done()
        } catch (err) {
          if (gone(leaf, err)) return progress.done()
          // A worker reports a refused file by code only: redo it here for the full message.
          if (!(err as { poolFailure?: boolean }).poolFailure && !isReadRefusal(err)) throw err
          await hashInThread(leaf) // worker died or could not start: hash here instead
        }
      }),
    ])
  } finally {
    await ownPool?.close()
  }
  meter?.finish()

  // 4. Compose results.
  const results = new Map<string, PathDigest>()
  const leafDigest = (leaf: Leaf): string => {
    const r = leaf.result
    if (!r || r === 'absent') return 'absent'
    if (r.warning) warnings.push(r.warning)
    return r.digest
  }
  for (const [key, plan] of plans) {
    const path = plan.req.rel
    if (plan.leaf) {
      const digest = leafDigest(plan.leaf)
      const r = plan.leaf.result
      results.set(key, digest === 'absent' || !r || r === 'absent' ? { path, digest: 'absent', kind: 'absent' } : { path, digest, kind: r.kind })
    } else if (plan.memo) {
      warnings.push(...plan.memo.warnings)
      results.set(key, { path, digest: plan.memo.digest, kind: 'tree' })
    } else if (plan.tree) {
      const before = warnings.length
      const entries = plan.tree.entries.map((e) => ({ name: e.name, digest: e.leaf ? leafDigest(e.leaf) : e.token! }))
      const digest = await treeDigest(entries)
      results.set(key, { path, digest, kind: 'tree' })
      // Only a listing whose files were all read as listed (none vanished, none racy) is remembered.
      const complete = plan.tree.entries.every((e) => !e.leaf || (e.leaf.result && e.leaf.result !== 'absent'))
      if (plan.tree.fingerprint && complete) cache.setTree(plan.tree.memoKey, plan.tree.fingerprint, digest, warnings.slice(before))
    } else {
      results.set(key, { path, digest: 'absent', kind: 'absent' })
    }
  }
  try {
    await cache.save({ prune: options.pruneCache })
  } catch (err) {
    warnings.push({ code: 'CACHE_WRITE', message: `could not write the stat cache (${(err as Error).message}); digests are unaffected` })
  }

  return { results, warnings: dedupeWarnings(warnings), stats }
}

export function dedupeWarnings(ws: Warning[]): Warning[] {
  const seen = new Set<string>()
  return ws.filter((w) => {
    const k = `${w.code}\0${w.file ?? ''}\0${w.line ?? ''}\0${w.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}
