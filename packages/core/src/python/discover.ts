// Models, outputs and targets by reading code (never running it), with imports resolved: a base class
// counts only if it really is calabaria's BaseModel (through any import spelling or alias), a model class
// of the same file, or a model class imported from another project file (followed transitively).
import { readRegularFile } from '../project/read.js'
import { dirname, relative, resolve, sep } from 'node:path'
import { ModelopsError, isModelopsError } from '../errors.js'
import { absoluteModule, moduleFiles, moduleFromPath, moduleOf, packageOf } from './imports.js'
import { importRootOf, importRoots } from './roots.js'
import { bindModule, Env, lookup, type Binding, type ModuleBindings } from './bindings.js'
import type { Lit } from './literal-eval.js'
import type { ClassInfo, DecoratorInfo, FunctionInfo, ModuleInfo } from './scan.js'
import { ModuleScans } from './scans.js'

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

interface Facts {
  file: string
  info: ModuleInfo
  /** Names at each class and function statement, and once the module has run. */
  names: ModuleBindings<Facts>
}

type ClassRef = { kind: 'configured' } | { kind: 'class'; facts: Facts; cls: ClassInfo }

/** The decorators discovery reads, by their name in calabaria. */
const DECORATORS = ['model_output', 'calibration_target']

class Resolver {
  private readonly facts = new Map<string, Promise<Facts | null>>()
  /** Files whose names are being bound: a star import cycle back into one of them sees no names. */
  private readonly binding = new Set<string>()
  private readonly modelMemo = new Map<ClassInfo, Promise<boolean>>()
  private readonly outputMemo = new Map<ClassInfo, Promise<string[]>>()
  private readonly bases: { pkg: string; name: string }[]
  readonly packages: string[]

  constructor(readonly searchRoots: string[], baseClasses: string[], private readonly scans: ModuleScans) {
    this.bases = baseClasses.map((b) => ({ pkg: b.slice(0, b.lastIndexOf('.')), name: b.slice(b.lastIndexOf('.') + 1) }))
    this.packages = [...new Set(this.bases.map((b) => b.pkg.split('.')[0]!))]
  }

  load(file: string, text?: string): Promise<Facts | null> {
    let p = this.facts.get(file)
    if (!p) {
      p = (async () => {
        const info = await this.scans.scan(file, text)
        if (!info) return null
        // Relative imports are relative to the package as imported: the path from the file's import root.
        const pkg = packageOf(importRootOf(this.searchRoots, file, this.searchRoots[0] ?? dirname(file)), file)
        const facts: Facts = { file, info, names: { at: new Map(), final: Env.of([]) } }
        this.binding.add(file)
        try {
          facts.names = await bindModule(info.flow, { facts, absolute: (spec) => absoluteModule(spec, pkg), star: (m) => this.exports(m) })
        } finally {
          this.binding.delete(file)
        }
        return facts
      })()
      this.facts.set(file, p)
    }
    return p
  }

  /** The project file a module name stands for (its own file, not its packages' __init__), or null. */
  private moduleFile(module: string): string | null {
    for (const root of this.searchRoots) {
      const m = moduleFiles(root, module)
      if (m.found && m.files.length) return m.files[m.files.length - 1]!
    }
    return null
  }

  /**
   * Names `from <module> import *` binds, where we can know them: a project module's public names once it has
   * run; for calabaria's packages, the configured base classes and decorators. Other modules bind none we know.
   */
  async exports(module: string): Promise<Map<string, readonly Binding<Facts>[]>> {
    const out = new Map<string, readonly Binding<Facts>[]>()
    if (this.packages.some((p) => module === p || module.startsWith(`${p}.`))) {
      for (const n of new Set([...this.bases.map((b) => b.name), ...DECORATORS])) {
        const q = `${module}.${n}`
        if (this.isConfigured(q) || this.isCalabaria(q, n)) out.set(n, [{ kind: 'ref', q }])
      }
      return out
    }
    const file = this.moduleFile(module)
    if (file === null || this.binding.has(file)) return out
    const facts = await this.load(file)
    if (!facts) return out
    const final = facts.names.final
    // `__all__` when it is one literal list; else the public names (Python's rule for a star import).
    const all = final.get('__all__')
    if (all?.length === 1 && all[0]!.kind === 'names') {
      for (const name of all[0]!.names) {
        const bs = final.get(name)
        if (bs) out.set(name, bs)
      }
      return out
    }
    for (const [name, bs] of final.entries()) if (!name.startsWith('_')) out.set(name, bs)
    return out
  }

  private isConfigured(q: string): boolean {
    return this.bases.some((b) => q === `${b.pkg}.${b.name}` || (q.startsWith(`${b.pkg}.`) && q.endsWith(`.${b.name}`)))
  }

  /** Is `q` the function `fn` of a calabaria package (any submodule)? */
  isCalabaria(q: string, fn: string): boolean {
    return this.packages.some((p) => q === `${p}.${fn}` || (q.startsWith(`${p}.`) && q.endsWith(`.${fn}`)))
  }

