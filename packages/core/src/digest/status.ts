// Recorded digests (registry) vs current ones (DigestReport): what changed, per component.
// A registry written by the Python tool records `sha256:<hex>` (R2) or bare hex (R1: sha256, or a token hash for
// `.py`); those are checked with sha256 of the file bytes, so an untouched Python-written project shows fresh.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { absolutePath } from '../project/paths.js'
import type { Project } from '../project/project.js'
import type { Registry } from '../registry/types.js'
import type { ChangeKind, ComponentChange, ComponentKind, DigestReport, EntityDigest, EntityStatus, StatusReport } from './types.js'
import { compareCodePoints } from './canonical.js'
import { algorithmOf, isPythonSource } from './algorithms.js'

interface Recorded {
  file: { kind: ComponentKind; path: string; digest: string | null | undefined }
  /** Dependency groups: the paths listed now and the digests recorded for them. */
  groups: { kind: ComponentKind; listed: string[]; recorded: Record<string, string>; unrecordedHint?: string }[]
}

// Which recorded digest is whose: the one table of algorithms (algorithms.ts).
const BARE_HEX = /^[0-9a-f]{64}$/
const SHA256 = /^sha256:[0-9a-f]{64}$/

/** True for a recorded digest this tool does not compute itself (`sha256:<hex>`, bare hex, unknown algorithm). */
export function isForeignDigest(digest: string): boolean {
  return algorithmOf(digest)?.ours !== true
}

/** The hint of an 'unverifiable' digest (an algorithm we do not know) or an 'outdated' one (R1's token hash). */
export function olderToolHint(kind: ComponentKind): string {
  return `recorded by an older algorithm; re-register to upgrade (mops-bundle ${kind.startsWith('TARGET') ? 'register-target' : 'register-model'} <file>)`
}
/** The hint of a dependency without a recorded digest (target data as the Python tool writes it, R1 entries). */
export function unrecordedByOlderToolHint(kind: ComponentKind): string {
  return kind === 'TARGET_DATA'
    ? 'the Python modelops-bundle records no digests for target data, so a change to it goes unnoticed; run mops-bundle register-target <file> to record them (verify --strict fails until then)'
    : 'the older tool that wrote this entry recorded no digest for it; run mops-bundle register-model <file> to record one (verify --strict fails until then)'
}

/** Changes that explain something but leave the entry fresh (verify --strict fails on 'untracked' and 'outdated'). */
const NOTES: ReadonlySet<ChangeKind> = new Set<ChangeKind>(['reformatted', 'untracked', 'outdated'])
export function isNote(change: ComponentChange): boolean {
  return NOTES.has(change.change)
}
/** What `verify --strict` refuses in a fresh registry: files whose change would go unnoticed. */
export function strictProblems(status: StatusReport): ComponentChange[] {
  return [...status.models, ...status.targets].flatMap((e) => e.changes.filter((c) => c.change === 'untracked' || c.change === 'outdated'))
}

/** path → `sha256:<hex>` of the file, or 'absent' / 'directory': what a foreign recorded digest is checked against. */
export type ForeignChecks = ReadonlyMap<string, string>

function recordedDigests(registry: Registry): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const m of Object.values(registry.models ?? {})) {
    if (m.model_digest) out.push([m.path, m.model_digest])
    for (const rec of [m.data_digests ?? {}, m.code_digests ?? {}]) out.push(...Object.entries(rec))
  }
  for (const t of Object.values(registry.targets ?? {})) {
    if (t.target_digest) out.push([t.path, t.target_digest])
    out.push(...Object.entries(t.data_digests ?? {}))
  }
  return out
}

/**
 * sha256 (streamed) of every file whose recorded digest is foreign. Reads nothing for a registry written by this
 * tool. A file that is gone maps to 'absent', a folder to 'directory' (the Python tool never digested folders).
 */
