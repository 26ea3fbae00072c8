// with the weaknesses of §8.2.7 fixed: unknown --class/--target names, a missing PATH and id collisions across
// files are errors; changes to data, code or outputs count as updates; pruning is reported, never silent.
import fs from 'node:fs'
import { relative, sep } from 'node:path'
import { ModelopsError, type Warning } from '../errors.js'
import type { ComputeOptions } from '../digest/compute.js'
import { digestFiles } from '../digest/compute.js'
import type { Project } from '../project/project.js'
import { absolutePath } from '../project/paths.js'
import { ID_HINT, idProblem, idTable } from '../project/names.js'
import { discoverFile, type DiscoveryResult } from '../python/discover.js'
import { codeDependencies, moduleOf, packageDependencies } from '../python/imports.js'
import { ModuleScans } from '../python/scans.js'
import { importRootOf, importRoots } from '../python/roots.js'
import { loadRegistry, updateRegistry } from './registry.js'
import { removeFromTargetSets } from './target-sets.js'
import type { ModelEntry, Registry, TargetEntry } from './types.js'
import { sha256Files } from '../digest/status.js'
import { compareCodePoints } from '../digest/canonical.js'

/** What happened to a registry entry: `+` added, `~` updated, `-` removed. */
export type ChangeOp = 'added' | 'updated' | 'removed'

/** One line of the `+ ~ -` report. */
export interface RegistryChange {
  op: ChangeOp
  id: string
  /** Project-relative file the entry comes from. */
  path: string
  entrypoint: string
  /** The file's own digest (model_digest / target_digest) before and after, when it changed (updated only). */
  digest?: { from: string | null; to: string | null }
  /** What else changed (updated only): 'entrypoint', 'outputs', 'model_output', 'data', 'code'. */
  fields?: string[]
  /** Per changed list field, its items marked `+` added, `-` removed, `~` digest changed (e.g. `~data/data.csv`). */
  details?: Record<string, string[]>
  /** Why an entry was removed: 'no longer discovered', 'excluded', 'file missing', or `re-registered as <id>`. */
  reason?: string
  /** Target sets the removed target was taken out of. */
  targetSets?: string[]
}

/** What reconcileModels / reconcileTargets changed: the files scanned, one RegistryChange per entry, counts and warnings. */
export interface ReconcileReport {
  kind: 'models' | 'targets'
  /** Files scanned, project-relative. */
  files: string[]
  changes: RegistryChange[]
  added: number
  updated: number
  removed: number
  warnings: Warning[]
}

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

/** Options of reconcileTargets (the flags of `mops-bundle register-target`). */
export interface ReconcileTargetsOptions {
  /** Keep only these targets (function name or target id); a name not found is an error. */
  targets?: string[]
  exclude?: string[]
  regenAll?: boolean
  compute?: ComputeOptions
}

interface FilePlan<E> {
  path: string
  /** null: the file is missing and its entries go. */
  entries: Map<string, E> | null
  /** Ids of this file to drop even if rediscovered ('excluded'). */
  excluded: Set<string>
  /** Classes/functions registered from this file that a filter left out: their entries stay as they are. */
  untouched: Set<string>
  lines: Map<string, number>
}

/**
 * Register the models of `file` (project-relative; null only with regenAll) and reconcile the registry:
 * the entries of every scanned file are replaced by what is discovered now. Discovery and hashing run before the
 * registry lock; the diff is computed against the registry re-read under the lock, so concurrent runs on
 * different files never lose each other's entries.
 * @throws ModelopsError FILE_NOT_FOUND, PATH_INVALID, DISCOVERY (e.g. a class not found in the file), ID_COLLISION, USAGE (options that contradict), LOCK_TIMEOUT; the registry is left as it was.
 */
export async function reconcileModels(project: Project, file: string | null, options: ReconcileModelsOptions = {}): Promise<ReconcileReport> {
  const before = loadRegistry(project)
  const files = fileSet(file, Object.values(before.models).map((m) => m.path), options.regenAll)
  const autoCode = options.autoCode ?? project.config.auto_code
  const codeMode = options.codeMode ?? project.config.import_mode ?? 'files'
  const warnings: Warning[] = []
  const plans: FilePlan<ModelEntry>[] = []
  const semantic: SemanticNote[] = []

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
      options.compute,
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
        outputs: [...model.outputs],
        data,
        data_digests: pick(digests.data, data),
        code,
        code_digests: pick(digests.code, code),
        model_digest: digests.code[path] ?? null,
      })
      lines.set(id, model.line)
    }
    plans.push({ path, entries, excluded: idsOf(before.models, path, excluded, (m) => m.class_name), untouched: new Set(untouched), lines })
  }

  return updateRegistry(project, (registry) => {
    mergeSemantic(registry, semantic)
    const changes = apply(registry.models, plans, (m) => m.class_name, (m) => m.model_digest, modelFields, 'model')
    return report('models', files, changes, warnings)
  })
}

