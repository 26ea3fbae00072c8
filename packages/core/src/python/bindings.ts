// Python's module-level name binding, run statically: which definitions of a name can reach each class and
// function statement, and the module's names once it has run (what other modules import). Imports, classes,
// functions and assignments take effect at their position, later ones replace earlier ones; where only one
// branch runs (if/elif/else, try/except, loops, match) every definition that may reach is kept.
import type { ClassInfo, FunctionInfo, Step } from './scan.js'

/** What a name may stand for. `F`: the facts of the module a class belongs to (its bases resolve there). */
export type Binding<F> =
  /** A fully qualified dotted name: a module (`modelops_calabaria`) or a name in one (`pkg.mod.Cls`). */
  | { kind: 'ref'; q: string }
  | { kind: 'class'; facts: F; cls: ClassInfo }
  | { kind: 'function'; fn: FunctionInfo }
  /** A literal list of names (`__all__`). */
  | { kind: 'names'; names: string[] }
  | { kind: 'opaque' }

/**
 * Name → every binding that may reach; a name that is absent is unbound. Layers share what they do not change
 * (one layer per class or function statement), so recording the names at every statement stays linear.
 */
export class Env<F> {
  private readonly own = new Map<string, readonly Binding<F>[]>()
  /** Lookups through the parents, kept once this layer is frozen (it cannot change any more). */
  private readonly memo = new Map<string, readonly Binding<F>[] | undefined>()
  private frozen = false

  constructor(readonly parent: Env<F> | null = null) {}

  static of<F>(entries: Iterable<[string, readonly Binding<F>[]]>): Env<F> {
    const env = new Env<F>()
    for (const [name, bs] of entries) env.own.set(name, bs)
    return env.freeze()
  }

  get(name: string): readonly Binding<F>[] | undefined {
    // Iterative: the chain is as long as the file has statements.
    const path: Env<F>[] = []
    let value: readonly Binding<F>[] | undefined
    for (let e: Env<F> | null = this; e; e = e.parent) {
      if (e.own.has(name)) { value = e.own.get(name); break }
      if (e.memo.has(name)) { value = e.memo.get(name); break }
      path.push(e)
    }
    for (const e of path) if (e.frozen) e.memo.set(name, value)
    return value
  }

  has(name: string): boolean {
    return this.get(name) !== undefined
  }

  /** Every bound name with its bindings. */
  entries(): [string, readonly Binding<F>[]][] {
    const seen = new Set<string>()
    const out: [string, readonly Binding<F>[]][] = []
    for (let e: Env<F> | null = this; e; e = e.parent) {
      for (const [name, bs] of e.own) {
        if (seen.has(name)) continue
        seen.add(name)
        out.push([name, bs])
      }
    }
    return out
  }

  set(name: string, bs: readonly Binding<F>[]): void {
    if (this.frozen) throw new Error('Env: frozen')
    this.own.set(name, bs)
  }

  freeze(): this {
    this.frozen = true
    return this
  }

  /** Names set in this layer and its parents up to (not including) `base`. */
  namesSince(base: Env<F>): Set<string> {
    const out = new Set<string>()
    for (let e: Env<F> | null = this; e && e !== base; e = e.parent) for (const name of e.own.keys()) out.add(name)
    return out
  }
}

export interface BindingHooks<F> {
  facts: F
  /** Absolute module of an import's module spec (relative ones against the file's package); null if invalid. */
  absolute(spec: string): string | null
  /** The names `from <module> import *` binds (those we can know). */
  star(module: string): Promise<ReadonlyMap<string, readonly Binding<F>[]>>
}

export interface ModuleBindings<F> {
  /** The names each class and function statement runs with (its bases and decorators resolve there). */
  at: Map<ClassInfo | FunctionInfo, Env<F>>
  /** Module names once the module has run. */
  final: Env<F>
}

const OPAQUE = [{ kind: 'opaque' }] as const