export async function checkForeignDigests(project: Project, registry: Registry): Promise<Map<string, string>> {
  const paths = new Set<string>()
  // A byte digest of ours recorded for the same bytes decides without reading the file again (the stat cache has it);
  // a semantic one still needs the sha256, to tell an identical file from a reformatted one.
  const decided = (p: string, d: string) => registry.semantic?.[p]?.[d]?.startsWith('blake2b256:') === true
  for (const [p, d] of recordedDigests(registry)) if (isForeignDigest(d) && (SHA256.test(d) || BARE_HEX.test(d)) && !decided(p, d)) paths.add(p)
  return sha256Files(project, [...paths])
}

/**
 * `sha256:<hex>` of each path's bytes (streamed), as the Python tool records them; a missing path maps to 'absent',
 * a folder to 'directory' (the Python tool never digests folders).
 */
export async function sha256Files(project: Project, rels: string[]): Promise<Map<string, string>> {
  const checks = new Map<string, string>()
  for (const rel of [...new Set(rels)].sort(compareCodePoints)) {
    let abs: string
    try {
      abs = absolutePath(project, rel)
    } catch {
      checks.set(rel, 'absent')
      continue
    }
    const st = await stat(abs).catch(() => undefined)
    if (!st) checks.set(rel, 'absent')
    else if (!st.isFile()) checks.set(rel, 'directory')
    else {
      const h = createHash('sha256')
      for await (const chunk of createReadStream(abs)) h.update(chunk as Buffer)
      checks.set(rel, `sha256:${h.digest('hex')}`)
    }
  }
  return checks
}

type Semantic = Registry['semantic']

/** A recorded digest this tool did not compute (`sha256:`, bare hex) against the file now: null when it matches. */
function foreignChange(kind: ComponentKind, p: string, recorded: string, cur: string, check: string | undefined, semantic: Semantic): ComponentChange | null {
  if (SHA256.test(recorded)) {
    if (check === recorded) return null
    const ours = semantic?.[p]?.[recorded]
    if (ours !== undefined) {
      // digests.json holds our digest of the recorded bytes: it decides (a reformat keeps a pysem1 digest).
      if (ours === cur) return check === undefined ? null : { kind, path: p, change: 'reformatted', recorded, current: check, basis: 'semantic' }
      return { kind, path: p, change: 'modified', recorded: ours, current: cur, basis: 'semantic' }
    }
    if (check === undefined || !check.startsWith('sha256:')) return { kind, path: p, change: 'unverifiable', recorded, hint: olderToolHint(kind) }
    return { kind, path: p, change: 'modified', recorded, current: check, basis: 'sha256' }
  }
  if (BARE_HEX.test(recorded)) {
    if (check !== undefined && `sha256:${recorded}` === check) return null
    // R1 recorded a token hash (interpreter-dependent, not recomputed here) for Python files, sha256 for the rest.
    if (isPythonSource(p)) return { kind, path: p, change: 'outdated', recorded, hint: olderToolHint(kind) }
    if (check === undefined || !check.startsWith('sha256:')) return { kind, path: p, change: 'unverifiable', recorded, hint: olderToolHint(kind) }
    return { kind, path: p, change: 'modified', recorded, current: check, basis: 'sha256' }
  }
  return { kind, path: p, change: 'unverifiable', recorded, hint: olderToolHint(kind) }
}

