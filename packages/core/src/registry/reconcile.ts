// register-model / register-target: the entries of each scanned file are replaced by what discovery finds now, as the reference CLI does,
// with the weaknesses of §8.2.7 fixed: unknown --class/--target names, a missing PATH and id collisions across
// files are errors; changes to data, code or outputs count as updates; pruning is reported, never silent.
// This file: models; reconcile-targets.ts: targets; reconcile-files.ts: the per-file steps both share.
import { ModelopsError, type Warning } from '../errors.js'
export type { ChangeOp, ReconcileReport, RegistryChange } from './reconcile-changes.js'
export { reconcileTargets, type ReconcileTargetsOptions } from './reconcile-targets.js'
import type { ComputeOptions } from '../digest/compute.js'
import type { Project } from '../project/project.js'
import type { Workspace } from '../workspace/workspace.js'
import { idTable } from '../project/names.js'
import { codeDependencies, moduleOf, packageDependencies } from '../python/imports.js'
import { importRoots } from '../python/roots.js'
import { loadRegistry, updateRegistry } from './registry.js'
import { modelOutputs, sameList, type ModelEntry, type Registry } from './types.js'
import { apply, modelFields, report, type FilePlan, type ReconcileReport } from './reconcile-changes.js'
import { digestPresent, mergeSemantic, pick, recordable, type SemanticNote } from './reconcile-digests.js'
import { pythonImportSettingsWarning } from '../interop/import-settings.js'
import { compareCodePoints } from '../digest/canonical.js'
import { discover, existsAny, existsFile, fileSet, idsOf, missingInits, notFound, reconcileSource, scansFor, select, uniq, unknownExcludes } from './reconcile-files.js'

/** Options of reconcileModels (the flags of `mops-bundle register-model`). */
export interface ReconcileModelsOptions {
  /** Keep only these discovered classes; a name not found in the file is an error. */
  classes?: string[]
  /** Leave these classes out (and drop them from the registry if they were registered). */
  exclude?: string[]
  /** Data dependencies, project-relative. When given they replace the recorded list; otherwise it is kept. */
  data?: string[]
  /** Extra code dependencies, project-relative, merged with the auto-discovered ones. */
  code?: string[]
  /**
   * Follow imports from the model file and record every project `.py` it reaches as code.
   * @default project.config.auto_code
   */
  autoCode?: boolean
  /**
   * How imports become code dependencies: 'files', each project module reached, transitively; 'package', every
   * `.py` of each top-level project package the file imports and of its own (the reference's `--code-mode`).
   * @default project.config.import_mode ('files' when config.yaml does not say)
   */
  codeMode?: 'files' | 'package'
  /** Id for the single selected class (default `<file stem>_<class>` lower-case). */
  id?: string
  /** Also rescan every model file already in the registry (missing ones are pruned). */
  regenAll?: boolean
  compute?: ComputeOptions
}

/**
 * Register the models of `file` (project-relative; null only with regenAll) and reconcile the registry:
 * the entries of every scanned file are replaced by what is discovered now. Discovery and hashing run before the
 * registry lock; the diff is computed against the registry re-read under the lock, so concurrent runs on
 * different files never lose each other's entries. Given a Workspace, hashing uses its stat cache (files unchanged
 * since the last build or status are not read for their BLAKE2b/semantic digest again).
 * @throws ModelopsError FILE_NOT_FOUND, PATH_INVALID, DISCOVERY (e.g. a class not found in the file), ID_COLLISION, USAGE (options that contradict), LOCK_TIMEOUT; the registry is left as it was.
 */
