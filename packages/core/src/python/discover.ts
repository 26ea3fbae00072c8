// Models, outputs and targets by reading code (never running it), with imports resolved: a base class
// counts only if it really is calabaria's BaseModel (through any import spelling or alias), a model class
// of the same file, or a model class imported from another project file (followed transitively).
import { readRegularFile } from '../project/read.js'
import { dirname, relative, resolve, sep } from 'node:path'
import { ModelopsError, isModelopsError } from '../errors.js'
import { moduleFromPath, moduleOf } from './imports.js'
import { importRoots } from './roots.js'
import type { Lit } from './literal-eval.js'
import type { ClassInfo, DecoratorInfo } from './scan.js'
import { ModuleScans } from './scans.js'
import { Resolver } from './discover-resolver.js'

/** A model class found in a file: its name, line, base classes, declared outputs and entrypoint. */
export interface DiscoveredModel {
  name: string
  line: number
  bases: string[]
  /** Inherited outputs first (as calabaria collects them at run time), then the class's own. */
  outputs: string[]
  /** Only those declared in the class body: what the Python tool records (its discover_model_outputs). */
  ownOutputs: string[]
  entrypoint: string | null
}
/** A `@calibration_target` function found in a file: its target name, function, line, model output and data. */
export interface DiscoveredTarget { name: string; function: string; line: number; model_output: string; data: Record<string, string>; entrypoint: string | null }
/** Why part of a file could not be read as a model or target (line, message); the rest is still discovered. */
export interface DiscoveryIssue { line: number; message: string }
/** Everything discoverFile found in one file: models, targets and the issues met on the way. */
export interface DiscoveryResult {
  path: string
  models: DiscoveredModel[]
  targets: DiscoveredTarget[]
  errors: DiscoveryIssue[]
  /** Top-level classes that are not models (no configured base class): register-model takes them only by name. */
  others?: DiscoveredModel[]
}

/** Options of discoverFile. */
export interface DiscoverOptions {
  /** Project root for import resolution and entrypoints; null outside a project (entrypoint from the path as given). */
  root?: string | null
  /** Fully qualified base classes; default modelops_calabaria.BaseModel and calabaria.BaseModel. */
  baseClasses?: string[]
  /** config.yaml code_roots: import roots besides the project root and pyproject's package folders (roots.ts). Default ['.', 'src']. */
  codeRoots?: readonly string[]
  /**
   * Parsed modules shared by the calls of one run (ModuleScans.for(files) parses the files on the parse pool when
   * they are big enough together); default: a fresh set per call, parsed in this thread.
   */
  scans?: ModuleScans
}

export const DEFAULT_BASE_CLASSES = ['modelops_calabaria.BaseModel', 'calabaria.BaseModel']

function entrypointModule(file: string, root: string | null, roots: readonly string[], errors: DiscoveryIssue[]): string | null {
  try {
    if (root) return moduleOf(root, relative(root, file).split(sep).join('/'), roots)
    return moduleFromPath(relative(process.cwd(), file).split(sep).join('/'))
  } catch (err) {
    if (!isModelopsError(err)) throw err
    errors.push({ line: 1, message: err.hint ? `${err.message} ${err.hint}` : err.message })
    return null
  }
}

function targetOf(d: DecoratorInfo, fn: string, errors: DiscoveryIssue[]): { name: string; model_output: string; data: Record<string, string> } | null {
  const kw = new Map(d.kwargs)
  const bad = (what: string, lit: Lit) => errors.push({ line: d.line, message: `@calibration_target on ${fn}: ${what} must be a literal, not \`${lit.ok ? JSON.stringify(lit.value) : lit.text}\`` })
  const mo = kw.get('model_output')
  if (!mo) { errors.push({ line: d.line, message: `@calibration_target on ${fn} needs model_output="<output name>"` }); return null }
  if (!mo.ok || typeof mo.value !== 'string') { bad('model_output', mo); return null }
  let data: Record<string, string> = {}
  const dl = kw.get('data')
  if (dl) {
    if (!dl.ok || typeof dl.value !== 'object' || dl.value === null || Array.isArray(dl.value) || !Object.values(dl.value).every((v) => typeof v === 'string')) {
      bad('data (a dict of name → file path strings)', dl)
      return null
    }
    data = dl.value as Record<string, string>
  }
  let name = fn
  const nl = kw.get('name')
  if (nl) {
    if (!nl.ok || typeof nl.value !== 'string') { bad('name', nl); return null }
    name = nl.value
  }
  return { name, model_output: mo.value, data }
}