/** Bindings of dotted name `name` in `env`: `a.b.C` through the bindings of `a`. */
export function lookup<F>(env: Env<F>, name: string): Binding<F>[] {
  const dot = name.indexOf('.')
  const head = dot < 0 ? name : name.slice(0, dot)
  const tail = dot < 0 ? '' : name.slice(dot)
  return (env.get(head) ?? []).map((b): Binding<F> => {
    if (!tail) return b
    // An attribute of a module or of a name in one is still a dotted name; of a local class or function, unknown.
    return b.kind === 'ref' ? { kind: 'ref', q: b.q + tail } : { kind: 'opaque' }
  })
}

function same<F>(a: Binding<F>, b: Binding<F>): boolean {
  if (a.kind !== b.kind) return false
  if (a.kind === 'ref') return a.q === (b as typeof a).q
  if (a.kind === 'class') return a.cls === (b as typeof a).cls
  if (a.kind === 'function') return a.fn === (b as typeof a).fn
  if (a.kind === 'names') return a.names.join('\0') === (b as typeof a).names.join('\0')
  return true
}

/** After a branch: each name any arm set may have any arm's value (or the value before, when no arm may run). */
function merge<F>(base: Env<F>, arms: Env<F>[], optional: boolean): Env<F> {
  const out = new Env<F>(base)
  const names = new Set<string>()
  for (const arm of arms) for (const n of arm.namesSince(base)) names.add(n)
  for (const name of names) {
    const merged: Binding<F>[] = []
    for (const env of optional ? [...arms, base] : arms) {
      for (const b of env.get(name) ?? []) if (!merged.some((m) => same(m, b))) merged.push(b)
    }
    // Unbound on every path that reaches here: leave it unbound (a NameError at run time).
    if (merged.length) out.set(name, merged)
  }
  return out
}

/** Run a module's flow (see scan.ts `Step`) and record the names at each class and function statement. */
export async function bindModule<F>(flow: Step[], hooks: BindingHooks<F>): Promise<ModuleBindings<F>> {
  const at = new Map<ClassInfo | FunctionInfo, Env<F>>()
  const run = async (steps: Step[], start: Env<F>): Promise<Env<F>> => {
    let env = start
    for (const step of steps) {
      switch (step.kind) {
        case 'bind': {
          const v = step.value
          let bs: readonly Binding<F>[]
          if (v.kind === 'module') bs = [{ kind: 'ref', q: v.module }]
          else if (v.kind === 'from') {
            const m = hooks.absolute(v.module)
            bs = m === null ? OPAQUE : [{ kind: 'ref', q: m ? `${m}.${v.name}` : v.name }]
          } else if (v.kind === 'alias') {
            const found = lookup(env, v.dotted)
            bs = found.length ? found : OPAQUE
          } else if (v.kind === 'names') bs = [{ kind: 'names', names: v.names }]
          else bs = OPAQUE
          env.set(step.name, bs)
          break
        }
        case 'star': {
          const m = hooks.absolute(step.module)
          if (m !== null) for (const [name, bs] of await hooks.star(m)) env.set(name, bs)
          break
        }
        case 'class':
        case 'function': {
          const def = step.kind === 'class' ? step.cls : step.fn
          at.set(def, env.freeze())
          env = new Env(env)
          env.set(def.name, step.kind === 'class' ? [{ kind: 'class', facts: hooks.facts, cls: step.cls }] : [{ kind: 'function', fn: step.fn }])
          break
        }
        case 'branch': {
          const base = env.freeze()
          const arms: Env<F>[] = []
          for (const arm of step.arms) arms.push((await run(arm, new Env(base))).freeze())
          env = merge(base, arms, step.optional)
          break
        }
      }
    }
    return env
  }
  // Flattened: every name of the module is looked up in it (isFinal), and each walk down the layers would be long.
  const final = Env.of((await run(flow, new Env<F>())).entries())
  return { at, final }
}
