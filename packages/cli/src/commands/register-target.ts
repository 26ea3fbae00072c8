import { reconcileTargets, resolveProjectPath } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'
import { printReconcile } from '../changes.js'
import { usageError } from '../output.js'
import { currentWorkspace } from '../project.js'
import { progressLine } from '../progress.js'

export default defineCli({
  name: 'register-target',
  description: 'Discover the @calibration_target functions of a Python file and reconcile the registry with them',
  args: {
    path: { type: 'positional', required: false, description: 'Target file (optional with --regen-all)' },
    target: { type: 'string', alias: 't', description: 'Register only this target, by function name or id (repeatable; must exist)' },
    exclude: { type: 'string', alias: 'e', description: 'Leave this target out, and drop it if registered (repeatable)' },
    'regen-all': { type: 'boolean', description: 'Also rescan every target file already registered' },
    json: { type: 'boolean', description: 'Print the changes as JSON' },
  },
  async run({ args, out, all }) {
    if (!args.path && !args['regen-all']) throw usageError('missing PATH', "name a target file, e.g. 'mops-bundle register-target targets/epi.py', or pass --regen-all")
    const ws = currentWorkspace(out)
    const { project } = ws
    const targets = all('target')
    const report = await reconcileTargets(ws, args.path ? resolveProjectPath(project, args.path) : null, {
      targets: targets.length > 0 ? targets : undefined,
      exclude: all('exclude'),
      regenAll: Boolean(args['regen-all']),
      compute: { onProgress: progressLine(out) },
    })
    printReconcile(out, report)
  },
})