export async function reconcileModels(source: Workspace | Project, file: string | null, options: ReconcileModelsOptions = {}): Promise<ReconcileReport> {
  const { project, cacheDir } = reconcileSource(source)
  const before = loadRegistry(project)
  const files = fileSet(file, Object.values(before.models).map((m) => m.path), options.regenAll)
  const autoCode = options.autoCode ?? project.config.auto_code
  const warnings: Warning[] = []
  const codeMode = options.codeMode ?? project.config.import_mode ?? 'files'
  const settings = autoCode ? pythonImportSettingsWarning(project) : null
  if (settings) warnings.push(settings)
  const plans: FilePlan<ModelEntry>[] = []
  const semantic: SemanticNote[] = []
  const allOutputs = new Map<string, string[]>()

  const scans = scansFor(project, files)
  for (const path of files) {
    const primary = path === file
    if (!existsFile(project, path)) {
      if (primary) throw notFound(project, path, 'model file', 'register-model')
      plans.push({ path, entries: null, excluded: new Set(), untouched: new Set(), lines: new Map() })
      continue
    }
    const found = await discover(project, path, warnings, scans)
    const registeredHere = Object.entries(before.models).filter(([, m]) => m.path === path)
    // Classes that are not models (no configured base class) but exist in the file are taken when --class names them
    // or when they are registered already (R1 registries name such classes): following status's hint to re-register
    // must never delete them. Each with a warning.
    const others = new Map((found.others ?? []).map((c) => [c.name, c]))
    const asked = new Set(primary ? (options.classes ?? []) : [])
    const extra = uniq([...asked, ...registeredHere.map(([, m]) => m.class_name)]).filter((n) => others.has(n) && !found.models.some((m) => m.name === n))
    for (const name of extra) {
      const why = asked.has(name) ? '--class names it' : 'it is registered already'
      warnings.push({ code: 'DISCOVERY', message: `class ${name} does not derive from ${project.config.base_classes.join(' or ')}; registered because ${why}`, file: path, line: others.get(name)!.line })
    }
    const classesFound = [...found.models, ...extra.map((n) => others.get(n)!)]
    const discovered = classesFound.map((m) => m.name)
    if (primary && discovered.length === 0 && !Object.values(before.models).some((m) => m.path === path)) {
      throw new ModelopsError('DISCOVERY', 'no model classes found', {
        file: path,
        hint: `a model is a class deriving from one of ${project.config.base_classes.join(', ')} (base_classes in .modelops-bundle/config.yaml)`,
      })
    }
    if (discovered.length === 0) warnings.push({ code: 'DISCOVERY', message: 'no model classes found: its registered models are removed', file: path })
    const { selected, excluded, untouched } = select(
      path,
      discovered,
      primary ? options.classes : undefined,
      primary ? options.exclude : undefined,
      'class',
    )
    if (primary) unknownExcludes(path, discovered, options.exclude, warnings)
    if (primary && options.id !== undefined && selected.length !== 1) {
      throw new ModelopsError('USAGE', `--id needs exactly one class, but ${selected.length} are selected in ${path} (${selected.join(', ') || 'none'})`, {
        hint: 'pick the class with --class NAME, or leave out --id to use the <file>_<class> ids',
      })
    }
    if (primary) {
      for (const p of [...(options.data ?? []), ...(options.code ?? [])]) {
        if (!existsAny(project, p)) throw new ModelopsError('FILE_NOT_FOUND', 'dependency not found', { file: p, hint: `check the path given to --data/--code (relative to the current folder)` })
      }
    }
    const roots = importRoots(project.root, project.config.code_roots)
    const module = moduleOf(project.root, path, roots)
    missingInits(project, path, roots, warnings)
    // A class keeps the id it is registered under (a custom --id survives a plain re-registration, issue 17).
    const oldIdByClass = new Map<string, string>()
    for (const [id, m] of registeredHere) {
      const seen = oldIdByClass.get(m.class_name)
      if (seen === undefined || seen === defaultId(path, m.class_name)) oldIdByClass.set(m.class_name, id)
    }
    const oldByClass = new Map([...oldIdByClass].map(([cls, id]) => [cls, before.models[id]!]))
    // Auto code is the same for every class of the file: compute it once.
    const follow = codeMode === 'package' ? packageDependencies : codeDependencies
    const auto = autoCode ? (await follow(project.root, path, { codeRoots: project.config.code_roots })).filter((p) => p !== path) : []
    const entries = new Map<string, ModelEntry>()
    const lines = new Map<string, number>()
    const specs = selected.map((name) => {
      const old = oldByClass.get(name)
      return {
        name,
        old,
        id: primary && options.id !== undefined ? options.id : (oldIdByClass.get(name) ?? defaultId(path, name)),
        data: primary && options.data !== undefined ? uniq(options.data) : (old?.data ?? []),
        code: mergeCode(project, primary ? options.code : undefined, old?.code, auto, path),
      }
    })
    // One hashing pass for every class of the file: they share the file and usually their dependencies.
    const recorded = idTable<string>()
    for (const { old } of specs) Object.assign(recorded, old?.code_digests, old?.data_digests)
    const own = await digestPresent(
      project,
      path,
      { code: uniq([path, ...specs.flatMap((x) => x.code)]), data: uniq(specs.flatMap((x) => x.data)) },
      recorded,
      warnings,
      { ...options.compute, cacheDir },
    )
    const digests = { code: await recordable(project, own.code, semantic), data: await recordable(project, own.data, semantic) }
    for (const { name, old, id, data, code } of specs) {
      const model = classesFound.find((m) => m.name === name)!
      entries.set(id, {
        entrypoint: `${module}:${name}`,
        path,
        class_name: name,
        scenarios: old?.scenarios ?? [],
        parameters: old?.parameters ?? [],
        // The class body's outputs, as the Python tool records them (so neither tool rewrites the other's); with the
        // inherited ones in digests.json, which is where our builds read them from (modelOutputs).
        outputs: [...model.ownOutputs],
        data,
        data_digests: pick(digests.data, data),
        code,
        code_digests: pick(digests.code, code),
        model_digest: digests.code[path] ?? null,
      })
      lines.set(id, model.line)
      allOutputs.set(id, [...model.outputs])
    }
    plans.push({ path, entries, excluded: idsOf(before.models, path, excluded, (m) => m.class_name), untouched: new Set(untouched), lines })
  }

  return updateRegistry(project, (registry) => {
    mergeSemantic(registry, semantic)
    // The +~- report compares outputs with the inherited ones, as a build sees them.
    const effective = new WeakMap<ModelEntry, string[]>()
    for (const id of Object.keys(registry.models)) effective.set(registry.models[id]!, modelOutputs(registry, id))
    for (const plan of plans) for (const [id, e] of plan.entries ?? []) effective.set(e, allOutputs.get(id) ?? e.outputs)
    const fields = (a: ModelEntry, b: ModelEntry) => modelFields({ ...a, outputs: effective.get(a) ?? a.outputs }, { ...b, outputs: effective.get(b) ?? b.outputs })
    const changes = apply(registry.models, plans, (m) => m.class_name, (m) => m.model_digest, fields, 'model')
    recordAllOutputs(registry, plans, allOutputs)
    return report('models', files, changes, warnings)
  })
}