/**
 * register-target: like reconcileModels for `@calibration_target` functions; removed targets leave every target set.
 * @throws ModelopsError as reconcileModels.
 */
export async function reconcileTargets(project: Project, file: string | null, options: ReconcileTargetsOptions = {}): Promise<ReconcileReport> {
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
    const opts = { ...options.compute, warnings }
    const fileDigest = selected.length > 0 ? (await recordable(project, await digestFiles(project, { code: [path], data: [] }, opts), semantic))[path] : undefined
    for (const fn of selected) {
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
      const digests = await recordable(project, await digestFiles(project, { code: [], data }, opts), semantic)
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

/** `<file stem>_<class>`, lower-case (reference-spec §1.5). */
export function defaultId(path: string, className: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1)
  const stem = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base
  return `${stem}_${className}`.toLowerCase()
}

// ---------------------------------------------------------------------------------------------------------------

function fileSet(file: string | null, registered: string[], regenAll?: boolean): string[] {
  if (file === null && !regenAll) throw new ModelopsError('USAGE', 'no file given', { hint: 'name a Python file, or pass --regen-all to rescan every registered file' })
  if (file !== null && !/\.pyw?$/.test(file)) {
    throw new ModelopsError('PATH_INVALID', 'not a Python file', { file, exitCode: 1, hint: 'models and targets are discovered in .py files; data files go in --data' })
  }
  if (!regenAll) return [file!]
  const all = new Set(registered)
  if (file !== null) all.add(file)
  return [...all].sort(compareCodePoints)
}

/** One run's parsed modules: with --regen-all over many files, parsed ahead on the parse pool when that pays. */
function scansFor(project: Project, files: string[]): ModuleScans {
  return ModuleScans.for(files.filter((f) => existsFile(project, f)).map((f) => absolutePath(project, f)))
}

async function discover(project: Project, path: string, warnings: Warning[], scans: ModuleScans): Promise<DiscoveryResult> {
  const found = await discoverFile(absolutePath(project, path), { root: project.root, baseClasses: project.config.base_classes, codeRoots: project.config.code_roots, scans })
  for (const issue of found.errors) warnings.push({ code: 'DISCOVERY', message: issue.message, file: path, line: issue.line })
  return found
}

function select(path: string, discovered: string[], only: string[] | undefined, exclude: string[] | undefined, what: 'class' | 'target', shown = discovered) {
  const known = new Set(discovered)
  const unknown = (only ?? []).filter((n) => !known.has(n))
  if (unknown.length > 0) {
    const plural = unknown.length === 1 ? what : what === 'class' ? 'classes' : 'targets'
    throw new ModelopsError('USAGE', `${plural} not found: ${unknown.join(', ')}`, {
      file: path,
      exitCode: 1,
      hint: discovered.length > 0 ? `found: ${shown.join(', ')}` : `no ${what === 'class' ? 'model classes' : 'calibration targets'} in this file`,
    })
  }
  const excluded = new Set(exclude ?? [])
  const selected = discovered.filter((n) => (only === undefined || only.includes(n)) && !excluded.has(n))
  const untouched = only === undefined ? [] : discovered.filter((n) => !only.includes(n) && !excluded.has(n))
  return { selected, excluded, untouched }
}

/**
 * Folders of the module path without `__init__.py` (reference-spec §4.3.5): Python 3 imports them as namespace
 * packages, but the Python tool and its workers require the file, so a missing one is worth a warning.
 */
function missingInits(project: Project, path: string, roots: readonly string[], warnings: Warning[]): void {
  // Folders from the file's import root down (`src/` of a src layout is a root, not a package).
  const from = relative(project.root, importRootOf(roots, absolutePath(project, path), project.root)).split(sep).join('/')
  const parts = path.split('/').slice(0, -1)
  for (let i = from ? from.split('/').length + 1 : 1; i <= parts.length; i++) {
    const dir = parts.slice(0, i).join('/')
    if (!existsAny(project, `${dir}/__init__.py`)) {
      warnings.push({ code: 'PACKAGE_INIT', message: `${dir}/ has no __init__.py, which workers of the Python modelops-bundle need to import it (touch ${dir}/__init__.py)`, file: path })
    }
  }
}

/** --exclude of a name the file does not define: nothing to do, but likely a typo worth a warning. */
function unknownExcludes(path: string, known: string[], exclude: string[] | undefined, warnings: Warning[]): void {
  for (const name of exclude ?? []) {
    if (!known.includes(name)) warnings.push({ code: 'DISCOVERY', message: `--exclude ${name}: no such name in this file`, file: path })
  }
}

function idsOf<E extends { path: string }>(entries: Record<string, E>, path: string, names: Set<string>, nameOf: (e: E) => string): Set<string> {
  return new Set(Object.entries(entries).filter(([, e]) => e.path === path && names.has(nameOf(e))).map(([id]) => id))
}

/**
 * Replace the entries of every planned file in `table` (in place, keeping the YAML slot of ids that stay) and
 * return the changes. Collisions with an id of a file that is not being rescanned are errors naming both files.
 */
function apply<E extends { path: string; entrypoint: string }>(
  table: Record<string, E>,
  plans: FilePlan<E>[],
  nameOf: (e: E) => string,
  digestOf: (e: E) => string | null,
  fieldsOf: (a: E, b: E) => Record<string, string[]>,
  what: 'model' | 'target',
): RegistryChange[] {
  const scanned = new Set(plans.map((p) => p.path))
  const claimed = new Map<string, string>()
  for (const plan of plans) {
    for (const id of plan.entries?.keys() ?? []) {
      const other = table[id]
      const line = plan.lines.get(id)
      const problem = idProblem(id)
      if (problem) throw new ModelopsError('DISCOVERY', `${what} id ${JSON.stringify(id)} ${problem}`, { file: plan.path, line, hint: ID_HINT })
      if (other && other.path !== plan.path && !scanned.has(other.path)) {
        throw collision(what, id, plan.path, line, other.path)
      }
      const twin = claimed.get(id)
      if (twin !== undefined) throw collision(what, id, plan.path, line, twin)
      claimed.set(id, plan.path)
    }
  }

  const changes: RegistryChange[] = []
  for (const plan of plans) {
    const old = Object.entries(table).filter(([, e]) => e.path === plan.path)
    const next = plan.entries ?? new Map<string, E>()
    const renamed = new Map<string, string>()
    for (const [id, entry] of next) renamed.set(nameOf(entry), id)
    for (const [id, entry] of old) {
      if (next.has(id)) continue
      if (plan.entries !== null && plan.untouched.has(nameOf(entry))) continue
      const reason =
        plan.entries === null ? 'file missing'
        : plan.excluded.has(id) ? 'excluded'
        : renamed.has(nameOf(entry)) ? `re-registered as ${renamed.get(nameOf(entry))}`
        : 'no longer discovered'
      delete table[id]
      changes.push({ op: 'removed', id, path: plan.path, entrypoint: entry.entrypoint, reason })
    }
    for (const [id, entry] of next) {
      const prev = table[id]
      table[id] = entry
      if (!prev) {
        changes.push({ op: 'added', id, path: plan.path, entrypoint: entry.entrypoint })
        continue
      }
      const change: RegistryChange = { op: 'updated', id, path: plan.path, entrypoint: entry.entrypoint }
      if (digestOf(prev) !== digestOf(entry)) change.digest = { from: digestOf(prev), to: digestOf(entry) }
      const details = fieldsOf(prev, entry)
      if (Object.keys(details).length > 0) {
        change.fields = Object.keys(details)
        change.details = details
      }
      if (change.digest || change.fields) changes.push(change)
    }
  }
  const order: Record<ChangeOp, number> = { added: 0, updated: 1, removed: 2 }
  return changes.sort((a, b) => order[a.op] - order[b.op] || compareCodePoints(a.id, b.id))
}

function modelFields(a: ModelEntry, b: ModelEntry): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (a.entrypoint !== b.entrypoint) out.entrypoint = [`-${a.entrypoint}`, `+${b.entrypoint}`]
  const outputs = listDiff(a.outputs, b.outputs)
  if (outputs.length > 0) out.outputs = outputs
  const data = depDiff(a.data, a.data_digests, b.data, b.data_digests)
  if (data.length > 0) out.data = data
  const code = depDiff(a.code, a.code_digests, b.code, b.code_digests)
  if (code.length > 0) out.code = code
  return out
}

