import { modelOutputs } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'
import { shortDigest, table, usageError, type Output } from '../output.js'
import { currentWorkspace } from '../project.js'

const count = (n: number) => (n === 0 ? '-' : String(n))

/**
 * `--model-label/--target-label k=v`, as the Python tool's `list` filters: an entry matches when its `labels[k]`
 * is `v`. The R2 schema has no labels (the Python tool drops them on load), so no entry of either tool ever has one
 * and a filter matches nothing; said on stderr so an empty table is not mistaken for an empty registry.
 */
function labelFilter(out: Output, flag: string, value: string | undefined): ((e: object) => boolean) | null {
  if (value === undefined) return null
  const eq = value.indexOf('=')
  if (eq <= 0) throw usageError(`${flag} must be KEY=VALUE, got ${JSON.stringify(value)}`, `e.g. 'mops-bundle list ${flag} team=epi'`)
  const [key, want] = [value.slice(0, eq), value.slice(eq + 1)]
  out.warn(`${flag} ${value}: registry entries have no labels (the R2 schema has none, as in the Python tool), so nothing matches`)
  return (e) => {
    const labels = (e as { labels?: unknown }).labels
    return typeof labels === 'object' && labels !== null && Object.prototype.hasOwnProperty.call(labels, key) && (labels as Record<string, unknown>)[key] === want
  }
}

function keep<E extends object>(table: Record<string, E>, match: ((e: E) => boolean) | null): Record<string, E> {
  if (!match) return table
  const out = Object.create(null) as Record<string, E>
  for (const [id, e] of Object.entries(table)) if (match(e)) out[id] = e
  return out
}

export default defineCli({
  name: 'list',
  description: 'Show the registered models, targets and target sets (alias: show-registry)',
  args: {
    'model-label': { type: 'string', description: 'Only models whose labels have KEY=VALUE (as the Python tool; R2 entries have no labels, so none match)' },
    'target-label': { type: 'string', description: 'Only targets whose labels have KEY=VALUE (as --model-label)' },
    json: { type: 'boolean', description: 'Print the registry as JSON' },
  },
  run({ args, out }) {
    const modelMatch = labelFilter(out, '--model-label', args['model-label'] as string | undefined)
    const targetMatch = labelFilter(out, '--target-label', args['target-label'] as string | undefined)
    const full = currentWorkspace(out).registry()
    // registry.yaml's content (the semantic map of digests.json is status's business), with each model's outputs
    // as a build sees them: inherited ones included (registry.yaml holds the class body's, as the Python tool does).
    const { semantic: _semantic, all_outputs: _allOutputs, ...rest } = full
    const shown = Object.create(null) as typeof rest.models
    for (const [id, m] of Object.entries(keep(rest.models, modelMatch))) shown[id] = { ...m, outputs: modelOutputs(full, id) }
    const plain = { ...rest, models: shown, targets: keep(rest.targets, targetMatch) }
    const registry = plain
    if (out.json) return out.result(plain)
    const { c } = out
    const models = Object.keys(registry.models).sort()
    out.line(c.bold(`Registered models (${models.length})`))
    if (models.length === 0) out.line('  (no models)')
    else {
      const rows = models.map((id) => {
        const m = registry.models[id]!
        return [id, m.entrypoint, m.outputs.join(', ') || '-', count(m.data.length), count(m.code.length), shortDigest(m.model_digest)]
      })
      out.line(table(['Model', 'Entrypoint', 'Outputs', 'Data', 'Code', 'Digest'], rows, { indent: '  ' }))
    }
    const sets = Object.keys(registry.target_sets).sort()
    if (sets.length > 0) {
      out.line()
      out.line(c.bold(`Target sets (${sets.length})`))
      const rows = sets.map((n) => {
        const s = registry.target_sets[n]!
        return [n, s.targets.join(', ') || '-', Object.entries(s.weights).map(([k, v]) => `${k}=${v}`).join(', ') || '-']
      })
      out.line(table(['Set', 'Targets', 'Weights'], rows, { indent: '  ' }))
    }
    const targets = Object.keys(registry.targets).sort()
    out.line()
    out.line(c.bold(`Registered targets (${targets.length})`))
    if (targets.length === 0) out.line('  (no targets)')
    else {
      const rows = targets.map((id) => {
        const t = registry.targets[id]!
        return [id, t.entrypoint, t.model_output, count(t.data.length), shortDigest(t.target_digest)]
      })
      out.line(table(['Target', 'Entrypoint', 'Model output', 'Data', 'Digest'], rows, { indent: '  ' }))
    }
  },
})
