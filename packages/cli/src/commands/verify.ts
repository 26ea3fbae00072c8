import { computeDigests, computeStatus, formatStatus, loadRegistry, statusJson, strictProblems } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'
import { colorEnabled, EXIT, reportError } from '../output.js'
import { currentProject } from '../project.js'

export default defineCli({
  name: 'verify',
  description: 'For CI: exit 0 when every recorded digest matches the files, 1 when any is stale (or the registry is invalid), 2 on usage or internal errors',
  args: {
    strict: { type: 'boolean', description: 'Also fail (exit 1) on files no digest covers: untracked target data, R1 token hashes' },
    json: { type: 'boolean', description: 'Print the status as JSON' },
  },
  async run({ args, out, debug }) {
    try {
      const project = currentProject(out)
      const registry = loadRegistry(project)
      const report = await computeDigests(project, registry)
      out.warnAll(report.warnings)
      const status = computeStatus(registry, report)
      const strict = args.strict ? strictProblems(status) : []
      const ok = status.fresh && strict.length === 0
      if (out.json) out.result({ ...statusJson(status, report), ...(args.strict ? { strict: strict.map((c) => ({ kind: c.kind, path: c.path, change: c.change })) } : {}) })
      else if (status.fresh && strict.length > 0) {
        out.line(formatStatus(status, { color: colorEnabled(process.stdout), registry }))
        out.line(`✗ --strict: ${strict.length} ${strict.length === 1 ? 'file has' : 'files have'} no current digest (${[...new Set(strict.map((c) => c.path))].join(', ')}); follow the hints above`)
      } else if (status.fresh) {
        const n = status.models.length + status.targets.length
        out.success(`Registry verified: ${n} ${n === 1 ? 'entry' : 'entries'} fresh (bundle ${report.bundle_digest})`)
      } else {
        const refreshHeading = 'The registry does not match the files. If the changes are intended, record them:'
        out.line(formatStatus(status, { color: colorEnabled(process.stdout), registry, refreshHeading }))
      }
      return ok ? EXIT.OK : EXIT.FAIL
    } catch (err) {
      // A user mistake (bad registry, not a project) is a 1 like everywhere else; usage and internal errors are a 2.
      return reportError(err, { debug })
    }
  },
})