  /** Classes a dotted name may stand for in `env`: calabaria's BaseModel or classes of project files. */
  async resolveName(env: Env<Facts>, name: string, depth = 0): Promise<ClassRef[]> {
    if (depth > 50) return []
    const out: ClassRef[] = []
    for (const b of lookup(env, name)) {
      if (b.kind === 'class') out.push({ kind: 'class', facts: b.facts, cls: b.cls })
      else if (b.kind === 'ref') out.push(...(await this.resolveQualified(b.q, depth + 1)))
    }
    return out
  }

  /** `pkg.mod.Cls` → calabaria's BaseModel, or a class of a project file (following re-exports). */
  async resolveQualified(q: string, depth: number): Promise<ClassRef[]> {
    if (this.isConfigured(q)) return [{ kind: 'configured' }]
    if (depth > 50) return []
    const parts = q.split('.')
    for (let k = parts.length - 1; k >= 1; k--) {
      const module = parts.slice(0, k).join('.')
      const attr = parts.slice(k).join('.')
      for (const root of this.searchRoots) {
        const m = moduleFiles(root, module)
        if (!m.found) continue
        const facts = await this.load(m.files[m.files.length - 1]!)
        if (facts) {
          const r = await this.resolveName(facts.names.final, attr, depth + 1)
          if (r.length) return r
        }
      }
    }
    return []
  }

  /** The names a class statement ran with. */
  envOf(facts: Facts, def: ClassInfo | FunctionInfo): Env<Facts> {
    return facts.names.at.get(def) ?? facts.names.final
  }

  isModel(facts: Facts, cls: ClassInfo, seen: Set<ClassInfo> = new Set()): Promise<boolean> {
    if (seen.has(cls)) return Promise.resolve(false)
    const memo = this.modelMemo.get(cls)
    if (memo) return memo
    seen.add(cls)
    const p = (async () => {
      for (const b of cls.bases) {
        for (const r of await this.resolveName(this.envOf(facts, cls), b)) {
          if (r.kind === 'configured') return true
          if (await this.isModel(r.facts, r.cls, seen)) return true
        }
      }
      return false
    })()
    // Cycles (P(Q), Q(P)) must not memoise a half-computed answer for the inner class.
    if (seen.size === 1) this.modelMemo.set(cls, p)
    return p
  }

  /** Is this decorator, in `env`, calabaria's `fn` (`model_output`, `calibration_target`) under any import spelling? */
  isDecorator(env: Env<Facts>, d: DecoratorInfo, fn: string): boolean {
    if (!d.callee) return false
    if (lookup(env, d.callee).some((b) => b.kind === 'ref' && this.isCalabaria(b.q, fn))) return true
    // Unbound bare name (e.g. provided by a star import of a module we cannot see): accept the name.
    return d.callee === fn && !env.has(fn)
  }

  /** Outputs of a model class: its bases' first (as calabaria collects them at run time), then its own. */
  outputs(facts: Facts, cls: ClassInfo, errors: DiscoveryIssue[] | null, seen: Set<ClassInfo> = new Set()): Promise<string[]> {
    if (seen.has(cls)) return Promise.resolve([])
    // Inherited outputs (no errors collected) are computed once per class: a long chain of subclasses stays linear.
    const memo = errors === null ? this.outputMemo.get(cls) : undefined
    if (memo) return memo
    seen.add(cls)
    const p = this.collectOutputs(facts, cls, errors, seen)
    if (errors === null) this.outputMemo.set(cls, p)
    return p
  }

  private async collectOutputs(facts: Facts, cls: ClassInfo, errors: DiscoveryIssue[] | null, seen: Set<ClassInfo>): Promise<string[]> {
    const env = this.envOf(facts, cls)
    const out: string[] = []
    for (const b of cls.bases) {
      for (const r of await this.resolveName(env, b)) {
        if (r.kind === 'class') out.push(...(await this.outputs(r.facts, r.cls, null, seen)))
      }
    }
    out.push(...this.ownOutputs(facts, cls, errors))
    return [...new Set(out)]
  }

  /** Outputs declared by `@model_output` methods in the class body itself. */
  ownOutputs(facts: Facts, cls: ClassInfo, errors: DiscoveryIssue[] | null): string[] {
    const env = this.envOf(facts, cls)
    const out: string[] = []
    for (const m of cls.methods) {
      for (const d of m.decorators) {
        if (!this.isDecorator(env, d, 'model_output')) continue
        const arg: Lit | undefined = d.args[0] ?? d.kwargs.find(([k]) => k === 'name' || k === 'output')?.[1]
        if (!arg) { out.push(m.name); continue }
        if (!arg.ok || typeof arg.value !== 'string') {
          errors?.push({ line: d.line, message: `@model_output on ${cls.name}.${m.name}: the output name must be a literal string, not \`${arg.ok ? JSON.stringify(arg.value) : arg.text}\`` })
          continue
        }
        out.push(arg.value || m.name)
      }
    }
    return [...new Set(out)]
  }

  /** Is `def` what its name stands for once the module has run (not replaced by a later definition)? */
  isFinal(facts: Facts, def: ClassInfo | FunctionInfo): boolean {
    return (facts.names.final.get(def.name) ?? []).some((b) => (b.kind === 'class' && b.cls === def) || (b.kind === 'function' && b.fn === def))
  }
}

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
