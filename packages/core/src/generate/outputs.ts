import { stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { cacheKey } from '../cache/key.js'
import type { CacheEntry, OutputStore } from '../cache/types.js'
import type { DigestReport } from '../digest/types.js'
import { generatorIdentity, runGenerator, type Generator } from './run.js'
import { generatorInputsDigest } from './inputs.js'

export interface ModelOutputs {
  id: string
  key: string
  entry: CacheEntry
  /** 'memo': unchanged since the previous call (watch mode); 'cached': verified store hit; 'generated': ran now. */
  source: 'memo' | 'cached' | 'generated'
}

export interface ResolveOutputsOptions {
  root: string
  report: DigestReport
  generator: Generator
  store: OutputStore
  /** Generators run at once. @default max(1, cores / 2) */
  concurrency?: number
  signal?: AbortSignal
  /** Results of the previous call in this process: entries whose key did not change are reused without re-verifying. */
  previous?: ReadonlyMap<string, ModelOutputs>
  onWarning?: (message: string) => void
  /** Stat cache folder for digesting `generator.inputs` when `report.generator_inputs` lacks them. @default <root>/node_modules/.cache/modelops-bundle */
  cacheDir?: string | false
  /** Called as each model finishes. */
  onProgress?: (done: number, total: number, result: ModelOutputs) => void
}

export interface ResolveOutputsResult {
  outputs: Map<string, ModelOutputs>
  cached: number
  generated: number
  /** `geninputs1:` digest of the generator's declared inputs, when it has any. */
  inputsDigest?: string
}

/**
 * Every model's outputs: the store's verified entry for (entrypoint, digest, generator), or a fresh run
 * of the generator committed atomically. A key is generated under its cross-process lock, so concurrent
 * builds sharing a store generate it once. The first failure aborts the other runs and is thrown; the
 * store keeps only complete entries.
 */
export async function resolveOutputs(options: ResolveOutputsOptions): Promise<ResolveOutputsResult> {
  const { report, generator, store } = options
  const inputsDigest = await generatorInputsDigest(options.root, generator, report, { cacheDir: options.cacheDir })
  const identity = generatorIdentity(generator, inputsDigest)
  const warn = options.onWarning ?? (() => {})
  const abort = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal
  const ids = Object.keys(report.models).sort()
  const outputs = new Map<string, ModelOutputs>()
  let cached = 0
  let generated = 0
  let done = 0

  const one = async (id: string): Promise<ModelOutputs> => {
    const model = report.models[id]!
    const key = await cacheKey({ entrypoint: model.entrypoint, digest: model.digest, generator: identity })
    const prev = options.previous?.get(id)
    // Same key as last time in this process: trust it after a cheap size check (full verification
    // happens on every cold lookup); a `cache clear` under a running watcher falls through to a lookup.
    if (prev && prev.key === key && (await sizesMatch(prev.entry))) return { ...prev, source: 'memo' }
    const first = await store.get(key)
    if (first.status === 'hit') return { id, key, entry: first.entry, source: 'cached' }
    return store.withLock(key, async () => {
      // Another build may have generated it while we waited for the lock.
      const again = await store.get(key)
      if (again.status === 'hit') return { id, key, entry: again.entry, source: 'cached' as const }
      if (again.status === 'corrupt') {
        warn(`modelops-bundle: cache entry of model ${id} is corrupt (${again.reason}); dropped, regenerating`)
        await store.remove(key)
      }
      const staging = await store.stage(key)
      try {
        await runGenerator(
          generator,
          { id, entrypoint: model.entrypoint, path: model.path, class_name: model.class_name, outputs: [...model.outputs], digest: model.digest },
          { outDir: staging.outDir, digest: model.digest, signal, root: options.root },
        )
        const entry = await staging.commit({ model_id: id, entrypoint: model.entrypoint, digest: model.digest, generator: identity })
        return { id, key, entry, source: 'generated' as const }
      } catch (err) {
        await staging.discard()
        throw err
      }
    }, { signal })
  }

  const limit = Math.max(1, options.concurrency ?? Math.max(1, Math.floor(availableParallelism() / 2)))
  let next = 0
  let failure: unknown
  const worker = async () => {
    while (next < ids.length && failure === undefined) {
      const id = ids[next++]!
      try {
        const result = await one(id)
        outputs.set(id, result)
        if (result.source === 'generated') generated++
        else cached++
        options.onProgress?.(++done, ids.length, result)
      } catch (err) {
        if (failure === undefined) {
          failure = err
          abort.abort(err)
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, ids.length) }, worker))
  if (failure !== undefined) throw failure
  return { outputs, cached, generated, ...(inputsDigest ? { inputsDigest } : {}) }
}

async function sizesMatch(entry: CacheEntry): Promise<boolean> {
  for (const f of entry.files) {
    const st = await stat(entry.filePath(f.path)).catch(() => undefined)
    if (!st || st.size !== f.bytes) return false
  }
  return true
}
