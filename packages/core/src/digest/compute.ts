// The one function every caller (status, verify, digest, plugin) uses.
import type { Project } from '../project/project.js'
import type { Workspace } from '../workspace/workspace.js'
import { modelOutputs, type Registry } from '../registry/types.js'
import type { Component, ComponentKind, DigestReport, EnvironmentInputs, ModelDigest, TargetDigest } from './types.js'
import { bundleDigest, compareComponents, compositeDigest } from './composite.js'
import { captureEnvironment, environmentDigest } from './environment.js'
import { dedupeWarnings, digestPaths, requestKey, type DigestMode, type EngineOptions, type PathRequest } from './engine.js'
import { compareCodePoints } from './canonical.js'
import type { Warning } from '../errors.js'
import { checkForeignDigests } from './status.js'
import { idTable } from '../project/names.js'

export { computeStatus } from './status.js'

/** Options of computeDigests: environment overrides, worker threads, progress callback and the stat cache. */
export interface ComputeOptions extends Omit<EngineOptions, 'pruneCache' | 'cacheDir'> {
  /** Overrides of environment inputs (plugin option `environment`). */
  environment?: Partial<EnvironmentInputs>
  /** Worker threads for hashing; default min(2, cores). */
  concurrency?: number
  /**
   * computeDigests only: the generator's own files/folders (config `generator.inputs`), digested as code in the
   * same pass (so the stat cache keeps their rows) and returned as `report.generator_inputs`.
   */
  generatorInputs?: string[]
  /** digestFiles only: receives the warnings of the pass (computeDigests returns them in the report). */
  warnings?: Warning[]
}

const MODE: Record<ComponentKind, DigestMode> = { MODEL_CODE: 'code', CODE_DEP: 'code', TARGET_CODE: 'code', DATA: 'data', TARGET_DATA: 'data' }

function sortedRecord<T>(rec: Record<string, T>): Record<string, T> {
  return idTable(Object.keys(rec).sort(compareCodePoints).map((k) => [k, rec[k]!] as const))
}

/**
 * Digest every model and target of `registry` (default: the workspace's registry as it is on disk): each listed file
 * is read at most once (shared files, stat cache in the workspace's cache folder), missing files become component
 * digest 'absent' (listed in `missing`), never an exception.
 * @throws ModelopsError PATH_INVALID (a path that is not project-relative POSIX, a FIFO, socket or device), PATH_OUTSIDE (a path leading outside the project, symbolic links included), READ_TIMEOUT (a file that never answers).
 */
export async function computeDigests(ws: Workspace, registry: Registry = ws.registry(), options: ComputeOptions = {}): Promise<DigestReport> {
  const { project } = ws
  const cacheDir = ws.cacheDir ?? false
  const warnings: Warning[] = []
  const inputs = await captureEnvironment(project, options.environment ?? {}, warnings, { cacheDir })
  // Not awaited yet: the first digest starts BLAKE2b's WASM compile, which runs off-thread while the files are stat'ed.
  const envDigestPending = environmentDigest(inputs)
  envDigestPending.catch(() => {})

  const wanted = (kind: ComponentKind, paths: string[]) => paths.map((p) => ({ kind, path: p }))
  const models = Object.entries(registry.models ?? {}).map(([id, m]) => ({
    id,
    entry: m,
    parts: [...wanted('MODEL_CODE', [m.path]), ...wanted('DATA', m.data ?? []), ...wanted('CODE_DEP', m.code ?? [])],
  }))
  const targets = Object.entries(registry.targets ?? {}).map(([id, t]) => ({
    id,
    entry: t,
    parts: [...wanted('TARGET_CODE', [t.path]), ...wanted('TARGET_DATA', t.data ?? [])],
  }))

  const requests: PathRequest[] = [
    ...models.flatMap((e) => e.parts.map((p) => ({ rel: p.path, mode: MODE[p.kind], owner: `model ${e.id}` }))),
    ...targets.flatMap((e) => e.parts.map((p) => ({ rel: p.path, mode: MODE[p.kind], owner: `target ${e.id}` }))),
    ...(options.generatorInputs ?? []).map((rel) => ({ rel, mode: 'code' as const, owner: 'generator.inputs' })),
  ]
  const { results, warnings: fileWarnings, stats } = await digestPaths(project, requests, { ...options, cacheDir, pruneCache: true })
  warnings.push(...fileWarnings)
  const envDigest = await envDigestPending

  const entity = async (parts: { kind: ComponentKind; path: string }[]) => {
    const components: Component[] = parts
      .map((p) => ({ kind: p.kind, path: p.path, digest: results.get(requestKey({ rel: p.path, mode: MODE[p.kind] }))!.digest }))
      .sort(compareComponents)
    const missing = [...new Set(components.filter((c) => c.digest === 'absent').map((c) => c.path))].sort(compareCodePoints)
    return { digest: await compositeDigest(components, envDigest), components, missing }
  }

  const modelDigests = idTable<ModelDigest>()
  for (const m of models) {
    const e = await entity(m.parts)
    modelDigests[m.id] = { ...e, entrypoint: m.entry.entrypoint, path: m.entry.path, class_name: m.entry.class_name, outputs: modelOutputs(registry, m.id) }
  }
  const targetDigests = idTable<TargetDigest>()
  for (const t of targets) {
    const e = await entity(t.parts)
    targetDigests[t.id] = { ...e, entrypoint: t.entry.entrypoint, path: t.entry.path, model_output: t.entry.model_output }
  }

  const sortedModels = sortedRecord(modelDigests)
  const sortedTargets = sortedRecord(targetDigests)
  const report: DigestReport = {
    bundle_digest: await bundleDigest({ models: sortedModels, targets: sortedTargets }, envDigest),
    environment: { ...inputs, dependencies: sortedRecord(inputs.dependencies), digest: envDigest },
    models: sortedModels,
    targets: sortedTargets,
    warnings: dedupeWarnings(warnings),
    stats,
    ...(options.generatorInputs ? { generator_inputs: generatorInputDigests(options.generatorInputs, results) } : {}),
  }
  // Digests recorded by the Python tool are checked with its algorithm (computeStatus reads them from the report).
  const foreign = await checkForeignDigests(project, registry)
  if (foreign.size > 0) report.foreign_checks = idTable([...foreign].sort(([a], [b]) => compareCodePoints(a, b)))
  return report
}

function generatorInputDigests(inputs: string[], results: Map<string, { digest: string }>): Record<string, string> {
  const out = idTable<string>()
  for (const rel of [...new Set(inputs)].sort(compareCodePoints)) out[rel] = results.get(requestKey({ rel, mode: 'code' }))!.digest
  return out
}

/**
 * The per-file digests to record in the registry for one model/target (model_digest, data_digests, code_digests):
 * code paths (.py semantically, directories as tree1), then data paths (bytes / tree1). Missing paths are left out,
 * so the caller keeps or drops the old value; a path listed as both code and data gets its code digest.
 */
export async function digestFiles(project: Project, paths: { code: string[]; data: string[] }, options: ComputeOptions & Pick<EngineOptions, 'cacheDir'> = {}): Promise<Record<string, string>> {
  const requests: PathRequest[] = [...paths.data.map((rel) => ({ rel, mode: 'data' as const })), ...paths.code.map((rel) => ({ rel, mode: 'code' as const }))]
  const { results, warnings } = await digestPaths(project, requests, options)
  options.warnings?.push(...warnings)
  const out = idTable<string>()
  for (const r of requests) {
    const d = results.get(requestKey(r))!
    if (d.digest !== 'absent') out[r.rel] = d.digest
  }
  return out
}
