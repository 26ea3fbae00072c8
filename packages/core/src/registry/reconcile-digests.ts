// Which digests reconciliation records: registry.yaml gets the `sha256:` the Python tool reads (our digest for a
// folder, or the recorded one for a file that has gone), and digests.json our digest of the same bytes.
import type { Warning } from '../errors.js'
import { digestFiles, type ComputeOptions } from '../digest/compute.js'
import { sha256Files } from '../digest/status.js'
import { idTable } from '../project/names.js'
import type { Project } from '../project/project.js'
import type { Registry } from './types.js'
import { existsAny } from './reconcile-files.js'

/**
 * digestFiles over the paths that exist. A recorded dependency that has gone keeps its recorded digest (so status
 * reports it missing) and is named in a warning.
 */
export async function digestPresent(
  project: Project,
  file: string,
  paths: { code: string[]; data: string[] },
  recorded: Record<string, string>,
  warnings: Warning[],
  compute: (ComputeOptions & { cacheDir?: string | false }) | undefined,
): Promise<{ code: Record<string, string>; data: Record<string, string> }> {
  const present = (list: string[]) => list.filter((p) => existsAny(project, p))
  const opts = { ...compute, warnings }
  // Separate passes: a path listed as both code and data is digested both ways, and the key must not mix them.
  const code = await digestFiles(project, { code: present(paths.code), data: [] }, opts)
  const data = await digestFiles(project, { code: [], data: present(paths.data) }, opts)
  for (const [list, digests] of [[paths.code, code], [paths.data, data]] as const) {
    for (const p of list) {
      if (digests[p] !== undefined) continue
      warnings.push({ code: 'FILE_NOT_FOUND', message: `recorded dependency ${p} is missing`, file })
      if (recorded[p] !== undefined) digests[p] = recorded[p]
    }
  }
  return { code, data }
}

/** [path, sha256 recorded in the registry, our digest of the same bytes] for digests.json. */
export type SemanticNote = [string, string, string]

/**
 * What the registry records for each digested path: the `sha256:` of a file's bytes, which is what the Python tool
 * records and checks in these fields; our digest for folders (which it cannot digest) and for a missing file (the
 * digest recorded before). Our digest of each file goes to `notes`, for digests.json.
 */
export async function recordable(project: Project, own: Record<string, string>, notes: SemanticNote[]): Promise<Record<string, string>> {
  const sha = await sha256Files(project, Object.keys(own))
  const out: Record<string, string> = {}
  for (const [p, d] of Object.entries(own)) {
    const s = sha.get(p)
    if (s?.startsWith('sha256:')) {
      out[p] = s
      if (d !== s) notes.push([p, s, d])
    } else out[p] = d
  }
  return out
}

export function mergeSemantic(registry: Registry, notes: SemanticNote[]): void {
  const semantic = (registry.semantic ??= Object.create(null) as Record<string, Record<string, string>>)
  for (const [p, sha, d] of notes) {
    if (!Object.prototype.hasOwnProperty.call(semantic, p)) semantic[p] = Object.create(null) as Record<string, string>
    semantic[p]![sha] = d
  }
}

export function pick(digests: Record<string, string>, paths: string[]): Record<string, string> {
  const out = idTable<string>()
  for (const p of paths) if (digests[p] !== undefined) out[p] = digests[p]
  return out
}
