import { reconcileModels, resolveProjectPath } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'
import { printReconcile } from '../changes.js'
import { usageError } from '../output.js'
import { currentWorkspace } from '../project.js'
import { progressLine } from '../progress.js'

export default defineCli({
  name: 'register-model',
  description: 'Discover the model classes of a Python file and reconcile the registry with them',
  args: {
    path: { type: 'positional', required: false, description: 'Model file (optional with --regen-all)' },
    class: { type: 'string', alias: 'c', description: 'Register only this class (repeatable; must exist in the file)' },
    exclude: { type: 'string', alias: 'e', description: 'Leave this class out, and drop it if registered (repeatable)' },
    data: { type: 'string', alias: 'd', description: 'Data dependency, file or folder (repeatable; replaces the recorded list)' },
    code: { type: 'string', description: 'Extra code dependency, file or folder (repeatable)' },
    'auto-code': { type: 'boolean', description: 'Record the project files the model imports as code (default: auto_code in config.yaml)' },
    'code-mode': { type: 'string', description: "How imports become code (with auto code): 'files', each project module reached, transitively; 'package', every .py of each top-level project package imported and of the model's own (default: import_mode in config.yaml, else files)" },
    id: { type: 'string', description: 'Registry id, when exactly one class is registered' },
    'regen-all': { type: 'boolean', description: 'Also rescan every model file already registered' },
    json: { type: 'boolean', description: 'Print the changes as JSON' },
  },
  async run({ args, out, all }) {
    if (!args.path && !args['regen-all']) throw usageError('missing PATH', "name a model file, e.g. 'mops-bundle register-model models/sir.py', or pass --regen-all")
    const ws = currentWorkspace(out)
    const { project } = ws
    const classes = all('class')
    const data = all('data')
    const code = all('code')
    const id = args.id as string | undefined
    const codeMode = args['code-mode'] as string | undefined
    if (codeMode !== undefined && codeMode !== 'files' && codeMode !== 'package') {
      throw usageError(`--code-mode must be 'files' or 'package', got ${JSON.stringify(codeMode)}`, "e.g. 'mops-bundle register-model models/sir.py --code-mode package'")
    }
    const report = await reconcileModels(ws, args.path ? resolveProjectPath(project, args.path) : null, {
      classes: classes.length > 0 ? classes : undefined,
      exclude: all('exclude'),
      data: data.length > 0 ? data.map((p) => resolveProjectPath(project, p)) : undefined,
      code: code.length > 0 ? code.map((p) => resolveProjectPath(project, p)) : undefined,
      autoCode: args['auto-code'] as boolean | undefined,
      codeMode,
      id: id === undefined || id === '' ? undefined : id,
      regenAll: Boolean(args['regen-all']),
      compute: { onProgress: progressLine(out) },
    })
    printReconcile(out, report)
  },
})
