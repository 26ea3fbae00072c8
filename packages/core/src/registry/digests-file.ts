// `.modelops-bundle/digests.json`: what this tool records that registry.yaml cannot hold. The Python modelops-bundle
// rewrites registry.yaml from its own schema on every register (unknown fields dropped), so our semantic digests
// and the targets' data digests live beside it, in a file it never touches (docs/interop.md).
//
//   files:        path → { "sha256:<hex>" recorded in registry.yaml → our digest of the same bytes (pysem1:, blake2b256:) }
//   target_data:  target id → { data path → "sha256:<hex>" }
//   outputs:      model id → { own: the class body's outputs (registry.yaml's), all: with the inherited ones }
//
// Keyed by the sha256 the registry records, an entry can only ever describe the bytes it was made from: after a
// Python re-registration records a new sha256, the old entry simply no longer applies (status then says it compared
// by sha256).
import fs from 'node:fs'
import path from 'node:path'
import type { Warning } from '../errors.js'
import { writeFileAtomic } from '../project/atomic.js'
import { BUNDLE_DIR } from '../project/constants.js'
import { idTable, setOwn } from '../project/names.js'
import { normalizeStoredPath } from '../project/paths.js'
import type { Project } from '../project/project.js'
import { sameList, type Registry } from './types.js'

export const DIGESTS_FILE = 'digests.json'
export const DIGESTS_DISPLAY_PATH = `${BUNDLE_DIR}/${DIGESTS_FILE}`
const FORMAT = 'modelops-bundle-digests/1'
const MAX_BYTES = 16 * 1024 * 1024
const DIGEST = /^[a-z0-9]+:[0-9a-f]{64}$/

/** path → (recorded sha256 → our digest of the same bytes). Null-prototype tables: paths and ids come from a file. */
export type SemanticMap = Record<string, Record<string, string>>

export interface DigestsFile {
  files: SemanticMap
  target_data: Record<string, Record<string, string>>
  /** Model id → outputs with inherited ones, for as long as registry.yaml's outputs equal `own`. */
  outputs: Record<string, { own: string[]; all: string[] }>
}

export function emptyDigestsFile(): DigestsFile {
  return { files: idTable(), target_data: idTable(), outputs: idTable() }
}

/** Read digests.json; missing is empty, and a damaged file is a warning (it only costs precision: status falls back to sha256). */
export function readDigestsFile(project: Project, warnings?: Warning[]): DigestsFile {
  const file = path.join(project.dir, DIGESTS_FILE)
  const out = emptyDigestsFile()
  let text: string
  try {
    if (fs.statSync(file).size > MAX_BYTES) throw new Error('larger than 16 MiB')
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warnings?.push(damaged((err as Error).message))
    return out
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    warnings?.push(damaged(`not JSON (${(err as Error).message})`))
    return out
  }
  if (!isObject(doc) || doc.format !== FORMAT) {
    warnings?.push(damaged(`not a ${FORMAT} file`))
    return out
  }
  let skipped = 0
  for (const [p, bySha] of entriesOf(doc.files)) {
    const rel = normalizeStoredPath(p)
    if ('error' in rel || rel.path !== p || !isObject(bySha)) { skipped++; continue }
    for (const [sha, ours] of entriesOf(bySha)) {
      if (!DIGEST.test(sha) || typeof ours !== 'string' || !DIGEST.test(ours)) { skipped++; continue }
      ;(out.files[p] ??= idTable())[sha] = ours
    }
  }
  for (const [id, byPath] of entriesOf(doc.target_data)) {
    if (!isObject(byPath)) { skipped++; continue }
    for (const [p, d] of entriesOf(byPath)) {
      const rel = normalizeStoredPath(p)
      if ('error' in rel || rel.path !== p || typeof d !== 'string' || !DIGEST.test(d)) { skipped++; continue }
      ;(out.target_data[id] ??= idTable())[p] = d
    }
  }
  for (const [id, o] of entriesOf(doc.outputs)) {
    const names = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null)
    const own = isObject(o) ? names(o.own) : null
    const all = isObject(o) ? names(o.all) : null
    if (!own || !all) { skipped++; continue }
    out.outputs[id] = { own, all }
  }
  if (skipped > 0) warnings?.push(damaged(`${skipped} malformed entr${skipped === 1 ? 'y' : 'ies'} ignored`))
  return out
}

function damaged(why: string): Warning {
  return {
    code: 'DIGESTS_FILE',
    message: `${DIGESTS_DISPLAY_PATH}: ${why}; status compares by sha256 where it lacks an entry`,
    file: DIGESTS_DISPLAY_PATH,
  }
}

