import { loadRegistry, ModelopsError, updateRegistry } from '@modelops-bundle/core'
import { defineCommand } from 'citty'
import { defineCli } from '../argv.js'
import { table, usageError } from '../output.js'
import { currentProject } from '../project.js'

const list = defineCli({
  name: 'target-set list',
  description: 'List the target sets',
  args: { json: { type: 'boolean', description: 'Print the sets as JSON' } },
  run({ out }) {
    const registry = loadRegistry(currentProject(out))
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
    const weights: Record<string, number> = {}
    for (const raw of all('weight')) {
      const eq = raw.indexOf('=')
      const id = eq < 0 ? '' : raw.slice(0, eq).trim()
      const value = eq < 0 ? NaN : Number(raw.slice(eq + 1).trim())
      if (eq < 0 || id === '' || raw.slice(eq + 1).trim() === '' || !Number.isFinite(value)) {
        throw usageError(`malformed weight '${raw}'`, 'weights are ID=NUMBER, e.g. -w incidence_target=2.5')
      }
      weights[id] = value
    }
    const requested = all('target')
    const project = currentProject(out)
    const result = await updateRegistry(project, (registry) => {
      const ids = [...new Set(requested.length > 0 ? requested : Object.keys(registry.targets))]
      if (ids.length === 0) {
        throw new ModelopsError('USAGE', 'no targets to include: the registry has none', { exitCode: 1, hint: 'register targets first: mops-bundle register-target <file>' })
      }
      const unknown = ids.filter((id) => !(id in registry.targets))
      if (unknown.length > 0) {
        throw new ModelopsError('USAGE', `target set '${args.name}' references unknown targets: ${unknown.join(', ')}`, {
          exitCode: 1,
          hint: `registered targets: ${Object.keys(registry.targets).sort().join(', ') || 'none'}`,
        })
      }
      const stray = Object.keys(weights).filter((id) => !ids.includes(id))
      if (stray.length > 0) {
        throw new ModelopsError('USAGE', `weights given for targets not in the set: ${stray.join(', ')}`, { exitCode: 1, hint: 'add them with -t ID, or drop their -w' })
      }
      registry.target_sets[args.name] = { targets: ids, weights }
      return { name: args.name, targets: ids, weights }
    })
    if (out.json) return out.result(result)
    out.success(`Target set '${result.name}' now includes: ${result.targets.join(', ')}`)
  },
})

const del = defineCli({
  name: 'target-set delete',
  description: 'Delete a target set',
  args: { name: { type: 'positional', required: true, description: 'Set name' } },
  async run({ args, out }) {
    const project = currentProject(out)
    await updateRegistry(project, (registry) => {
      if (!(args.name in registry.target_sets)) {
        const names = Object.keys(registry.target_sets).sort()
        throw new ModelopsError('USAGE', `target set '${args.name}' not found`, { exitCode: 1, hint: names.length > 0 ? `existing sets: ${names.join(', ')}` : 'there are no target sets' })
      }
      delete registry.target_sets[args.name]
    })
    out.success(`Deleted target set '${args.name}'`)
  },
})

export default defineCommand({
  meta: { name: 'target-set', description: 'Named groups of targets with weights: list | set | delete' },
  subCommands: { list, set, delete: del },
})
