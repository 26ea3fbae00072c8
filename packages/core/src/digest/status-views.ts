// The other views of one StatusReport, after the Python tool's `status` flags: one entry in detail (`--details`),
// file by file (`--files`) and why each stale entry is stale, with whole digests (`--explain`). Text and JSON come
// from the same objects, so `--json` says what the text says.
import { modelOutputs, type Registry } from '../registry/types.js'
import { compareCodePoints } from './canonical.js'
import { isNote } from './status.js'
import type { ChangeKind, ComponentChange, ComponentKind, DigestReport, EntityStatus, StatusReport } from './types.js'

/** A file's state in one entry: 'fresh', or the change status found. */
export type FileState = 'fresh' | ChangeKind

export interface ComponentView {
  kind: ComponentKind
  path: string
  state: FileState
  /** What the registry records for it (null: nothing); for a change, the digest it was compared by (digests.json's semantic one when that decided). */
  recorded: string | null
  /** The digest now, when status computed one that differs from the recorded one. */
  current?: string
  hint?: string
}

export interface EntryDetails {
  kind: 'model' | 'target'
  id: string
  /** Class (model) or function (target) name. */
  name: string
  entrypoint: string
  path: string
  state: 'fresh' | 'stale'
  /** The current composite digest. */
  digest: string | null
  /** Targets: the model output it compares with. */
  model_output?: string
  outputs?: string[]
  components: ComponentView[]
}

const nameOf = (entrypoint: string) => entrypoint.slice(entrypoint.lastIndexOf(':') + 1)

/** Every entry with its components, models first, each sorted by id. */
export function entryDetails(registry: Registry, status: StatusReport, report: DigestReport): EntryDetails[] {
  const views = (e: EntityStatus, listed: { kind: ComponentKind; path: string; recorded: string | null }[]): ComponentView[] => {
    const byKey = new Map(e.changes.map((c) => [`${c.kind}\0${c.path}`, c]))
    const seen = new Set<string>()
    const out: ComponentView[] = []
    for (const l of listed) {
      const key = `${l.kind}\0${l.path}`
      if (seen.has(key)) continue
      seen.add(key)
      const ch = byKey.get(key)
      out.push({ kind: l.kind, path: l.path, state: ch?.change ?? 'fresh', recorded: ch?.recorded ?? l.recorded, ...(ch?.current ? { current: ch.current } : {}), ...(ch?.hint ? { hint: ch.hint } : {}) })
    }
    // Recorded for a path no longer listed.
    for (const c of e.changes) if (!seen.has(`${c.kind}\0${c.path}`)) out.push({ kind: c.kind, path: c.path, state: c.change, recorded: c.recorded ?? null })
    return out
  }
  const models = status.models.map((e): EntryDetails => {
    const m = registry.models[e.id]!
    return {
      kind: 'model', id: e.id, name: m.class_name, entrypoint: m.entrypoint, path: m.path, state: e.state,
      digest: report.models[e.id]?.digest ?? null, outputs: modelOutputs(registry, e.id),
      components: views(e, [
        { kind: 'MODEL_CODE', path: m.path, recorded: m.model_digest },
        ...m.data.map((p) => ({ kind: 'DATA' as const, path: p, recorded: m.data_digests[p] ?? null })),
        ...m.code.map((p) => ({ kind: 'CODE_DEP' as const, path: p, recorded: m.code_digests[p] ?? null })),
      ]),
    }
  })
  const targets = status.targets.map((e): EntryDetails => {
    const t = registry.targets[e.id]!
    return {
      kind: 'target', id: e.id, name: nameOf(t.entrypoint), entrypoint: t.entrypoint, path: t.path, state: e.state,
      digest: report.targets[e.id]?.digest ?? null, model_output: t.model_output,
      components: views(e, [
        { kind: 'TARGET_CODE', path: t.path, recorded: t.target_digest },
        ...t.data.map((p) => ({ kind: 'TARGET_DATA' as const, path: p, recorded: t.data_digests?.[p] ?? null })),
      ]),
    }
  })
  return [...models, ...targets]
}

/**
 * `status --details NAME`: the model whose id or class name is NAME, else the target whose id or function name is
 * (the Python tool's order). null when there is none.
 */
export function findEntry(details: EntryDetails[], query: string): EntryDetails | null {
  for (const kind of ['model', 'target'] as const) {
    const list = details.filter((d) => d.kind === kind)
    const hit = list.find((d) => d.id === query) ?? list.find((d) => d.name === query)
    if (hit) return hit
  }
  return null
}

export interface FileView {
  path: string
  /** The worst state of the file over the entries that list it. */
  state: FileState
  kinds: ComponentKind[]
  /** Each entry that lists the file, with its state there. */
  entries: { id: string; kind: 'model' | 'target'; state: FileState }[]
}

// Worse first: a stale change, then the notes, then fresh.
const RANK: Record<FileState, number> = { missing: 0, modified: 1, removed: 2, added: 3, unverifiable: 4, outdated: 5, untracked: 6, reformatted: 7, fresh: 8 }

