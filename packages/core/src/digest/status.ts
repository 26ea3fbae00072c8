// Recorded digests (registry) vs current ones (DigestReport): what changed, per component.
// A registry written by the Python tool records `sha256:<hex>` (R2) or bare hex (R1: sha256, or a token hash for
// `.py`); those are checked with sha256 of the file bytes, so an untouched Python-written project shows fresh.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { Project } from '../project/project.js'
import type { Registry } from '../registry/types.js'
import type { ComponentChange, ComponentKind, DigestReport, EntityDigest, EntityStatus, StatusReport } from './types.js'
import { compareCodePoints } from './canonical.js'

interface Recorded {
  file: { kind: ComponentKind; path: string; digest: string | null | undefined }
  /** Dependency groups: the paths listed now and the digests recorded for them. */
  groups: { kind: ComponentKind; listed: string[]; recorded: Record<string, string>; unrecordedHint?: string }[]
}

/** Our own algorithm ids (docs/digests.md); anything else in a registry was written by another tool. */
const OWN = /^(blake2b256|pysem1|tree1):/
const BARE_HEX = /^[0-9a-f]{64}$/
const SHA256 = /^sha256:[0-9a-f]{64}$/

/** True for a recorded digest this tool does not compute itself (`sha256:<hex>`, bare hex, unknown algorithm). */
export function isForeignDigest(digest: string): boolean {
  return !OWN.test(digest)
}

/** The hint of an 'unverifiable' digest recorded by an older tool (register-target for target files). */
export function olderToolHint(kind: ComponentKind): string {
  return `recorded by an older tool; run ${kind.startsWith('TARGET') ? 'register-target' : 'register-model'} to record current digests`
}
/** The hint of a dependency without a recorded digest in an entry written by an older tool (it recorded none there). */
export function unrecordedByOlderToolHint(kind: ComponentKind): string {
  return `the older tool that wrote this entry recorded no digest for it; run ${kind.startsWith('TARGET') ? 'register-target' : 'register-model'} to record current digests`
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
  for (const [p, d] of recordedDigests(registry)) if (isForeignDigest(d) && (SHA256.test(d) || BARE_HEX.test(d))) paths.add(p)
  const checks = new Map<string, string>()
  for (const rel of [...paths].sort(compareCodePoints)) {
    const abs = path.resolve(project.root, rel)
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

/** A foreign recorded digest against its sha256 check: null when it matches (fresh), else the change to report. */
function foreignChange(kind: ComponentKind, p: string, recorded: string, check: string | undefined): ComponentChange | null {
  const unverifiable: ComponentChange = { kind, path: p, change: 'unverifiable', recorded, hint: olderToolHint(kind) }
  if (check === undefined || !check.startsWith('sha256:')) return unverifiable
  if (SHA256.test(recorded)) return recorded === check ? null : { kind, path: p, change: 'modified', recorded, current: check }
  if (BARE_HEX.test(recorded)) {
    if (`sha256:${recorded}` === check) return null
    // R1 recorded a token hash (not recomputable here) for Python files and sha256 for everything else.
    return p.endsWith('.py') ? unverifiable : { kind, path: p, change: 'modified', recorded, current: check }
  }
  return unverifiable
}

function diff(current: EntityDigest | undefined, rec: Recorded, foreign: ForeignChecks): ComponentChange[] {
  const changes: ComponentChange[] = []
  const now = new Map<string, string>()
  for (const c of current?.components ?? []) now.set(`${c.kind}\0${c.path}`, c.digest)
  const check = (kind: ComponentKind, path: string, recorded: string | null | undefined, unrecordedHint?: string) => {
    const cur = now.get(`${kind}\0${path}`)
    if (cur === undefined) return // the report was computed from another registry: nothing to compare
    if (cur === 'absent') changes.push({ kind, path, change: 'missing', ...(recorded ? { recorded } : {}) })
    else if (!recorded && unrecordedHint) changes.push({ kind, path, change: 'unverifiable', current: cur, hint: unrecordedHint })
    else if (!recorded) changes.push({ kind, path, change: 'added', current: cur })
    else if (isForeignDigest(recorded)) {
      const ch = foreignChange(kind, path, recorded, foreign.get(path))
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

// The Python tool never records target data digests (and R1 no data digests at all): in an entry it wrote, a
// dependency without a recorded digest is unverifiable rather than 'added'.
const olderTool = (fileDigest: string | null | undefined, kind: ComponentKind) =>
  fileDigest && isForeignDigest(fileDigest) ? { unrecordedHint: unrecordedByOlderToolHint(kind) } : {}

const status = (id: string, entrypoint: string, changes: ComponentChange[]): EntityStatus => ({ id, entrypoint, state: changes.length ? 'stale' : 'fresh', changes })

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
            { kind: 'DATA', listed: m.data ?? [], recorded: m.data_digests ?? {}, ...olderTool(m.model_digest, 'DATA') },
            { kind: 'CODE_DEP', listed: m.code ?? [], recorded: m.code_digests ?? {}, ...olderTool(m.model_digest, 'CODE_DEP') },
          ],
        }, foreign),
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
            ...olderTool(t.target_digest, 'TARGET_DATA'),
          }],
        }, foreign),
      )
    })
  return { fresh: [...models, ...targets].every((e) => e.state === 'fresh'), models, targets }
}
