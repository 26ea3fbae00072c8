import { computeDigests, computeStatus, formatStatus, statusJson } from '@modelops-bundle/core'
import { strictProblems } from '@modelops-bundle/core/internal'
import { defineCli } from '../argv.js'
import { colorEnabled, EXIT, reportError } from '../output.js'
import { currentWorkspace } from '../project.js'
import { progressLine } from '../progress.js'

export default defineCli({
  name: 'verify',
  description: "For CI, by diff's convention: exit 0 when every recorded digest matches the files, 1 when any is stale (with --strict: or not covered by a digest), 2 when it could not verify (any error: no project, invalid registry, usage)",
  args: {
    strict: { type: 'boolean', description: 'Also fail (exit 1) on files no digest covers: untracked target data, R1 token hashes' },
    json: { type: 'boolean', description: 'Print the status as JSON' },
  },
  async run({ args, out, debug }) {
    try {
      const ws = currentWorkspace(out)
      const registry = ws.registry()
      const report = await computeDigests(ws, registry, { onProgress: progressLine(out) })
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
      // diff's convention: 1 means only "stale", so CI never mistakes a broken registry for a stale one.
      reportError(err, { debug })
      return EXIT.USAGE
    }
  },
})