/** `<file stem>_<class>`, lower-case (reference-spec §1.5). */
export function defaultId(path: string, className: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1)
  const stem = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base
  return `${stem}_${className}`.toLowerCase()
}

// ---------------------------------------------------------------------------------------------------------------

/** digests.json's `outputs` for the entries just written: kept only where inherited outputs add to the class body's. */
function recordAllOutputs(registry: Registry, plans: FilePlan<ModelEntry>[], all: Map<string, string[]>): void {
  const table = (registry.all_outputs ??= Object.create(null) as NonNullable<Registry['all_outputs']>)
  for (const plan of plans) {
    for (const [id, e] of plan.entries ?? []) {
      const list = all.get(id) ?? e.outputs
      if (sameList(list, e.outputs)) delete table[id]
      else table[id] = { own: [...e.outputs], all: list }
    }
  }
}

/**
 * Code deps: the explicit list when given, else the recorded list (files of it that were deleted are dropped when
 * imports are followed, since they were most likely found that way), plus what import-following finds now.
 * Keeping recorded entries over-approximates, which can only cause a rebuild, never a stale result.
 */
function mergeCode(project: Project, explicit: string[] | undefined, recorded: string[] | undefined, auto: string[], self: string): string[] {
  const base = explicit ?? (recorded ?? []).filter((p) => auto.length === 0 || existsAny(project, p))
  // The model file is its own component (MODEL_CODE): never added as code, but kept where the Python tool put it
  // (its files mode lists it), so alternating registrations do not flip the list.
  return uniq([...base, ...auto.filter((p) => p !== self)]).sort(compareCodePoints)
}
