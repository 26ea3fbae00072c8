// register-target: the `@calibration_target` functions of a file replace its registered targets (reconcile.ts does
// the same for models); removed targets leave every target set.
import { ModelopsError, type Warning } from '../errors.js'
import type { ComputeOptions } from '../digest/compute.js'
import { digestFiles } from '../digest/compute.js'
import type { Project } from '../project/project.js'
import type { Workspace } from '../workspace/workspace.js'
import { absolutePath } from '../project/paths.js'
import { moduleOf } from '../python/imports.js'
import { importRoots } from '../python/roots.js'
import { loadRegistry, updateRegistry } from './registry.js'
import { removeFromTargetSets } from './target-sets.js'
import type { TargetEntry } from './types.js'
import { apply, report, targetFields, type FilePlan, type ReconcileReport } from './reconcile-changes.js'
import { mergeSemantic, pick, recordable, type SemanticNote } from './reconcile-digests.js'
import { discover, existsAny, existsFile, fileSet, idsOf, missingInits, notFound, reconcileSource, scansFor, select, uniq, unknownExcludes } from './reconcile-files.js'

/** Options of reconcileTargets (the flags of `mops-bundle register-target`). */
export interface ReconcileTargetsOptions {
  /** Keep only these targets (function name or target id); a name not found is an error. */
  targets?: string[]
  exclude?: string[]
  regenAll?: boolean
  compute?: ComputeOptions
}

/**
 * register-target: like reconcileModels for `@calibration_target` functions; removed targets leave every target set.
 * @throws ModelopsError as reconcileModels.
 */
export async function reconcileTargets(source: Workspace | Project, file: string | null, options: ReconcileTargetsOptions = {}): Promise<ReconcileReport> {
  const { project, cacheDir } = reconcileSource(source)
  const before = loadRegistry(project)
  const files = fileSet(file, Object.values(before.targets).map((t) => t.path), options.regenAll)
  const warnings: Warning[] = []
  const plans: FilePlan<TargetEntry>[] = []
  const semantic: SemanticNote[] = []
  const fnOf = (t: TargetEntry) => t.entrypoint.slice(t.entrypoint.lastIndexOf(':') + 1)

  const scans = scansFor(project, files)
  for (const path of files) {
    const primary = path === file
    if (!existsFile(project, path)) {
      if (primary) throw notFound(project, path, 'target file', 'register-target')
      plans.push({ path, entries: null, excluded: new Set(), untouched: new Set(), lines: new Map() })
      continue
    }
    const found = await discover(project, path, warnings, scans)
    if (primary && found.targets.length === 0 && !Object.values(before.targets).some((t) => t.path === path)) {
      throw new ModelopsError('DISCOVERY', 'no @calibration_target functions found', {
        file: path,
        hint: 'decorate target functions with @calibration_target(model_output=..., data={...}) from modelops_calabaria',
      })
    }
    // Filters match the function name or the target id (name=...).
    const byKey = new Map<string, string>()
    for (const t of found.targets) {
      byKey.set(t.function, t.function)
      byKey.set(t.name, t.function)
    }
    const translate = (names: string[] | undefined) => names?.map((n) => byKey.get(n) ?? n)
    const { selected, excluded, untouched } = select(
      path,
      found.targets.map((t) => t.function),
      primary ? translate(options.targets) : undefined,
      primary ? translate(options.exclude) : undefined,
      'target',
      found.targets.map((t) => (t.name === t.function ? t.name : `${t.name} (function ${t.function})`)),
    )
    if (primary) unknownExcludes(path, [...byKey.keys()], options.exclude, warnings)
    if (found.targets.length === 0) warnings.push({ code: 'DISCOVERY', message: 'no @calibration_target functions found: its registered targets are removed', file: path })
    const roots = importRoots(project.root, project.config.code_roots)
    const module = moduleOf(project.root, path, roots)
    missingInits(project, path, roots, warnings)
    const entries = new Map<string, TargetEntry>()
    const lines = new Map<string, number>()
    const opts = { ...options.compute, cacheDir, warnings }
    const fileDigest = selected.length > 0 ? (await recordable(project, await digestFiles(project, { code: [path], data: [] }, opts), semantic))[path] : undefined
    const specs = selected.map((fn) => {
      const target = found.targets.find((t) => t.function === fn)!
      const twin = found.targets.find((t) => t !== target && t.name === target.name && selected.includes(t.function))
      if (twin) {
        const [a, b] = twin.line < target.line ? [twin, target] : [target, twin]
        throw new ModelopsError('ID_COLLISION', `target id '${target.name}' is used by two functions: ${a.function} (line ${a.line}) and ${b.function} (line ${b.line})`, {
          file: path,
          line: Math.max(twin.line, target.line),
          hint: 'give one of them another name=... in its @calibration_target',
        })
      }
      const data = uniq(Object.values(target.data).map((p) => storedDataPath(project, path, target.line, p)))
      for (const d of data) {
        if (!existsAny(project, d)) {
          throw new ModelopsError('FILE_NOT_FOUND', `target ${target.name}: data file ${d} not found`, {
            file: path,
            line: target.line,
            hint: 'data paths in @calibration_target are relative to the project root: fix the path or add the file',
          })
        }
      }
      return { fn, target, data }
    })
    // One hashing pass for every target of the file: targets usually share their data files (one per target read
    // each file twice per target: BLAKE2b, then sha256).
    const all = uniq(specs.flatMap((x) => x.data))
    const digests = all.length > 0 ? await recordable(project, await digestFiles(project, { code: [], data: all }, opts), semantic) : {}
    for (const { fn, target, data } of specs) {
      entries.set(target.name, {
        path,
        entrypoint: `${module}:${fn}`,
        model_output: target.model_output,
        data,
        data_digests: pick(digests, data),
        target_digest: fileDigest ?? null,
      })
      lines.set(target.name, target.line)
    }
    plans.push({ path, entries, excluded: idsOf(before.targets, path, excluded, fnOf), untouched: new Set(untouched), lines })
  }

  return updateRegistry(project, (registry) => {
    mergeSemantic(registry, semantic)
    const changes = apply(registry.targets, plans, fnOf, (t) => t.target_digest, targetFields, 'target')
    for (const change of changes) {
      if (change.op !== 'removed') continue
      const sets = removeFromTargetSets(registry, change.id)
      if (sets.length > 0) change.targetSets = sets
    }
    return report('targets', files, changes, warnings)
  })
}

function storedDataPath(project: Project, file: string, line: number, raw: string): string {
  const clean = raw.replace(/\\/g, '/').replace(/^\.\//, '')
  try {
    absolutePath(project, clean)
    return clean
  } catch (err) {
    if (err instanceof ModelopsError) {
      throw new ModelopsError(err.code, `data path ${JSON.stringify(raw)}: ${err.message}`, { file, line, hint: 'data paths in @calibration_target are project-relative, e.g. data/data.csv' })
    }
    throw err
  }
}
