import { defineCli } from '../argv.js'
import { shortDigest, table } from '../output.js'
import { currentWorkspace } from '../project.js'

const count = (n: number) => (n === 0 ? '-' : String(n))

export default defineCli({
  name: 'list',
  description: 'Show the registered models, targets and target sets (alias: show-registry)',
  args: { json: { type: 'boolean', description: 'Print the registry as JSON' } },
  run({ out }) {
    const registry = currentWorkspace(out).registry()
    // registry.yaml's content only: the semantic map of digests.json is status's business.
    const { semantic: _semantic, ...plain } = registry
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
