import { computeDigests, computeStatus, formatStatus, statusJson } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'
import { colorEnabled, EXIT, reportError } from '../output.js'
import { currentWorkspace } from '../project.js'

export default defineCli({
  name: 'verify',
  description: 'For CI: exit 0 when every recorded digest matches the files, 1 when any is stale (or the registry is invalid), 2 on usage or internal errors',
  args: { json: { type: 'boolean', description: 'Print the status as JSON' } },
  async run({ out, debug }) {
    try {
      const ws = currentWorkspace(out)
      const registry = ws.registry()
      const report = await computeDigests(ws, registry)
      out.warnAll(report.warnings)
      const status = computeStatus(registry, report)
      if (out.json) out.result(statusJson(status, report))
      else if (status.fresh) {
        const n = status.models.length + status.targets.length
        out.success(`Registry verified: ${n} ${n === 1 ? 'entry' : 'entries'} fresh (bundle ${report.bundle_digest})`)
      } else {
        const refreshHeading = 'The registry does not match the files. If the changes are intended, record them:'
        out.line(formatStatus(status, { color: colorEnabled(process.stdout), registry, refreshHeading }))
      }
      return status.fresh ? EXIT.OK : EXIT.FAIL
    } catch (err) {
      // A user mistake (bad registry, not a project) is a 1 like everywhere else; usage and internal errors are a 2.
      return reportError(err, { debug })
    }
  },
})
