import { computeDigests, computeStatus, loadRegistry } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'
import { EXIT, reportError } from '../output.js'
import { currentProject } from '../project.js'
import { printStatus, refreshCommands, statusJson } from '../status-report.js'

export default defineCli({
  name: 'verify',
  description: 'For CI: exit 0 when every recorded digest matches the files, 1 when any is stale, 2 on errors',
  args: { json: { type: 'boolean', description: 'Print the status as JSON' } },
  async run({ out, debug }) {
    try {
      const project = currentProject(out)
      const registry = loadRegistry(project)
      const report = await computeDigests(project, registry)
      out.warnAll(report.warnings)
      const status = computeStatus(registry, report)
      if (out.json) out.result(statusJson(status, report))
      else if (status.fresh) {
        const n = status.models.length + status.targets.length
        out.success(`Registry verified: ${n} ${n === 1 ? 'entry' : 'entries'} fresh (bundle ${report.bundle_digest})`)
      } else {
        printStatus(out, status)
        out.line()
        out.line('The registry does not match the files. If the changes are intended, record them:')
        for (const cmd of refreshCommands(status, registry)) out.line(`  ${cmd}`)
      }
      return status.fresh ? EXIT.OK : EXIT.FAIL
    } catch (err) {
      // Exit 1 means "stale" to CI; anything that stops verification is a 2.
      reportError(err, { debug })
      return EXIT.USAGE
    }
  },
})
