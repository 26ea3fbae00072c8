// Parse cache for the project's YAML files: the same text always parses to the same result, so every build (and
// every CLI run) need not pay for yaml (~2 MB/s, plus ~20 ms to load the library in a fresh process).
// Two levels, both keyed by a hash of the exact text (never by stat: an edit that keeps size and mtime still misses):
// an in-process memo (watch mode, dev servers) and a JSON snapshot per kind in the cache folder (fresh processes).
// Advisory: a missing, corrupt, foreign or unwritable snapshot only costs a parse, silently. Failures are never
// cached: errors always come from the real parse, with their positions.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Warning } from '../errors.js'
import { replaceFileSync } from './atomic.js'
import { setOwn } from './names.js'

/** Bump when a code change alters what parsing returns for some text. (A rebuilt or upgraded tool misses anyway: its module file's identity is in the key.) */
export const PARSE_CACHE_VERSION = 2
const FORMAT = 'modelops-bundle/parse-cache@1'
/** Results kept in memory per kind: a dev server flipping between a few registry versions stays warm. */
const MEMO_ENTRIES = 8

export interface ParseCacheOptions {
  /**
   * Folder of the persistent parse snapshots (`parse-config.json`, `parse-registry.json`): the workspace's cache folder
   * (Workspace.cacheDir); a relative path is resolved against the project root. `false` or absent: no snapshot (the
   * in-process memo still applies). Only the Workspace decides where a cache lives.
   */
  cacheDir?: string | false
}

/** What was parsed: one snapshot file and one memo per kind. */
export type ParseKind = 'config' | 'registry' | 'pyproject' | 'uv-lock'

/** The snapshot folder for a project, or undefined for none. */
export function parseCacheDir(root: string, cacheDir: string | false | undefined): string | undefined {
  return cacheDir === false || cacheDir === undefined ? undefined : path.resolve(root, cacheDir)
}

export interface ParseRequest<T> {
  kind: ParseKind
  text: string
  /** Everything besides the text that the result depends on (display path, project root). */
  context: string
  /** Snapshot folder (see parseCacheDir), or undefined for the memo only. */
  dir: string | undefined
  /** The real parse; pushes its warnings into `warnings`. */
  parse(warnings: Warning[]): T
  /** False for a result holding what a copy cannot carry (e.g. the registry's extras, kept in a WeakMap). */
  cacheable?(value: T): boolean
}

interface Entry {
  key: string
  /** Never handed out: callers get copies, so their mutations cannot leak into the next load. */
  template: { value: unknown; warnings: Warning[] }
  /** Snapshot files known to hold this entry. */
  files: Set<string>
}

/** Where results came from, for tests and measurements. */
export const parseCacheCounters = { memo: 0, snapshot: 0, parse: 0 }

const memos = new Map<ParseKind, Map<string, Entry>>()

/** Forget the in-process memo (tests; a fresh process in effect). */
export function clearParseMemo(): void {
  memos.clear()
}

/** The parse result of `req.text`, from the memo, the snapshot or a real parse; warnings are replayed as the parse produced them. */
export function cachedParse<T>(req: ParseRequest<T>): { value: T; warnings: Warning[] } {
  const key = keyOf(req.kind, req.context, req.text)
  const file = req.dir === undefined ? undefined : path.join(req.dir, `parse-${req.kind}.json`)
  let memo = memos.get(req.kind)
  if (!memo) memos.set(req.kind, (memo = new Map()))
  const hit = memo.get(key)
  if (hit) {
    // Re-insert: Map order is the LRU order.
    memo.delete(key)
    memo.set(key, hit)
    if (file && !hit.files.has(file)) {
      if (readHeaderKey(file) !== key) writeSnapshot(file, req.kind, hit)
      hit.files.add(file)
    }
    parseCacheCounters.memo++
    return copy(hit.template) as { value: T; warnings: Warning[] }
  }
  if (file) {
    const stored = readSnapshot(file, req.kind, key)
    if (stored) {
      remember(memo, { key, template: copy(stored) as Entry['template'], files: new Set([file]) })
      parseCacheCounters.snapshot++
      return stored as { value: T; warnings: Warning[] }
    }
  }
  const warnings: Warning[] = []
  const value = req.parse(warnings)
  parseCacheCounters.parse++
  if (req.cacheable && !req.cacheable(value)) return { value, warnings }
  let template: Entry['template']
  try {
    template = checkedCopy({ value, warnings }) as Entry['template']
  } catch {
    return { value, warnings }
  }
  const entry: Entry = { key, template, files: new Set() }
  remember(memo, entry)
  if (file) {
    // Reaching here, the snapshot was missing, stale or broken.
    writeSnapshot(file, req.kind, entry)
    entry.files.add(file)
  }
  return { value, warnings }
}

