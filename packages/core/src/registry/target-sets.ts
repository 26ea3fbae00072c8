// unknown members, weights of non-members and malformed weights are refused instead of dropped.
import { ModelopsError } from '../errors.js'
import { idTable } from '../project/names.js'
import type { Registry, TargetSet } from './types.js'

/** `ID=NUMBER` → [id, number]; a USAGE error (exit 2) otherwise. */
export function parseWeight(raw: string): [string, number] {
  const eq = raw.indexOf('=')
  const id = eq < 0 ? '' : raw.slice(0, eq).trim()
  const text = eq < 0 ? '' : raw.slice(eq + 1).trim()
  const value = Number(text)
  if (id === '' || text === '' || !Number.isFinite(value)) {
    throw new ModelopsError('USAGE', `malformed weight '${raw}'`, { hint: 'weights are ID=NUMBER, e.g. -w incidence_target=2.5' })
  }
  return [id, value]
}

/**
 * Create or replace the set `name` with `targets` (default: every registered target, in registry order;
 * duplicates dropped, first kept) and `weights` (members only). Mutates `registry`; returns the new set.
 * @throws ModelopsError USAGE for unknown targets, weights of targets not in the set, or a registry without targets.
 */
export function setTargetSet(registry: Registry, name: string, targets: string[] | undefined, weights: Record<string, number> = {}): TargetSet {
  const ids = [...new Set(targets && targets.length > 0 ? targets : Object.keys(registry.targets))]
  if (ids.length === 0) {
    throw new ModelopsError('USAGE', 'no targets to include: the registry has none', { exitCode: 1, hint: 'register targets first: mops-bundle register-target <file>' })
  }
  // Own keys only: a registry made by an API caller may be a plain object, where `toString` is `in` every table.
  const unknown = ids.filter((id) => !Object.hasOwn(registry.targets, id))
  if (unknown.length > 0) {
    throw new ModelopsError('USAGE', `target set '${name}' references unknown targets: ${unknown.join(', ')}`, {
      exitCode: 1,
      hint: `registered targets: ${Object.keys(registry.targets).sort().join(', ') || 'none'}`,
    })
  }
  const stray = Object.keys(weights).filter((id) => !ids.includes(id))
  if (stray.length > 0) {
    throw new ModelopsError('USAGE', `weights given for targets not in set '${name}': ${stray.join(', ')}`, { exitCode: 1, hint: 'add them with -t ID, or drop their -w' })
  }
  const set: TargetSet = { targets: ids, weights: idTable(Object.entries(weights)) }
  registry.target_sets[name] = set
  return set
}

/**
 * Delete the set `name`; an error naming the existing sets when there is none of that name.
 * @throws ModelopsError USAGE (exit code 1) when there is no set `name`.
 */
export function deleteTargetSet(registry: Registry, name: string): void {
  if (!Object.hasOwn(registry.target_sets, name)) {
    const names = Object.keys(registry.target_sets).sort()
    throw new ModelopsError('USAGE', `target set '${name}' not found`, { exitCode: 1, hint: names.length > 0 ? `existing sets: ${names.join(', ')}` : 'there are no target sets' })
  }
  delete registry.target_sets[name]
}

/** Remove `id` from every target set (members and weights); returns the names of the sets it was in. */
export function removeFromTargetSets(registry: Registry, id: string): string[] {
  const touched: string[] = []
  for (const [name, set] of Object.entries(registry.target_sets)) {
    if (!set.targets.includes(id) && !Object.hasOwn(set.weights, id)) continue
    set.targets = set.targets.filter((t) => t !== id)
    delete set.weights[id]
    touched.push(name)
  }
  return touched
}