function targetFields(a: TargetEntry, b: TargetEntry): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (a.entrypoint !== b.entrypoint) out.entrypoint = [`-${a.entrypoint}`, `+${b.entrypoint}`]
  if (a.model_output !== b.model_output) out.model_output = [`-${a.model_output}`, `+${b.model_output}`]
  const data = depDiff(a.data, a.data_digests ?? {}, b.data, b.data_digests)
  if (data.length > 0) out.data = data
  return out
}

/** `+x` / `-x` for items added / removed; an order-only change shows as `~order`. */
function listDiff(a: string[], b: string[]): string[] {
  const out = [...b.filter((x) => !a.includes(x)).map((x) => `+${x}`), ...a.filter((x) => !b.includes(x)).map((x) => `-${x}`)]
  if (out.length === 0 && !sameList(a, b)) out.push('~order')
  return out
}

/** listDiff plus `~path` for dependencies whose recorded digest changed. */
function depDiff(a: string[], ad: Record<string, string>, b: string[], bd: Record<string, string>): string[] {
  const out = listDiff(a, b).filter((x) => x !== '~order')
  for (const p of b) if (a.includes(p) && ad[p] !== bd[p]) out.push(`~${p}`)
  if (out.length === 0 && !sameList(a, b)) out.push('~order')
  return out
}

