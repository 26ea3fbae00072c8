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
  | { kind: 'opaque' }

/** Name → every binding that may reach; a name that is absent is unbound. Never mutated once handed out. */
export type Env<F> = ReadonlyMap<string, readonly Binding<F>[]>

export interface BindingHooks<F> {
  facts: F
  /** Absolute module of an import's module spec (relative ones against the file's package); null if invalid. */
  absolute(spec: string): string | null
  /** The names `from <module> import *` binds (those we can know). */
  star(module: string): Promise<Env<F>>
}

export interface ModuleBindings<F> {
  /** The environment each class statement runs in (its bases and decorators resolve there). */
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

function union<F>(envs: Env<F>[]): Map<string, readonly Binding<F>[]> {
  const out = new Map<string, readonly Binding<F>[]>()
  for (const env of envs) {
    for (const [name, bs] of env) {
      const prev = out.get(name)
      if (!prev) { out.set(name, bs); continue }
      const merged = [...prev]
      for (const b of bs) if (!merged.some((m) => same(m, b))) merged.push(b)
      out.set(name, merged)
    }
  }
  return out
}

function same<F>(a: Binding<F>, b: Binding<F>): boolean {
  if (a.kind !== b.kind) return false
  if (a.kind === 'ref') return a.q === (b as typeof a).q
  if (a.kind === 'class') return a.cls === (b as typeof a).cls
  if (a.kind === 'function') return a.fn === (b as typeof a).fn
  return true
}

/** Run a module's flow (see scan.ts `Step`) and record the environment at each class and function statement. */
export async function bindModule<F>(flow: Step[], hooks: BindingHooks<F>): Promise<ModuleBindings<F>> {
  const at = new Map<ClassInfo | FunctionInfo, Env<F>>()
  const run = async (steps: Step[], env: Map<string, readonly Binding<F>[]>): Promise<Map<string, readonly Binding<F>[]>> => {
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
          } else bs = OPAQUE
          env.set(step.name, bs)
          break
        }
        case 'star':
          {
            const m = hooks.absolute(step.module)
            if (m !== null) for (const [name, bs] of await hooks.star(m)) env.set(name, bs)
          }
          break
        case 'class':
          at.set(step.cls, new Map(env))
          env.set(step.cls.name, [{ kind: 'class', facts: hooks.facts, cls: step.cls }])
          break
        case 'function':
          at.set(step.fn, new Map(env))
          env.set(step.fn.name, [{ kind: 'function', fn: step.fn }])
          break
        case 'branch': {
          const outs: Env<F>[] = []
          for (const arm of step.arms) outs.push(await run(arm, new Map(env)))
          if (step.optional) outs.push(env)
          env = union(outs)
          break
        }
      }
    }
    return env
  }
  const final = await run(flow, new Map())
  return { at, final }
}
