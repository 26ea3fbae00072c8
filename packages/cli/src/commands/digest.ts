import { computeDigests, type DigestReport, type EntityDigest } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'
import type { Output } from '../output.js'
import { currentWorkspace } from '../project.js'
import { progressLine } from '../progress.js'

/** The fixed JSON shape of `digest --json` (issue 4). */
export function digestJson(report: DigestReport) {
  const entity = (e: EntityDigest) => ({ digest: e.digest, entrypoint: e.entrypoint, path: e.path, components: e.components.map(({ kind, path, digest }) => ({ kind, path, digest })) })
  const sorted = <T>(rec: Record<string, T>) => Object.keys(rec).sort()
  return {
    bundle_digest: report.bundle_digest,
    environment: report.environment,
    models: Object.fromEntries(sorted(report.models).map((id) => [id, entity(report.models[id]!)])),
    targets: Object.fromEntries(sorted(report.targets).map((id) => [id, entity(report.targets[id]!)])),
  }
}

function printEntities(out: Output, title: string, entities: Record<string, EntityDigest>): void {
  const ids = Object.keys(entities).sort()
  out.line()
  out.line(out.c.bold(`${title} (${ids.length})`))
  for (const id of ids) {
    const e = entities[id]!
    out.line(`  ${out.c.cyan(id)}  ${e.digest}  ${out.c.dim(e.entrypoint)}`)
    for (const comp of e.components) out.line(`    ${comp.kind.padEnd(11)} ${comp.digest}  ${comp.path}`)
  }
}

export default defineCli({
  name: 'digest',
  description: 'Composite digests of every model and target, with their components, the environment and the bundle',
  args: { json: { type: 'boolean', description: 'Print the digests as JSON' } },
  async run({ out }) {
    const ws = currentWorkspace(out)
    const report = await computeDigests(ws, undefined, { onProgress: progressLine(out) })
    out.warnAll(report.warnings)
    if (out.json) return out.result(digestJson(report))
    const env = report.environment
    out.line(`${out.c.bold('bundle')}       ${report.bundle_digest}`)
    out.line(`${out.c.bold('environment')}  ${env.digest}  ${out.c.dim(`python ${env.python_version}, ${env.platform}, ${Object.keys(env.dependencies).length} dependencies`)}`)
    printEntities(out, 'Models', report.models)
    printEntities(out, 'Targets', report.targets)
  },
})
