import { statSync } from 'node:fs'
import { cp, readdir, rm, statfs } from 'node:fs/promises'
import path from 'node:path'
import { availableParallelism } from 'node:os'
import { hashFile } from '../digest/bytes.js'
import { OutputHold } from '../cache/hold.js'
import { folderEntry } from '../cache/local-store.js'
import { cacheFolderProblem, isStorageError, storageReason } from '../cache/storage.js'
import type { CacheEntry, CacheEntryMeta, OutputStore, RemoteTier } from '../cache/types.js'
import { isModelopsError, ModelopsError } from '../errors.js'
import type { DigestReport } from '../digest/types.js'
import type { Workspace } from '../workspace/workspace.js'
import { runGenerator, type Generator } from './run.js'
import { ModelKeys } from './keys.js'
import { entrySource } from '../cache/entry-source.js'
import { pullEntry, pullIntoFolder } from './tiers.js'
import { mapLimit } from '../util/map-limit.js'

/** One model's outputs: its cache key, the cache entry holding the files, and where they came from. */
export interface ModelOutputs {
  id: string
  key: string
  entry: CacheEntry
  /**
   * 'memo': unchanged since the previous call (watch mode); 'cached': verified local hit; 'pulled': fetched from the
   * remote tier, verified and committed locally; 'generated': ran now.
   */
  source: 'memo' | 'cached' | 'pulled' | 'generated'
}

/** Options of resolveOutputs: the digest report, the generator, concurrency, progress and cancellation. */
export interface ResolveOutputsOptions {
  report: DigestReport
  generator: Generator
  /** Generators run at once. @default max(1, cores / 2) */
  concurrency?: number
  signal?: AbortSignal
  /** Results of the previous call in this process: entries whose key did not change are reused without re-verifying. */
  previous?: ReadonlyMap<string, ModelOutputs>
  onWarning?: (message: string) => void
  /** Called as each model finishes. */
  onProgress?: (done: number, total: number, result: ModelOutputs) => void
  /**
   * Keeps the returned entries readable until the caller lets go (`retain`/`release`), whatever `cache clear`,
   * prune or another build's eviction do meanwhile; also holds outputs the cache could not take.
   * @default a new `store.hold()`, released at process exit (or by the caller via `result.hold`)
   */
  hold?: OutputHold
}

/** What resolveOutputs returns: each model's outputs by id, counts per source, and the hold keeping them readable. */
export interface ResolveOutputsResult {
  outputs: Map<string, ModelOutputs>
  /** Served from the local tier (and the memo). */
  cached: number
  /** Fetched from the remote tier. */
  pulled: number
  generated: number
  /** Generated entries uploaded to the remote tier. */
  pushed: number
  /** `geninputs1:` digest of the generator's declared inputs, when it has any. */
  inputsDigest?: string
  /** Holds the outputs' files (see options.hold). */
  hold: OutputHold
  /** Set when the cache could not be used (read-only, full, not a folder): why. Outputs then live in a temp folder. */
  noCache?: string
}

/** Below this much free space the cache is treated as full: generators would fail writing into it. */
const MIN_FREE_BYTES = 1024 * 1024
/** A generator's stderr saying its output folder (staged in the cache) could not be written. */
const NO_SPACE_RE = /ENOSPC|EDQUOT|EROFS|No space left on device|Disk quota exceeded|Read-only file system/i

/**
 * Every model's outputs, through the workspace's output tiers, per key (entrypoint, digest, generator):
 *   1. the local store's verified entry;
 *   2. else, under the key's cross-process lock, the remote tier's entry, verified while committed locally;
 *   3. else a fresh run of the generator, committed atomically, then pushed to the remote tier before returning.
 * Concurrent builds sharing a local store generate (or pull) each key once. A remote that fails (down, refused,
 * bad bytes) costs one warning per call and is not asked again in it; it never fails the build. The first
 * generator failure aborts the other runs and is thrown; the store keeps only complete entries.
 * @throws ModelopsError GENERATOR_FAILED (exit status, timeout or unsafe files, with the stderr tail) for the first generator that fails, LOCK_TIMEOUT when another build holds a key too long.
 */