/** `status --files`: every file the registry names, sorted by path. */
export function fileViews(details: EntryDetails[]): FileView[] {
  const files = new Map<string, FileView>()
  for (const d of details) {
    for (const c of d.components) {
      let f = files.get(c.path)
      if (!f) files.set(c.path, (f = { path: c.path, state: c.state, kinds: [], entries: [] }))
      if (!f.kinds.includes(c.kind)) f.kinds.push(c.kind)
      if (!f.entries.some((e) => e.id === d.id && e.kind === d.kind)) f.entries.push({ id: d.id, kind: d.kind, state: c.state })
      if (RANK[c.state] < RANK[f.state]) f.state = c.state
    }
  }
  return [...files.values()].sort((a, b) => compareCodePoints(a.path, b.path))
}

/** `status --explain`: each change that makes an entry stale, with whole digests. */
export function staleReasons(status: StatusReport): { id: string; kind: 'model' | 'target'; changes: ComponentChange[] }[] {
  const out: { id: string; kind: 'model' | 'target'; changes: ComponentChange[] }[] = []
  for (const [kind, list] of [['model', status.models], ['target', status.targets]] as const) {
    for (const e of list) if (e.state === 'stale') out.push({ id: e.id, kind, changes: e.changes.filter((c) => !isNote(c)) })
  }
  return out
}

type Paint = (s: string) => string
export interface ViewPaint { green: Paint; yellow: Paint; red: Paint; dim: Paint; bold: Paint }
const plain: ViewPaint = { green: (s) => s, yellow: (s) => s, red: (s) => s, dim: (s) => s, bold: (s) => s }

const mark = (s: FileState, c: ViewPaint) => (s === 'fresh' ? c.green('✓') : RANK[s] <= RANK.unverifiable ? (s === 'missing' ? c.red('✗') : c.yellow('Δ')) : c.dim('·'))

/** Text of `status --details`. */
export function formatDetails(d: EntryDetails, c: ViewPaint = plain): string {
  const lines = [
    `${c.bold(d.kind === 'model' ? 'Model:' : 'Target:')} ${d.id} (${d.name})`,
    `${c.bold('Path:')} ${d.path}`,
    `${c.bold('Entrypoint:')} ${d.entrypoint}`,
    ...(d.kind === 'model' ? [`${c.bold('Outputs:')} ${d.outputs?.join(', ') || '-'}`] : [`${c.bold('Model output:')} ${d.model_output}`]),
    `${c.bold('Status:')} ${d.state === 'fresh' ? c.green('✓ fresh') : c.yellow('⚠ stale')}`,
    `${c.bold('Digest:')} ${d.digest ?? '-'}`,
    '',
    c.bold('Files:'),
  ]
  for (const f of d.components) {
    lines.push(`  ${mark(f.state, c)} ${f.kind.padEnd(11)} ${f.path}  ${f.state === 'fresh' ? c.green('fresh') : f.state}`)
    lines.push(`      ${c.dim(`recorded: ${f.recorded ?? '(none)'}`)}`)
    if (f.current) lines.push(`      ${c.dim(`current:  ${f.current}`)}`)
    if (f.hint) lines.push(`      ${c.dim(`hint: ${f.hint}`)}`)
  }
  return lines.join('\n')
}

/** Text of `status --files`. */
export function formatFiles(files: FileView[], c: ViewPaint = plain): string {
  if (files.length === 0) return 'No registered files.'
  const width = Math.max(...files.map((f) => f.path.length))
  const stateWidth = Math.max(...files.map((f) => f.state.length))
  const lines = [c.bold(`Registered files (${files.length})`)]
  for (const f of files) {
    const state = f.state === 'fresh' ? c.green(f.state.padEnd(stateWidth)) : f.state.padEnd(stateWidth)
    const used = f.entries.map((e) => (e.state === f.state ? e.id : `${e.id} (${e.state})`)).join(', ')
    lines.push(`  ${mark(f.state, c)} ${f.path.padEnd(width)}  ${state}  ${f.kinds.join(',')}  ${c.dim(used)}`)
  }
  return lines.join('\n')
}

/** Text of `status --explain` (after the usual status text). */
export function formatExplain(status: StatusReport, c: ViewPaint = plain): string {
  const reasons = staleReasons(status)
  if (reasons.length === 0) return 'Explanation: no entry is stale.'
  const lines = [c.bold('Explanation (why entries are stale):')]
  for (const r of reasons) {
    lines.push('', c.yellow(`${r.id} → stale`))
    for (const ch of r.changes) {
      lines.push(`  ${ch.change} ${ch.kind} ${ch.path}`)
      lines.push(`    recorded: ${ch.recorded ?? '(none)'}`)
      lines.push(`    current:  ${ch.current ?? (ch.change === 'missing' ? '(file not found)' : '(not computed)')}`)
      if (ch.basis) lines.push(`    ${c.dim(ch.basis === 'semantic' ? 'compared by our semantic digest (digests.json)' : 'compared by sha256 (digests.json has no digest of ours for the recorded bytes)')}`)
    }
  }
  return lines.join('\n')
}