function diff(current: EntityDigest | undefined, rec: Recorded, foreign: ForeignChecks, semantic: Semantic): ComponentChange[] {
  const changes: ComponentChange[] = []
  const now = new Map<string, string>()
  for (const c of current?.components ?? []) now.set(`${c.kind}\0${c.path}`, c.digest)
  const check = (kind: ComponentKind, path: string, recorded: string | null | undefined, unrecordedHint?: string) => {
    const cur = now.get(`${kind}\0${path}`)
    if (cur === undefined) return // the report was computed from another registry: nothing to compare
    if (cur === 'absent') changes.push({ kind, path, change: 'missing', ...(recorded ? { recorded } : {}) })
    else if (!recorded && unrecordedHint) changes.push({ kind, path, change: 'untracked', current: cur, hint: unrecordedHint })
    else if (!recorded) changes.push({ kind, path, change: 'added', current: cur })
    else if (isForeignDigest(recorded)) {
      const ch = foreignChange(kind, path, recorded, cur, foreign.get(path), semantic)
      if (ch) changes.push(ch)
    } else if (recorded !== cur) changes.push({ kind, path, change: 'modified', recorded, current: cur })
  }
  check(rec.file.kind, rec.file.path, rec.file.digest)
  for (const g of rec.groups) {
    for (const p of new Set(g.listed)) check(g.kind, p, g.recorded[p], g.unrecordedHint)
    const listed = new Set(g.listed)
    for (const [p, d] of Object.entries(g.recorded)) if (!listed.has(p)) changes.push({ kind: g.kind, path: p, change: 'removed', recorded: d })
  }
  return changes.sort((a, b) => compareCodePoints(a.kind, b.kind) || compareCodePoints(a.path, b.path))
}

// The Python tool never records target data digests, and R1 no data digests at all: such a dependency is 'untracked'
// (a note, verify --strict fails on it) rather than 'added'. Both tools record every model dependency of R2 entries.
const untracked = (fileDigest: string | null | undefined, kind: ComponentKind) =>
  kind === 'TARGET_DATA' || (fileDigest && BARE_HEX.test(fileDigest)) ? { unrecordedHint: unrecordedByOlderToolHint(kind) } : {}

const status = (id: string, entrypoint: string, changes: ComponentChange[]): EntityStatus => ({
  id,
  entrypoint,
  state: changes.some((c) => !isNote(c)) ? 'stale' : 'fresh',
  changes,
})

/**
 * Compare the digests recorded in the registry with `report` and explain every difference:
 * 'added' (listed, nothing recorded), 'removed' (recorded for a path no longer listed),
 * 'modified' (digests differ), 'missing' (file gone), 'unverifiable' (recorded by an older tool with an algorithm we
 * cannot recompute). A digest recorded by the Python tool (`sha256:`, bare hex) is checked with sha256 of the file:
 * `options.foreign` (default: `report.foreign_checks`; without them such digests are unverifiable).
 */
export function computeStatus(registry: Registry, report: DigestReport, options: { foreign?: ForeignChecks } = {}): StatusReport {
  const foreign = options.foreign ?? new Map(Object.entries(report.foreign_checks ?? {}))
  const models = Object.keys(registry.models ?? {})
    .sort(compareCodePoints)
    .map((id) => {
      const m = registry.models[id]!
      return status(
        id,
        m.entrypoint,
        diff(report.models[id], {
          file: { kind: 'MODEL_CODE', path: m.path, digest: m.model_digest },
          groups: [
            { kind: 'DATA', listed: m.data ?? [], recorded: m.data_digests ?? {}, ...untracked(m.model_digest, 'DATA') },
            { kind: 'CODE_DEP', listed: m.code ?? [], recorded: m.code_digests ?? {}, ...untracked(m.model_digest, 'CODE_DEP') },
          ],
        }, foreign, registry.semantic),
      )
    })
  const targets = Object.keys(registry.targets ?? {})
    .sort(compareCodePoints)
    .map((id) => {
      const t = registry.targets[id]!
      return status(
        id,
        t.entrypoint,
        diff(report.targets[id], {
          file: { kind: 'TARGET_CODE', path: t.path, digest: t.target_digest },
          groups: [{
            kind: 'TARGET_DATA', listed: t.data ?? [], recorded: t.data_digests ?? {},
            ...untracked(t.target_digest, 'TARGET_DATA'),
          }],
        }, foreign, registry.semantic),
      )
    })
  return { fresh: [...models, ...targets].every((e) => e.state === 'fresh'), models, targets }
}
