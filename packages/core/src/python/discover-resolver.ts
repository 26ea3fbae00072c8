// The resolver behind discovery (discover.ts): per-file facts (scan + name bindings), following imports across
// project files, and deciding which classes are models, their outputs, and which decorators are calabaria's.
import { dirname } from 'node:path'
import { absoluteModule, moduleFiles, packageOf } from './imports.js'
import { importRootOf } from './roots.js'
import { bindModule, Env, lookup, type Binding, type ModuleBindings } from './bindings.js'
import type { Lit } from './literal-eval.js'
import type { ClassInfo, DecoratorInfo, FunctionInfo, ModuleInfo } from './scan.js'
import { ModuleScans } from './scans.js'
import type { DiscoveryIssue } from './discover.js'

export interface Facts {
  file: string
  info: ModuleInfo
  /** Names at each class and function statement, and once the module has run. */
  names: ModuleBindings<Facts>
}

type ClassRef = { kind: 'configured' } | { kind: 'class'; facts: Facts; cls: ClassInfo }

/** The decorators discovery reads, by their name in calabaria. */
const DECORATORS = ['model_output', 'calibration_target']

export class Resolver {
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
