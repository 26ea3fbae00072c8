import type { ComponentChange, StatusReport } from '@modelops-bundle/core'

// The wording of `mops-bundle status` (packages/cli/src/status-report.ts, which the plugin cannot import):
// a build failed by `verify` explains itself exactly like the command a developer runs next.

/** The stale entries of a status report, one line per changed component, then the commands that refresh them. */
export function explainStatus(status: StatusReport, registry?: { models: Record<string, { path: string }>; targets: Record<string, { path: string }> }): string {
  const lines: string[] = []
  const section = (title: string, list: StatusReport['models']) => {
    const stale = list.filter((e) => e.state === 'stale').sort((a, b) => (a.id < b.id ? -1 : 1))
    if (stale.length === 0) return
    lines.push(`${title} (${stale.length} stale)`)
    for (const e of stale) {
      lines.push(`  ⚠ ${e.id}  stale`)
      for (const ch of e.changes) lines.push(`      ${changeText(ch)}`)
    }
  }
  section('Models', status.models)
  section('Targets', status.targets)
  if (registry) {
    const cmds = new Set<string>()
    for (const e of status.models) if (e.state === 'stale' && registry.models[e.id]) cmds.add(`mops-bundle register-model ${registry.models[e.id]!.path}`)
    for (const e of status.targets) if (e.state === 'stale' && registry.targets[e.id]) cmds.add(`mops-bundle register-target ${registry.targets[e.id]!.path}`)
    if (cmds.size > 0) lines.push('', 'To record the new digests, run:', ...[...cmds].sort().map((c) => `  ${c}`))
  }
  return lines.join('\n')
}

function changeText(ch: ComponentChange): string {
  const digests =
    ch.change === 'modified' ? `  (recorded ${short(ch.recorded)}, now ${short(ch.current)})`
    : ch.change === 'added' ? '  (not recorded in the registry)'
    : ch.change === 'missing' ? '  (file not found)'
    : ''
  return `${ch.change} ${ch.kind.padEnd(11)} ${ch.path}${digests}`
}

function short(digest: string | undefined): string {
  if (!digest) return '-'
  return (digest.includes(':') ? digest.slice(digest.lastIndexOf(':') + 1) : digest).slice(0, 12)
}