function report(kind: 'models' | 'targets', files: string[], changes: RegistryChange[], warnings: Warning[]): ReconcileReport {
  const count = (op: ChangeOp) => changes.filter((c) => c.op === op).length
  const seen = new Set<string>()
  const unique = warnings.filter((w) => {
    const key = `${w.file}:${w.line}:${w.message}`
    return seen.has(key) ? false : (seen.add(key), true)
  })
  return { kind, files, changes, added: count('added'), updated: count('updated'), removed: count('removed'), warnings: unique }
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

/**
 * digestFiles over the paths that exist. A recorded dependency that has gone keeps its recorded digest (so status
 * reports it missing) and is named in a warning.
 */
async function digestPresent(
  project: Project,
  file: string,
  paths: { code: string[]; data: string[] },
  recorded: Record<string, string>,
  warnings: Warning[],
  compute: ComputeOptions | undefined,
): Promise<{ code: Record<string, string>; data: Record<string, string> }> {
  const present = (list: string[]) => list.filter((p) => existsAny(project, p))
  const opts = { ...compute, warnings }
  // Separate passes: a path listed as both code and data is digested both ways, and the key must not mix them.
  const code = await digestFiles(project, { code: present(paths.code), data: [] }, opts)
  const data = await digestFiles(project, { code: [], data: present(paths.data) }, opts)
  for (const [list, digests] of [[paths.code, code], [paths.data, data]] as const) {
    for (const p of list) {
      if (digests[p] !== undefined) continue
      warnings.push({ code: 'FILE_NOT_FOUND', message: `recorded dependency ${p} is missing`, file })
      if (recorded[p] !== undefined) digests[p] = recorded[p]
    }
  }
  return { code, data }
}

/** [path, sha256 recorded in the registry, our digest of the same bytes] for digests.json. */
type SemanticNote = [string, string, string]

/**
 * What the registry records for each digested path: the `sha256:` of a file's bytes, which is what the Python tool
 * records and checks in these fields; our digest for folders (which it cannot digest) and for a missing file (the
 * digest recorded before). Our digest of each file goes to `notes`, for digests.json.
 */
async function recordable(project: Project, own: Record<string, string>, notes: SemanticNote[]): Promise<Record<string, string>> {
  const sha = await sha256Files(project, Object.keys(own))
  const out: Record<string, string> = {}
  for (const [p, d] of Object.entries(own)) {
    const s = sha.get(p)
    if (s?.startsWith('sha256:')) {
      out[p] = s
      if (d !== s) notes.push([p, s, d])
    } else out[p] = d
  }
  return out
}

function mergeSemantic(registry: Registry, notes: SemanticNote[]): void {
  const semantic = (registry.semantic ??= Object.create(null) as Record<string, Record<string, string>>)
  for (const [p, sha, d] of notes) {
    if (!Object.prototype.hasOwnProperty.call(semantic, p)) semantic[p] = Object.create(null) as Record<string, string>
    semantic[p]![sha] = d
  }
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

function collision(what: string, id: string, path: string, line: number | undefined, other: string): ModelopsError {
  return new ModelopsError('ID_COLLISION', `${what} id '${id}' is already registered from ${other}`, {
    file: path,
    line,
    hint:
      what === 'model'
        ? `ids are <file stem>_<class>: rename the class or file, register it with --id, or drop the entry of ${other} first`
        : `target ids are the function name or name=...: give one of them another name=... in its @calibration_target`,
  })
}

function notFound(project: Project, path: string, what: string, command: string): ModelopsError {
  if (existsAny(project, path)) {
    return new ModelopsError('PATH_INVALID', `is a folder, not a ${what}`, { file: path, hint: `${command} takes one Python file at a time` })
  }
  return new ModelopsError('FILE_NOT_FOUND', `${what} not found`, {
    file: path,
    hint: `check the path; if the file was deleted on purpose, run \`mops-bundle ${command} --regen-all\` to drop its entries`,
  })
}

function existsFile(project: Project, rel: string): boolean {
  try {
    return fs.statSync(absolutePath(project, rel)).isFile()
  } catch {
    return false
  }
}

function existsAny(project: Project, rel: string): boolean {
  try {
    return fs.existsSync(absolutePath(project, rel))
  } catch {
    return false
  }
}

function pick(digests: Record<string, string>, paths: string[]): Record<string, string> {
  const out = idTable<string>()
  for (const p of paths) if (digests[p] !== undefined) out[p] = digests[p]
  return out
}

function uniq(list: string[]): string[] {
  return [...new Set(list)]
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
