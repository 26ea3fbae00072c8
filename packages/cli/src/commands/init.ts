import { relative, resolve } from 'node:path'
import { initProject } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'

export default defineCli({
  name: 'init',
  description: 'Create .modelops-bundle/ with an empty registry and a commented config.yaml (idempotent)',
  args: {
    dir: { type: 'positional', required: false, default: '.', description: 'Project folder' },
    'registry-ref': { type: 'string', description: "registry_ref in config.yaml, the OCI repository the Python modelops-bundle pushes to (default: made like its init: <registry.login_server of ~/.modelops/bundle-env/ENV.yaml, else localhost:5555>/<folder name>)" },
    env: { type: 'string', default: 'dev', description: 'Bundle environment the default registry_ref comes from' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  async run({ args, out }) {
    const registryRef = args['registry-ref'] as string | undefined
    const { project, created, registryRef: written, registryRefSource, missingRegistryRef } = await initProject(resolve(args.dir), { registryRef, env: args.env as string })
    const shown = created.map((f) => relative(process.cwd(), resolve(project.root, f)) || '.')
    if (out.json) return out.result({ root: project.root, created: shown, registry_ref: written })
    const refLine = () => {
      if (written === null) return
      const from = registryRefSource === 'option' ? '' : registryRefSource ? ` (from ${registryRefSource})` : ` (no ~/.modelops/bundle-env/${args.env}.yaml: the Python tool's local default; change it with --registry-ref)`
      out.line(`  registry_ref: ${written}${from}`)
    }
    if (created.length === 0) {
      out.success(`Already a modelops-bundle project: ${project.root}`)
      refLine()
      if (missingRegistryRef) out.warn(".modelops-bundle/config.yaml has no registry_ref, which the Python modelops-bundle requires: add it with 'mops-bundle init --registry-ref <registry>/<name>'")
      return
    }
    out.success(`Initialised a modelops-bundle project in ${project.root}`)
    for (const f of shown) out.line(`  created ${f}`)
    refLine()
    out.line()
    out.line('Next: mops-bundle register-model <package>/<file>.py   (or mops-bundle sample-create <dir> for a sample)')
  },
})