/**
 * Merge digests.json into a registry just read: targets get their recorded data digests (when registry.yaml has
 * none, as the Python tool writes it), and `registry.semantic` the semantic map.
 */
export function attachDigestsFile(registry: Registry, digests: DigestsFile): Registry {
  for (const id of Object.keys(registry.targets)) {
    const t = registry.targets[id]!
    const recorded = Object.prototype.hasOwnProperty.call(digests.target_data, id) ? digests.target_data[id]! : undefined
    if (!recorded || Object.keys(t.data_digests ?? {}).length > 0) continue
    const own = idTable<string>()
    for (const p of t.data) if (recorded[p] !== undefined) own[p] = recorded[p]!
    t.data_digests = own
  }
  // Only when there is something: a registry without digests.json stays equal to what registry.yaml says.
  if (Object.keys(digests.files).length > 0) registry.semantic = digests.files
  if (Object.keys(digests.outputs).length > 0) registry.all_outputs = digests.outputs
  return registry
}

/** What digests.json should hold for `registry`: only entries the registry still refers to, so it never grows stale. */
export function digestsFileOf(registry: Registry): DigestsFile {
  const out = emptyDigestsFile()
  const semantic = registry.semantic ?? idTable()
  const keep = (p: string, sha: string | null | undefined) => {
    if (!sha || !Object.prototype.hasOwnProperty.call(semantic, p)) return
    const ours = semantic[p]![sha]
    if (ours !== undefined) (out.files[p] ??= idTable())[sha] = ours
  }
  for (const m of Object.values(registry.models)) {
    keep(m.path, m.model_digest)
    for (const rec of [m.data_digests, m.code_digests]) for (const [p, d] of Object.entries(rec ?? {})) keep(p, d)
  }
  for (const [id, o] of Object.entries(registry.all_outputs ?? {})) {
    const m = Object.prototype.hasOwnProperty.call(registry.models, id) ? registry.models[id]! : undefined
    // Kept while it applies: registry.yaml's outputs are still the `own` it was recorded with.
    if (m && sameList(m.outputs, o.own)) out.outputs[id] = { own: [...o.own], all: [...o.all] }
  }
  for (const [id, t] of Object.entries(registry.targets)) {
    keep(t.path, t.target_digest)
    for (const [p, d] of Object.entries(t.data_digests ?? {})) {
      if (!t.data.includes(p)) continue
      ;(out.target_data[id] ??= idTable())[p] = d
      keep(p, d)
    }
  }
  return out
}

/** Canonical text: sorted keys, 2-space JSON, a trailing newline. */
export function serializeDigestsFile(d: DigestsFile): string {
  const sorted = (rec: Record<string, Record<string, string>>) => {
    const o: Record<string, Record<string, string>> = {}
    for (const k of Object.keys(rec).sort(cmp)) {
      const inner: Record<string, string> = {}
      for (const k2 of Object.keys(rec[k]!).sort(cmp)) inner[k2] = rec[k]![k2]!
      setOwn(o, k, inner)
    }
    return o
  }
  const doc = {
    format: FORMAT,
    about: 'Written by mops-bundle beside registry.yaml (which the Python modelops-bundle rewrites without unknown fields): our digests of the bytes whose sha256 registry.yaml records, and target data digests. Safe to delete: status then compares by sha256.',
    files: sorted(d.files),
    target_data: sorted(d.target_data),
    // Only when there is one: digests.json files of projects without inherited outputs stay as they were.
    ...(Object.keys(d.outputs).length > 0 ? { outputs: sortedOutputs(d.outputs) } : {}),
  }
  return `${JSON.stringify(doc, null, 2)}\n`
}

/** Write digests.json when its text changes (atomic; call under the project lock). Nothing to record: no file. */
export async function writeDigestsFile(project: Project, registry: Registry): Promise<void> {
  const file = path.join(project.dir, DIGESTS_FILE)
  const d = digestsFileOf(registry)
  const empty = Object.keys(d.files).length === 0 && Object.keys(d.target_data).length === 0 && Object.keys(d.outputs).length === 0
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined
  if (empty && before === undefined) return
  const text = serializeDigestsFile(d)
  if (text !== before) await writeFileAtomic(file, text)
}

function sortedOutputs(rec: DigestsFile['outputs']): Record<string, { own: string[]; all: string[] }> {
  const o: Record<string, { own: string[]; all: string[] }> = {}
  for (const k of Object.keys(rec).sort(cmp)) setOwn(o, k, rec[k]!)
  return o
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function entriesOf(v: unknown): Array<[string, unknown]> {
  return isObject(v) ? Object.entries(v) : []
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