function remember(memo: Map<string, Entry>, entry: Entry): void {
  memo.set(entry.key, entry)
  while (memo.size > MEMO_ENTRIES) memo.delete(memo.keys().next().value!)
}

// ---- key ---------------------------------------------------------------------------------------------------------

let stamp: string | undefined
/** This tool's identity: format, version constant, the running module file (size, mtime) and yaml's version. */
function toolStamp(): string {
  if (stamp !== undefined) return stamp
  let self = 'unknown'
  let yamlVersion = 'unknown'
  try {
    const file = fileURLToPath(import.meta.url)
    const st = fs.statSync(file)
    self = `${file}:${st.size}:${st.mtimeMs}`
  } catch {
    // Not a file module (bundled elsewhere): the version constant alone must do.
  }
  try {
    yamlVersion = yamlPackageVersion(path.dirname(fileURLToPath(import.meta.url)))
  } catch {
    // keep 'unknown'
  }
  return (stamp = `${FORMAT}\0${PARSE_CACHE_VERSION}\0${self}\0yaml@${yamlVersion}\0${process.platform}`)
}

/**
 * yaml's version, found the way Node finds the package from here (node_modules folders upwards). Not through
 * require.resolve: starting the CommonJS loader in a fresh ESM process costs ~2.5 ms, more than a snapshot hit.
 */
function yamlPackageVersion(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', 'yaml', 'package.json')
    if (fs.statSync(file, { throwIfNoEntry: false })) return String((JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown }).version)
    if (path.dirname(dir) === dir) return 'unknown'
  }
}

function keyOf(kind: ParseKind, context: string, text: string): string {
  return createHash('sha256').update(`${toolStamp()}\0${kind}\0${context}\0`).update(text).digest('hex')
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

// ---- snapshot file: a header line {format, kind, key, sum}, then the body {value, warnings, specials} ------------

function readHeaderKey(file: string): string | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8')
    const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as { format?: unknown; key?: unknown }
    return header?.format === FORMAT && typeof header.key === 'string' ? header.key : undefined
  } catch {
    return undefined
  }
}

function readSnapshot(file: string, kind: ParseKind, key: string): Entry['template'] | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8')
    const nl = text.indexOf('\n')
    if (nl < 0) return undefined
    const header = JSON.parse(text.slice(0, nl)) as { format?: unknown; kind?: unknown; key?: unknown; sum?: unknown }
    if (header?.format !== FORMAT || header.kind !== kind || header.key !== key) return undefined
    // The sum catches a torn or hand-edited body that still happens to be JSON.
    const body = text.slice(nl + 1)
    if (sha256(body) !== header.sum) return undefined
    const doc = JSON.parse(body) as { value?: unknown; warnings?: unknown; specials?: unknown }
    if (!doc || typeof doc !== 'object' || !('value' in doc) || !Array.isArray(doc.warnings) || !Array.isArray(doc.specials)) return undefined
    const payload = { value: doc.value, warnings: doc.warnings as Warning[] }
    for (const special of doc.specials) restoreSpecial(payload, special)
    return payload
  } catch {
    return undefined
  }
}

