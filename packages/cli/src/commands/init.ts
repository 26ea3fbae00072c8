import { relative, resolve } from 'node:path'
import { initProject } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'

export default defineCli({
  name: 'init',
  description: 'Create .modelops-bundle/ with an empty registry and a commented config.yaml (idempotent)',
  args: {
    dir: { type: 'positional', required: false, default: '.', description: 'Project folder' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  async run({ args, out }) {
    const { project, created } = await initProject(resolve(args.dir))
    const shown = created.map((f) => relative(process.cwd(), resolve(project.root, f)) || '.')
    if (out.json) return out.result({ root: project.root, created: shown })
    if (created.length === 0) {
      out.success(`Already a modelops-bundle project: ${project.root}`)
      return
    }
    out.success(`Initialised a modelops-bundle project in ${project.root}`)
    for (const f of shown) out.line(`  created ${f}`)
    out.line()
    out.line('Next: mops-bundle register-model <package>/<file>.py   (or mops-bundle sample-create <dir> for a sample)')
  },
})
