import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { discoverFile, findProject, isModelopsError, ModelopsError, ModuleScans, type DiscoveryResult, type Project } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'
import { EXIT, reportError, usageError } from '../output.js'

/** The fixed JSON shape of `discover --json` (issue 3). */
function discoverJson(path: string, r: DiscoveryResult) {
  return {
    path,
    models: r.models.map((m) => ({ name: m.name, line: m.line, bases: m.bases, outputs: m.outputs, entrypoint: m.entrypoint })),
    targets: r.targets.map((t) => ({ name: t.name, line: t.line, model_output: t.model_output, data: t.data, entrypoint: t.entrypoint })),
    errors: r.errors,
  }
}

function projectOf(file: string): Project | null {
  try {
    return findProject(dirname(resolve(file)))
  } catch (err) {
    if (isModelopsError(err) && err.code === 'NOT_A_PROJECT') return null
    throw err
  }
}

export default defineCli({
  name: 'discover',
  description: 'Models (with outputs) and calibration targets found in Python files, by reading their AST',
  args: {
    files: { type: 'positional', required: false, description: 'Python files (one or more)' },
    json: { type: 'boolean', description: 'Print one {path, models, targets, errors} object per file as JSON' },
  },
  variadic: true,
  async run({ out, rest, debug }) {
    const files = rest()
    if (files.length === 0) throw usageError('no files given', 'usage: mops-bundle discover [--json] FILE...')
    let failed = false
    const results: ReturnType<typeof discoverJson>[] = []
    // Parsed ahead on the parse pool when the files are big enough together; read back in order below.
    const scans = ModuleScans.for(files.filter((f) => existsSync(f)).map((f) => resolve(f)))
    for (const file of files) {
      try {
        if (!existsSync(file)) throw new ModelopsError('FILE_NOT_FOUND', 'file not found', { file })
        const project = projectOf(file)
        const found = await discoverFile(resolve(file), { root: project?.root ?? null, baseClasses: project?.config.base_classes, codeRoots: project?.config.code_roots, scans })
        results.push(discoverJson(file, found))
      } catch (err) {
        failed = true
        reportError(err, { debug })
      }
    }
    if (out.json) out.result(results)
    else {
      const { c } = out
      for (const r of results) {
        out.line(c.bold(r.path))
        for (const m of r.models) {
          out.line(`  model   ${c.cyan(m.name)}  line ${m.line}  ${m.entrypoint ?? '-'}`)
          out.line(`          bases: ${m.bases.join(', ') || '-'}; outputs: ${m.outputs.join(', ') || '-'}`)
        }
        for (const t of r.targets) {
          const data = Object.entries(t.data).map(([k, v]) => `${k}=${v}`).join(', ')
          out.line(`  target  ${c.cyan(t.name)}  line ${t.line}  ${t.entrypoint ?? '-'}`)
          out.line(`          model_output: ${t.model_output}; data: ${data || '-'}`)
        }
        for (const e of r.errors) out.line(`  ${c.red('error')}   line ${e.line}: ${e.message}`)
        if (r.models.length + r.targets.length + r.errors.length === 0) out.line(c.dim('  (no models or targets)'))
      }
    }
    return failed ? EXIT.FAIL : EXIT.OK
  },
})
