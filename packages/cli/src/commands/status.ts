import { computeDigests, computeStatus, formatStatus, statusJson } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'
import { currentWorkspace } from '../project.js'
import { colorEnabled } from '../output.js'
import { progressLine } from '../progress.js'

export default defineCli({
  name: 'status',
  description: 'Fresh or stale for every model and target, and which file changed',
  args: { json: { type: 'boolean', description: 'Print the status as JSON' } },
  async run({ out }) {
    const ws = currentWorkspace(out)
    const registry = ws.registry()
    const report = await computeDigests(ws, registry, { onProgress: progressLine(out) })
    out.warnAll(report.warnings)
    const status = computeStatus(registry, report)
    if (out.json) return out.result(statusJson(status, report))
    out.line(formatStatus(status, { color: colorEnabled(process.stdout), registry }))
  },
})