/**
 * Models, outputs and targets of one file, by reading its AST; never runs code. `file` absolute or cwd-relative.
 * @throws ModelopsError FILE_NOT_FOUND for a missing file; syntax errors and unreadable decorators are not thrown but listed in `errors`.
 */
export async function discoverFile(file: string, options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const abs = resolve(file)
  const root = options.root ? resolve(options.root) : null
  const searchRoots = root ? importRoots(root, options.codeRoots) : [dirname(abs)]
  const resolver = new Resolver(searchRoots, options.baseClasses ?? DEFAULT_BASE_CLASSES, options.scans ?? ModuleScans.inThread())
  const result: DiscoveryResult = { path: file, models: [], targets: [], errors: [] }
  let text: string
  try {
    text = (await readRegularFile(abs, file)).toString('utf8') // regular files only, with a deadline
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelopsError('FILE_NOT_FOUND', `${file}: no such file`, { file, hint: 'Check the path (relative paths are taken from the current directory).' })
    throw err
  }
  const facts = (await resolver.load(abs, text))!
  if (facts.info.syntaxError !== null) {
    const why = facts.info.problem ? `${facts.info.problem}; not scanned for models and targets` : 'syntax error; fix it so models and targets can be discovered'
    result.errors.push({ line: facts.info.syntaxError, message: `${file}:${facts.info.syntaxError}: ${why}` })
    return result
  }
  let module: string | null | undefined
  const entry = (name: string) => {
    if (module === undefined) module = entrypointModule(abs, root, searchRoots, result.errors)
    return module === null ? null : `${module}:${name}`
  }
  // A class counts when the module's name may end up bound to it; of several such (alternative branches),
  // the last model in the source gives the entrypoint.
  const chosen = new Map<string, ClassInfo>()
  for (const cls of facts.info.classes) {
    if (resolver.isFinal(facts, cls) && (await resolver.isModel(facts, cls))) chosen.set(cls.name, cls)
  }
  for (const cls of facts.info.classes) {
    if (chosen.get(cls.name) !== cls) continue
    const outputs = await resolver.outputs(facts, cls, result.errors)
    result.models.push({ name: cls.name, line: cls.line, bases: cls.bases, outputs, ownOutputs: resolver.ownOutputs(facts, cls, null), entrypoint: entry(cls.name) })
  }
  result.others = []
  for (const cls of facts.info.classes) {
    if (chosen.has(cls.name) || !resolver.isFinal(facts, cls)) continue
    // Their output findings would be noise: they are not models unless a user names them.
    const outputs = await resolver.outputs(facts, cls, [])
    result.others.push({ name: cls.name, line: cls.line, bases: cls.bases, outputs, ownOutputs: resolver.ownOutputs(facts, cls, null), entrypoint: entry(cls.name) })
  }
  for (const fn of facts.info.functions) {
    if (!resolver.isFinal(facts, fn)) continue
    for (const d of fn.decorators) {
      if (!resolver.isDecorator(resolver.envOf(facts, fn), d, 'calibration_target')) continue
      const t = targetOf(d, fn.name, result.errors)
      if (t) result.targets.push({ ...t, function: fn.name, line: fn.line, entrypoint: entry(fn.name) })
    }
  }
  return result
}
