// The one human explanation of a StatusReport: `mops-bundle status`, `mops-bundle verify` and the plugin's
// `verify: true` build failure all print this text, so a developer sees the same words everywhere.
import type { ComponentChange, DigestReport, EntityStatus, StatusReport } from './types.js'
import { compareCodePoints } from './canonical.js'

/** The registry paths a refresh command needs (a Registry fits). */
export interface RegistryPaths {
  models: Record<string, { path: string }>
  targets: Record<string, { path: string }>
}

/** Options of formatStatus. */
export interface FormatStatusOptions {
  /** ANSI colours. Default false. */
  color?: boolean
  /** Only the stale entries and no summary line (a failed build's message). Default false: every entry plus a summary. */
  staleOnly?: boolean
  /** When given, ends with the register commands that record the current digests of the stale entries. Default: none. */
  registry?: RegistryPaths
  /** The line before those commands. Default 'To record the new digests, run:'. */
  refreshHeading?: string
}

type Paint = (s: string) => string
const ansi = (on: boolean, open: number, close: number): Paint => (s) => (on ? `\u001B[${open}m${s}\u001B[${close}m` : s)
function paints(on: boolean) {
  return { red: ansi(on, 31, 39), green: ansi(on, 32, 39), yellow: ansi(on, 33, 39), dim: ansi(on, 2, 22), bold: ansi(on, 1, 22) }
}

/** Multi-line text (no trailing newline) explaining `status`: per entry fresh/stale, per changed component what and why. */
export function formatStatus(status: StatusReport, opts: FormatStatusOptions = {}): string {
  const c = paints(opts.color ?? false)
  const lines: string[] = []
  const section = (title: string, all: EntityStatus[]) => {
    const list = (opts.staleOnly ? all.filter((e) => e.state === 'stale') : all).slice().sort((a, b) => compareCodePoints(a.id, b.id))
    if (opts.staleOnly && list.length === 0) return
    lines.push(c.bold(opts.staleOnly ? `${title} (${list.length} stale)` : `${title} (${list.length})`))
    if (list.length === 0) lines.push(c.dim('  (none)'))
    const width = Math.max(0, ...list.map((e) => e.id.length))
    for (const e of list) {
      const mark = e.state === 'fresh' ? c.green('✓') : c.yellow('⚠')
      const state = e.state === 'fresh' ? c.green('fresh') : c.yellow('stale')
      lines.push(`  ${mark} ${e.id.padEnd(width)}  ${state}`)
      for (const ch of e.changes) {
        lines.push(`      ${changeText(ch, c)}`)
        if (ch.hint) lines.push(`        ${c.dim(`hint: ${ch.hint}`)}`)
      }
    }
    if (!opts.staleOnly) lines.push('')
  }
  section('Models', status.models)
  section('Targets', status.targets)
  if (!opts.staleOnly) {
    const all = [...status.models, ...status.targets]
    const stale = all.filter((e) => e.state === 'stale')
    if (all.length === 0) lines.push(`Nothing registered yet: run 'mops-bundle register-model <file>' and 'mops-bundle register-target <file>'`)
    else if (stale.length === 0) lines.push(`${c.green('✓')} All ${all.length} entries are fresh`)
    else lines.push(`${c.yellow('⚠')} ${stale.length} of ${all.length} entries are stale`)
  }
  const cmds = opts.registry ? refreshCommands(status, opts.registry) : []
  if (cmds.length > 0) lines.push('', opts.refreshHeading ?? 'To record the new digests, run:', ...cmds.map((cmd) => `  ${cmd}`))
  return lines.join('\n')
}

function changeText(ch: ComponentChange, c: ReturnType<typeof paints>): string {
  const colour = { added: c.green, removed: c.red, modified: c.yellow, missing: c.red, unverifiable: c.yellow, reformatted: c.dim, untracked: c.dim, outdated: c.dim }[ch.change]
  const what = colour(ch.change.padEnd(8))
  const basis = ch.basis === 'sha256' ? '; compared by sha256: digests.json has no digest of ours for the recorded bytes' : ch.basis === 'semantic' ? '; semantic digest from digests.json' : ''
  const digests =
    ch.change === 'modified' ? `  (recorded ${brief(ch.recorded, ch.current)}, now ${brief(ch.current, ch.recorded)}${basis})`
    : ch.change === 'added' ? '  (not recorded in the registry)'
    : ch.change === 'missing' ? '  (file not found)'
    : ch.change === 'unverifiable' ? (ch.recorded ? `  (recorded ${brief(ch.recorded, undefined)})` : '  (nothing recorded)')
    : ch.change === 'reformatted' ? '  (reformatted, unchanged: same semantic digest)'
    : ch.change === 'untracked' ? '  (untracked: no digest recorded)'
    : ch.change === 'outdated' ? '  (recorded by an older algorithm; re-register to upgrade)'
    : ''
  return `${what} ${ch.kind.padEnd(11)} ${ch.path}${c.dim(digests)}`
}

/** The commands that record the current digests of the stale entries, sorted, without duplicates. */
export function refreshCommands(status: StatusReport, registry: RegistryPaths): string[] {
  const cmds = new Set<string>()
  for (const e of status.models) if (e.state === 'stale' && registry.models[e.id]) cmds.add(`mops-bundle register-model ${registry.models[e.id]!.path}`)
  for (const e of status.targets) if (e.state === 'stale' && registry.targets[e.id]) cmds.add(`mops-bundle register-target ${registry.targets[e.id]!.path}`)
  return [...cmds].sort(compareCodePoints)
}

/** `status --json` / `verify --json`: the StatusReport, each entity with its current composite digest, plus the bundle digest. */
export function statusJson(status: StatusReport, report: DigestReport) {
  const withDigest = (list: EntityStatus[], digests: Record<string, { digest: string }>) => list.map((e) => ({ ...e, digest: digests[e.id]?.digest ?? null }))
  return {
    fresh: status.fresh,
    bundle_digest: report.bundle_digest,
    models: withDigest(status.models, report.models),
    targets: withDigest(status.targets, report.targets),
  }
}

/** 12 hex digits; with the algorithm when the two digests use different ones (e.g. a registry of the Python tool). */
function brief(digest: string | undefined, other: string | undefined): string {
  const algo = (d: string | undefined) => (d && d.includes(':') ? d.slice(0, d.lastIndexOf(':')) : '')
  const hex = (d: string | undefined) => (d ? (d.includes(':') ? d.slice(d.lastIndexOf(':') + 1) : d).slice(0, 12) : '-')
  return algo(digest) && algo(digest) !== algo(other) ? `${algo(digest)}:${hex(digest)}` : hex(digest)
}
