import { computeDigests, computeStatus, formatStatus, ModelopsError, statusJson } from '@modelops-bundle/core'
import {
  entryDetails, fileViews, findEntry, formatBytes, formatDetails, formatExplain, formatFiles, untrackedFiles,
} from '@modelops-bundle/core/internal'
import { defineCli } from '../argv.js'
import { currentWorkspace } from '../project.js'
import { colorEnabled, table } from '../output.js'
import { progressLine } from '../progress.js'

export default defineCli({
  name: 'status',
  description: 'Fresh or stale for every model and target, and which file changed (exit 0 either way; `verify` is for CI)',
  args: {
    details: { type: 'string', alias: 'd', description: 'One model or target in detail: every file with its recorded and current digest (id, class or function name; exit 1 if none)' },
    files: { type: 'boolean', alias: 'f', description: 'File by file instead of entry by entry: each registered file, its state and the entries that list it' },
    explain: { type: 'boolean', description: 'After the status, each change that makes an entry stale with both whole digests' },
    'untracked-only': { type: 'boolean', description: "Only the project files that are neither in .modelops-bundle/tracked.txt nor ignored (what the Python tool's push would leave out)" },
    json: { type: 'boolean', description: 'Print the status as JSON' },
  },
  async run({ args, out }) {
    const ws = currentWorkspace(out)
    if (args['untracked-only']) {
      const files = untrackedFiles(ws.project)
      if (out.json) return out.result({ untracked: files })
      if (files.length === 0) return out.line('No untracked files found')
      out.line(out.c.bold(`Untracked files (${files.length})`))
      out.line(table(['File', 'Size'], files.map((f) => [f.path, formatBytes(f.size)]), { indent: '  ' }))
      out.line()
      out.line(out.c.dim("Files outside tracked.txt are left out of the Python tool's push: register them, or add them with its `add`"))
      return
    }
    const registry = ws.registry()
    const report = await computeDigests(ws, registry, { onProgress: progressLine(out) })
    out.warnAll(report.warnings)
    const status = computeStatus(registry, report)
    const details = args.details as string | undefined
    if (details !== undefined) {
      const all = entryDetails(registry, status, report)
      const entry = findEntry(all, details)
      if (!entry) {
        const list = (kind: string) => all.filter((d) => d.kind === kind).map((d) => `${d.id} (${d.name})`).join(', ') || 'none'
        throw new ModelopsError('USAGE', `no model or target ${JSON.stringify(details)}`, { exitCode: 1, hint: `models: ${list('model')}; targets: ${list('target')}` })
      }
      if (out.json) return out.result(entry)
      return out.line(formatDetails(entry, out.c))
    }
    if (args.files) {
      const files = fileViews(entryDetails(registry, status, report))
      if (out.json) return out.result({ fresh: status.fresh, bundle_digest: report.bundle_digest, files })
      return out.line(formatFiles(files, out.c))
    }
    // --explain adds nothing to the JSON: it already has every change with its recorded and current digest.
    if (out.json) return out.result(statusJson(status, report))
    out.line(formatStatus(status, { color: colorEnabled(process.stdout), registry }))
    if (args.explain) {
      out.line()
      out.line(formatExplain(status, out.c))
    }
  },
})
