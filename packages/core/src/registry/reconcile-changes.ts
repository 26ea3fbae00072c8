// The `+ ~ -` side of reconciliation: replacing the entries of the scanned files in a registry table, and what
// changed (ids added, removed and why, digests and dependency lists updated) in the order the CLI prints it.
import { ModelopsError, type Warning } from '../errors.js'
import { compareCodePoints } from '../digest/canonical.js'
import { ID_HINT, idProblem } from '../project/names.js'
import { sameList, type ModelEntry, type TargetEntry } from './types.js'

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

export interface FilePlan<E> {
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
 * Replace the entries of every planned file in `table` (in place, keeping the YAML slot of ids that stay) and
 * return the changes. Collisions with an id of a file that is not being rescanned are errors naming both files.
 */
export function apply<E extends { path: string; entrypoint: string }>(
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

export function modelFields(a: ModelEntry, b: ModelEntry): Record<string, string[]> {
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

export function targetFields(a: TargetEntry, b: TargetEntry): Record<string, string[]> {
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

export function report(kind: 'models' | 'targets', files: string[], changes: RegistryChange[], warnings: Warning[]): ReconcileReport {
  const count = (op: ChangeOp) => changes.filter((c) => c.op === op).length
  const seen = new Set<string>()
  const unique = warnings.filter((w) => {
    const key = `${w.file}:${w.line}:${w.message}`
    return seen.has(key) ? false : (seen.add(key), true)
  })
  return { kind, files, changes, added: count('added'), updated: count('updated'), removed: count('removed'), warnings: unique }
}

export function collision(what: string, id: string, path: string, line: number | undefined, other: string): ModelopsError {
  return new ModelopsError('ID_COLLISION', `${what} id '${id}' is already registered from ${other}`, {
    file: path,
    line,
    hint:
      what === 'model'
        ? `ids are <file stem>_<class>: rename the class or file, register it with --id, or drop the entry of ${other} first`
        : `target ids are the function name or name=...: give one of them another name=... in its @calibration_target`,
  })
}
