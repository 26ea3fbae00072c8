// Recorded digests (registry) vs current ones (DigestReport): what changed, per component.
import type { Registry } from '../registry/types.js'
import type { ComponentChange, ComponentKind, DigestReport, EntityDigest, EntityStatus, StatusReport } from './types.js'
import { compareCodePoints } from './canonical.js'

interface Recorded {
  file: { kind: ComponentKind; path: string; digest: string | null | undefined }
  /** Dependency groups: the paths listed now and the digests recorded for them. */
  groups: { kind: ComponentKind; listed: string[]; recorded: Record<string, string> }[]
}

function diff(current: EntityDigest | undefined, rec: Recorded): ComponentChange[] {
  const changes: ComponentChange[] = []
  const now = new Map<string, string>()
  for (const c of current?.components ?? []) now.set(`${c.kind}\0${c.path}`, c.digest)
  const check = (kind: ComponentKind, path: string, recorded: string | null | undefined) => {
    const cur = now.get(`${kind}\0${path}`)
    if (cur === undefined) return // the report was computed from another registry: nothing to compare
    if (cur === 'absent') changes.push({ kind, path, change: 'missing', ...(recorded ? { recorded } : {}) })
    else if (!recorded) changes.push({ kind, path, change: 'added', current: cur })
    else if (recorded !== cur) changes.push({ kind, path, change: 'modified', recorded, current: cur })
  }
  check(rec.file.kind, rec.file.path, rec.file.digest)
  for (const g of rec.groups) {
    for (const p of new Set(g.listed)) check(g.kind, p, g.recorded[p])
    const listed = new Set(g.listed)
    for (const [p, d] of Object.entries(g.recorded)) if (!listed.has(p)) changes.push({ kind: g.kind, path: p, change: 'removed', recorded: d })
  }
  return changes.sort((a, b) => compareCodePoints(a.kind, b.kind) || compareCodePoints(a.path, b.path))
}

const status = (id: string, entrypoint: string, changes: ComponentChange[]): EntityStatus => ({ id, entrypoint, state: changes.length ? 'stale' : 'fresh', changes })

/**
 * Compare the digests recorded in the registry with `report` and explain every difference:
 * 'added' (listed, nothing recorded), 'removed' (recorded for a path no longer listed),
 * 'modified' (digests differ, including one recorded with another algorithm, e.g. a Python `sha256:`), 'missing' (file gone).
 */
export function computeStatus(registry: Registry, report: DigestReport): StatusReport {
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
            { kind: 'DATA', listed: m.data ?? [], recorded: m.data_digests ?? {} },
            { kind: 'CODE_DEP', listed: m.code ?? [], recorded: m.code_digests ?? {} },
          ],
        }),
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
          groups: [{ kind: 'TARGET_DATA', listed: t.data ?? [], recorded: t.data_digests ?? {} }],
        }),
      )
    })
  return { fresh: [...models, ...targets].every((e) => e.state === 'fresh'), models, targets }
}