function writeSnapshot(file: string, kind: ParseKind, entry: Entry): void {
  try {
    const specials: Special[] = []
    const json = toJson(entry.template, [], specials) as Entry['template']
    const body = JSON.stringify({ value: json.value, warnings: json.warnings, specials })
    const header = JSON.stringify({ format: FORMAT, kind, key: entry.key, sum: sha256(body) })
    fs.mkdirSync(path.dirname(file), { recursive: true })
    // Synchronous because the loaders are; no fsync: a torn snapshot fails its sum and is simply ignored.
    replaceFileSync(file, `${header}\n${body}`)
  } catch {
    // Unwritable cache folder: stay with the memo.
  }
}

// ---- copies of plain data ----------------------------------------------------------------------------------------

/** What JSON cannot hold, recorded by path: [path, 'undefined' | 'NaN' | 'Infinity' | '-Infinity' | '-0']. */
type Special = [Array<string | number>, string]

const NOT_PLAIN = new Error('not plain data')

/**
 * Deep copy that refuses anything a JSON snapshot plus specials cannot reproduce exactly: class instances, Maps,
 * Dates, bigint, symbols, accessors, non-enumerable or read-only properties, holes, frozen objects.
 */
function checkedCopy(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === undefined) return v
  if (typeof v !== 'object' || !Object.isExtensible(v)) throw NOT_PLAIN
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype || Reflect.ownKeys(v).length !== v.length + 1) throw NOT_PLAIN
    const out: unknown[] = []
    for (let i = 0; i < v.length; i++) {
      if (!Object.hasOwn(v, i)) throw NOT_PLAIN
      out.push(checkedCopy(v[i]))
    }
    return out
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) throw NOT_PLAIN
  const out: Record<string, unknown> = {}
  for (const key of Reflect.ownKeys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, key)!
    if (typeof key !== 'string' || !('value' in d) || !d.enumerable || !d.writable || !d.configurable) throw NOT_PLAIN
    setOwn(out, key, checkedCopy(d.value))
  }
  return out
}

/** Fast deep copy of data already accepted by checkedCopy (or read back from a snapshot). */
function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) return v.map(copy)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(v)) {
    const value = copy((v as Record<string, unknown>)[key])
    if (key === '__proto__') setOwn(out, key, value)
    else out[key] = value
  }
  return out
}


function toJson(v: unknown, at: Array<string | number>, specials: Special[]): unknown {
  if (v === undefined) return special(at, 'undefined', specials)
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return special(at, 'NaN', specials)
    if (v === Infinity) return special(at, 'Infinity', specials)
    if (v === -Infinity) return special(at, '-Infinity', specials)
    if (Object.is(v, -0)) return special(at, '-0', specials)
    return v
  }
  if (typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) return v.map((item, i) => toJson(item, [...at, i], specials))
  const out: Record<string, unknown> = {}
  // JSON.stringify writes an own `__proto__` and JSON.parse reads it back as an own property.
  for (const key of Object.keys(v)) setOwn(out, key, toJson((v as Record<string, unknown>)[key], [...at, key], specials))
  return out
}

function special(at: Array<string | number>, tag: string, specials: Special[]): null {
  // The null keeps the key's place, so key order survives.
  specials.push([at, tag])
  return null
}

const SPECIAL_VALUES: Record<string, unknown> = { undefined, NaN, Infinity, '-Infinity': -Infinity, '-0': -0 }

function restoreSpecial(root: object, special: unknown): void {
  if (!Array.isArray(special) || !Array.isArray(special[0]) || special[0].length === 0 || !Object.hasOwn(SPECIAL_VALUES, special[1])) throw NOT_PLAIN
  const at = special[0] as unknown[]
  let obj: unknown = root
  for (const step of at.slice(0, -1)) {
    if (typeof obj !== 'object' || obj === null || !Object.hasOwn(obj, step as PropertyKey)) throw NOT_PLAIN
    obj = (obj as Record<string, unknown>)[step as string]
  }
  const last = at[at.length - 1] as string | number
  if (typeof obj !== 'object' || obj === null || !Object.hasOwn(obj, last) || (obj as Record<string, unknown>)[last] !== null) throw NOT_PLAIN
  setOwn(obj as Record<string, unknown>, String(last), SPECIAL_VALUES[special[1] as string])
}
