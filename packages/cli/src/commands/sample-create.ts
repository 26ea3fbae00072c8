import { relative } from 'node:path'
import { createSample } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'

export default defineCli({
  name: 'sample-create',
  description: 'Write a runnable sample project (three SIR models, two targets, data, a stdlib-only runner)',
  args: {
    dir: { type: 'positional', required: true, description: 'New or empty folder' },
    name: { type: 'string', description: 'Project name (default: the folder name)' },
    json: { type: 'boolean', description: 'Print {root, files} as JSON' },
  },
  async run({ args, out }) {
    const name = args.name as string | undefined
    const { root, files } = await createSample(args.dir, { name: name || undefined })
    if (out.json) return out.result({ root, files })
    out.success(`Sample project created at ${root} (${files.length} files)`)
    const cd = relative(process.cwd(), root) || '.'
    out.line()
    out.line('Next:')
    out.line(`  cd ${cd}`)
    out.line('  mops-bundle register-model models/sir.py')
    out.line('  mops-bundle register-target targets/epi.py')
    out.line('  mops-bundle status')
    out.line('  python3 -m modelops_runner models.sir:StochasticSIR --out output/stochastic')
  },
})
