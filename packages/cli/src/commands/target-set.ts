import { deleteTargetSet, setTargetSet, updateRegistry } from '@modelops-bundle/core'
import { parseWeight } from '@modelops-bundle/core/internal'
import { defineCommand } from 'citty'
import { defineCli } from '../argv.js'
import { table } from '../output.js'
import { currentWorkspace } from '../project.js'

const list = defineCli({
  name: 'target-set list',
  description: 'List the target sets',
  args: { json: { type: 'boolean', description: 'Print the sets as JSON' } },
  run({ out }) {
    const registry = currentWorkspace(out).registry()
    const names = Object.keys(registry.target_sets).sort()
    if (out.json) return out.result(Object.fromEntries(names.map((n) => [n, registry.target_sets[n]])))
    if (names.length === 0) {
      out.line("No target sets defined. Use 'mops-bundle target-set set <name>' to create one.")
      return
    }
    const rows = names.map((n) => {
      const set = registry.target_sets[n]!
      const weights = Object.entries(set.weights).map(([id, w]) => `${id}=${w}`)
      return [n, set.targets.join(', ') || '-', weights.join(', ') || '-']
    })
    out.line(out.c.bold(`Target sets (${names.length})`))
    out.line(table(['Name', 'Targets', 'Weights'], rows, { indent: '  ' }))
  },
})

const set = defineCli({
  name: 'target-set set',
  description: 'Create or replace a target set (default: every registered target)',
  args: {
    name: { type: 'positional', required: true, description: 'Set name' },
    target: { type: 'string', alias: 't', description: 'Target id to include (repeatable)' },
    weight: { type: 'string', alias: 'w', description: 'ID=VALUE weight of a member (repeatable)' },
    json: { type: 'boolean', description: 'Print the set as JSON' },
  },
  async run({ args, out, all }) {
    const weights = Object.fromEntries(all('weight').map(parseWeight))
    const { project } = currentWorkspace(out)
    const set = await updateRegistry(project, (registry) => setTargetSet(registry, args.name, all('target'), weights))
    if (out.json) return out.result({ name: args.name, ...set })
    out.success(`Target set '${args.name}' now includes: ${set.targets.join(', ')}`)
  },
})

const del = defineCli({
  name: 'target-set delete',
  description: 'Delete a target set',
  args: { name: { type: 'positional', required: true, description: 'Set name' } },
  async run({ args, out }) {
    const { project } = currentWorkspace(out)
    await updateRegistry(project, (registry) => deleteTargetSet(registry, args.name))
    out.success(`Deleted target set '${args.name}'`)
  },
})

export default defineCommand({
  meta: { name: 'target-set', description: 'Named groups of targets with weights: list | set | delete' },
  subCommands: { list, set, delete: del },
})