export async function resolveOutputs(ws: Workspace, options: ResolveOutputsOptions): Promise<ResolveOutputsResult> {
  const { report, generator } = options
  const { local: store } = ws.outputs
  const keys = await ModelKeys.of(ws, generator, report)
  const inputsDigest = keys.inputsDigest
  const warn = options.onWarning ?? (() => {})
  const hold = options.hold ?? store.hold?.() ?? new OutputHold()
  const where = store.dir ?? 'the output cache'
  // One warning per call, however many models run into the broken cache at once.
  let noCache: Promise<string> | undefined
  let noCacheReason: string | undefined
  const giveUpCache = (err: unknown): Promise<string> => {
    noCache ??= (async () => {
      const reason = (store.dir ? await cacheFolderProblem(store.dir).catch(() => undefined) : undefined) ?? storageReason(err)
      noCacheReason = reason
      warn(`modelops-bundle: cannot use the output cache ${where}: ${reason}. Building without caching: outputs are ${remote ? `fetched from the remote cache ${remote.name} or ` : ''}generated into a temporary folder every build. Make that folder writable with free space, or set the cacheDir option to one that is.`)
      return reason
    })()
    return noCache
  }
  // A nearly full cache cannot take a generator's outputs: do not even try (the generator would fail).
  // Asked on the first miss only: a warm build has nothing to write.
  let full: Promise<boolean> | undefined
  const nearlyFull = (): Promise<boolean> =>
    (full ??= store.dir ? statfs(store.dir).then((st) => st.bavail * st.bsize < MIN_FREE_BYTES, () => false) : Promise.resolve(false))
  const abort = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal
  const ids = Object.keys(report.models).sort()
  const outputs = new Map<string, ModelOutputs>()
  let cached = 0
  let pulled = 0
  let generated = 0
  let pushed = 0
  let done = 0

  // The remote tier, until it fails once in this call.
  let remote: RemoteTier | undefined = ws.outputs.remote
  const remoteFailed = (err: unknown, doing: string): void => {
    if (!remote || signal.aborted) return
    // The client's messages start with the remote's name, already said here.
    const why = errorText(err).replace(`${remote.name}: `, '')
    warn(`modelops-bundle: remote cache ${remote.name}: ${doing} failed (${why}); carrying on with the local cache only for this build`)
    remote = undefined
  }
  /** The remote's verified entry of `key`, committed locally; undefined when it has none or fails. */
  const pull = async (key: string, meta: CacheEntryMeta): Promise<CacheEntry | undefined> => {
    const tier = remote
    if (!tier) return undefined
    try {
      const found = await tier.fetch(key, { signal })
      return found ? await pullEntry(store, found, meta, { hold, signal }) : undefined
    } catch (err) {
      // The local store refusing the bytes is the cache folder's problem, not the remote's.
      if (isStorageError(err) || signal.aborted) throw err
      remoteFailed(err, `fetching ${key.slice(0, 12)}`)
      return undefined
    }
  }
  /** The remote's verified entry of `key` in a temp folder (the local cache is unusable); undefined when none or it fails. */
  const pullUncached = async (key: string, meta: CacheEntryMeta): Promise<CacheEntry | undefined> => {
    const tier = remote
    if (!tier) return undefined
    let dir: string | undefined
    try {
      const found = await tier.fetch(key, { signal })
      if (!found) return undefined
      dir = await hold.scratch(key)
      const entry = await pullIntoFolder(found, dir, meta, { signal })
      hold.adopt(key, dir)
      return entry
    } catch (err) {
      if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {})
      if (signal.aborted) throw err
      // The temp folder refusing the bytes is not the remote's fault: generating (into the same place) says why.
      if (!isStorageError(err)) remoteFailed(err, `fetching ${key.slice(0, 12)}`)
      return undefined
    }
  }
  const pushes: Promise<void>[] = []
  const push = (entry: CacheEntry): void => {
    const tier = remote
    if (!tier?.push) return
    pushes.push(tier.upload(entrySource(entry), { signal }).then(() => { pushed++ }, (err) => remoteFailed(err, `pushing ${entry.key.slice(0, 12)}`)))
  }

  const one = async (id: string): Promise<ModelOutputs> => {
    const model = report.models[id]!
    const { key, meta } = await keys.key(id, model)
    const prev = options.previous?.get(id)
    // Same key as last time in this process: its files are held (a `cache clear` does not touch them), but they may
    // have been written since. Re-checked as a lookup in a new process would (stat stamps, else a hash); files
    // changed or gone fall through to a lookup, which drops a damaged entry and regenerates it.
    if (prev && prev.key === key) {
      const problem = await recheck(store, prev.entry)
      if (problem === undefined) return { ...prev, source: 'memo' }
      warn(`modelops-bundle: outputs of model ${id} changed on disk since the last build (${problem}); looking them up again`)
    }
    const gm = { id, entrypoint: model.entrypoint, path: model.path, class_name: model.class_name, outputs: [...model.outputs], digest: model.digest }
    const run = async (outDir: string) => {
      await runGenerator(generator, gm, { outDir, digest: model.digest, signal, root: ws.root })
      await checkWroteSomething(outDir, gm, warn)
    }
    /**
     * Outside the cache (it cannot take the outputs): the remote's entry, verified while streamed into a temp folder
     * the hold keeps for this build, else a generator run into one.
     */
    const uncached = async (): Promise<ModelOutputs> => {
      const fetched = await pullUncached(key, meta)
      if (fetched) return { id, key, entry: fetched, source: 'pulled' }
      const dir = await hold.scratch(key)
      try {
        await run(dir)
        const entry = await folderEntry(dir, key, meta)
        hold.adopt(key, dir)
        push(entry)
        return { id, key, entry, source: 'generated' }
      } catch (err) {
        await rm(dir, { recursive: true, force: true }).catch(() => {})
        throw err
      }
    }
    try {
      // A read-only cache still serves the entries it has.
      const first = await store.get(key, { hold })
      if (first.status === 'hit') return { id, key, entry: first.entry, source: 'cached' }
      if (!noCache && (await nearlyFull())) void giveUpCache(Object.assign(new Error('full'), { code: 'ENOSPC' }))
      if (noCache) {
        await noCache
        return await uncached()
      }
      return await store.withLock(key, async () => {
        // Another build may have generated it while we waited for the lock.
        const again = await store.get(key, { hold })
        if (again.status === 'hit') return { id, key, entry: again.entry, source: 'cached' as const }
        if (again.status === 'corrupt') {
          warn(`modelops-bundle: cache entry of model ${id} is corrupt (${again.reason}); dropped, regenerating`)
          await store.remove(key)
        }
        const fetched = await pull(key, meta)
        if (fetched) return { id, key, entry: fetched, source: 'pulled' as const }
        const staging = await store.stage(key)
        try {
          await run(staging.outDir)
        } catch (err) {
          const full = await outOfSpace(staging.outDir, err)
          await staging.discard()
          if (full) throw new CacheUnusable(Object.assign(new Error('full'), { code: 'ENOSPC', syscall: 'write' }))
          throw err
        }
        try {
          const entry = await staging.commit(meta, { hold })
          push(entry)
          return { id, key, entry, source: 'generated' as const }
        } catch (err) {
          if (!isStorageError(err)) {
            await staging.discard()
            throw err
          }
          // The outputs are good; only the cache cannot keep them: move them out of it.
          await giveUpCache(err)
          const dir = await hold.scratch(key)
          try {
            await cp(staging.outDir, dir, { recursive: true })
          } finally {
            await staging.discard()
          }
          const entry = await folderEntry(dir, key, meta)
          hold.adopt(key, dir)
          return { id, key, entry, source: 'generated' as const }
        }
      }, { signal })
    } catch (err) {
      const cause = err instanceof CacheUnusable ? err.cause : err
      if (!isStorageError(cause) || signal.aborted) throw err
      await giveUpCache(cause)
      return uncached()
    }
  }

  const limit = Math.max(1, options.concurrency ?? Math.max(1, Math.floor(availableParallelism() / 2)))
  try {
    await mapLimit(ids, limit, async (id) => {
      try {
        const result = await one(id)
        outputs.set(id, result)
        if (result.source === 'generated') generated++
        else if (result.source === 'pulled') pulled++
        else cached++
        options.onProgress?.(++done, ids.length, result)
      } catch (err) {
        // Stop the generators already running too (the first failure fails the build).
        abort.abort(err)
        throw err
      }
    })
  } finally {
    // Pushes finish (or fail with a warning) before the build goes on: a build that ends must have shared its outputs.
    await Promise.all(pushes)
  }
  return { outputs, cached, pulled, generated, pushed, hold, ...(inputsDigest ? { inputsDigest } : {}), ...(noCacheReason ? { noCache: noCacheReason } : {}) }
}

