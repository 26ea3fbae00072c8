// The human explanation of a StatusReport, shared by `status` and `verify`.
import type { ComponentChange, DigestReport, EntityStatus, StatusReport } from '@modelops-bundle/core'
import { type Output, shortDigest } from './output.js'

export function printStatus(out: Output, status: StatusReport): void {
  const { c } = out
  const section = (title: string, list: EntityStatus[]) => {
    out.line(c.bold(`${title} (${list.length})`))
    if (list.length === 0) out.line(c.dim('  (none)'))
    const width = Math.max(0, ...list.map((e) => e.id.length))
    for (const e of [...list].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const mark = e.state === 'fresh' ? c.green('✓') : c.yellow('⚠')
      const state = e.state === 'fresh' ? c.green('fresh') : c.yellow('stale')
      out.line(`  ${mark} ${e.id.padEnd(width)}  ${state}`)
      for (const ch of e.changes) out.line(`      ${changeText(ch, c)}`)
    }
  }
  section('Models', status.models)
  out.line()
  section('Targets', status.targets)
  out.line()
  const all = [...status.models, ...status.targets]
  const stale = all.filter((e) => e.state === 'stale')
  if (all.length === 0) out.line(`Nothing registered yet: run 'mops-bundle register-model <file>' and 'mops-bundle register-target <file>'`)
  else if (stale.length === 0) out.line(`${c.green('✓')} All ${all.length} entries are fresh`)
  else out.line(`${c.yellow('⚠')} ${stale.length} of ${all.length} entries are stale`)
}

function changeText(ch: ComponentChange, c: Output['c']): string {
  const colour = { added: c.green, removed: c.red, modified: c.yellow, missing: c.red }[ch.change]
  const what = colour(ch.change.padEnd(8))
  const digests =
    ch.change === 'modified' ? `  (recorded ${brief(ch.recorded, ch.current)}, now ${brief(ch.current, ch.recorded)})`
    : ch.change === 'added' ? '  (not recorded in the registry)'
    : ch.change === 'missing' ? '  (file not found)'
    : ''
  return `${what} ${ch.kind.padEnd(11)} ${ch.path}${c.dim(digests)}`
}

/** The commands that record the current digests of the stale entries. */
export function refreshCommands(status: StatusReport, registry: { models: Record<string, { path: string }>; targets: Record<string, { path: string }> }): string[] {
  const cmds = new Set<string>()
  for (const e of status.models) if (e.state === 'stale' && registry.models[e.id]) cmds.add(`mops-bundle register-model ${registry.models[e.id]!.path}`)
  for (const e of status.targets) if (e.state === 'stale' && registry.targets[e.id]) cmds.add(`mops-bundle register-target ${registry.targets[e.id]!.path}`)
  return [...cmds].sort()
}

/** 12 hex digits; with the algorithm when the two digests use different ones (e.g. a registry of the Python tool). */
function brief(digest: string | undefined, other: string | undefined): string {
  const algo = (d: string | undefined) => (d && d.includes(':') ? d.slice(0, d.lastIndexOf(':')) : '')
  return algo(digest) !== algo(other) && algo(digest) ? `${algo(digest)}:${shortDigest(digest)}` : shortDigest(digest)
}

/** `status --json`: the StatusReport, each entity with its current composite digest, plus the bundle digest. */
export function statusJson(status: StatusReport, report: DigestReport) {
  const withDigest = (list: EntityStatus[], digests: Record<string, { digest: string }>) => list.map((e) => ({ ...e, digest: digests[e.id]?.digest ?? null }))
  return {
    fresh: status.fresh,
    bundle_digest: report.bundle_digest,
    models: withDigest(status.models, report.models),
    targets: withDigest(status.targets, report.targets),
  }
}