/** An error's message, for a warning. */
function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A generator failed because the cache folder it wrote into is full (or read-only)? */
async function outOfSpace(outDir: string, err: unknown): Promise<boolean> {
  if (!isModelopsError(err) || err.code !== 'GENERATOR_FAILED') return false
  if (NO_SPACE_RE.test(err.message)) return true
  const st = await statfs(outDir).catch(() => undefined)
  return !!st && st.bavail * st.bsize < MIN_FREE_BYTES
}

/** Carries a storage error out of the lock callback, so it is told apart from the generator's own failures. */
class CacheUnusable extends Error {
  constructor(cause: unknown) {
    super('cache unusable', { cause })
  }
}

/** Why `entry`'s files no longer match its index (undefined: they do); stores without `recheck` hash every file. */
async function recheck(store: OutputStore, entry: CacheEntry): Promise<string | undefined> {
  if (store.recheck) return store.recheck(entry)
  for (const f of entry.files) {
    const abs = entry.filePath(f.path)
    const st = statSync(abs, { throwIfNoEntry: false })
    if (!st?.isFile() || st.size !== f.bytes) return `${f.path} is missing or has another size`
    if ((await hashFile(abs)) !== f.digest) return `${f.path} does not have its indexed digest`
  }
  return undefined
}

/**
 * A generator that exits 0 having written no file: an error when the model declares outputs (nothing would be
 * cached as if it were the result), a warning otherwise (the empty result is cached and emitted as such).
 */
async function checkWroteSomething(outDir: string, model: { id: string; outputs: string[] }, warn: (m: string) => void): Promise<void> {
  if (await holdsAFile(outDir)) return
  if (model.outputs.length > 0) {
    throw new ModelopsError('GENERATOR_FAILED', `the generator wrote no files for model ${model.id}, which declares outputs (${model.outputs.join(', ')}); nothing was cached`, {
      hint: 'The generator must write the model\'s outputs into $MODELOPS_OUT_DIR; check that it writes there (and not into the current folder).',
    })
  }
  warn(`modelops-bundle: the generator wrote no files for model ${model.id}; cached as an empty result (the model declares no outputs)`)
}

async function holdsAFile(dir: string): Promise<boolean> {
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (!d.isDirectory() || (await holdsAFile(path.join(dir, d.name)))) return true
  }
  return false
}
