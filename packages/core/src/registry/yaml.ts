// Registry → R2 YAML in the layout PyYAML's safe_dump writes (block style, `- ` items at the parent's column,
// `[]`/`{}` for empties, `null` for None). Our own emitter rather than yaml.stringify, because the one requirement
// that matters is quoting: every scalar must read back as the same string in PyYAML (YAML 1.1, where `yes`, `on`,
// `1:20` and `2024-01-01` are not strings) and in YAML 1.2 readers alike.
import type { ModelEntry, Registry, TargetEntry, TargetSet } from './types.js'
import { extrasOf } from './schema.js'
import { setOwn } from '../project/names.js'

/** R2 YAML that PyYAML's safe_load reads back to the same structure. */
export function serializeRegistry(registry: Registry): string {
  const doc: Record<string, unknown> = {
    models: mapValues(registry.models, modelDict),
    targets: mapValues(registry.targets, targetDict),
    target_sets: mapValues(registry.target_sets, targetSetDict),
    ...extrasOf(registry),
  }
  // The Python tool writes exactly this line; a plain 1.0 would read back as a float.
  const lines = ["version: '1.0'"]
  for (const key of Object.keys(doc)) {
    if (key === 'version') continue
    emitPair(lines, 0, key, doc[key])
  }
  return `${lines.join('\n')}\n`
}

function mapValues<T>(obj: Record<string, T> | undefined, fn: (v: T) => Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(obj ?? {})) setOwn(out, key, fn(obj![key]!))
  return out
}

// Key order of the reference's to_dict (§1.3). Target data digests are not written here: the Python tool would drop
// them on its next write, so they live in digests.json (registry/digests-file.ts).
function modelDict(m: ModelEntry): Record<string, unknown> {
  return {
    entrypoint: m.entrypoint,
    path: m.path,
    class_name: m.class_name,
    scenarios: m.scenarios ?? [],
    parameters: m.parameters ?? [],
    outputs: m.outputs ?? [],
    data: m.data ?? [],
    data_digests: m.data_digests ?? {},
    code: m.code ?? [],
    code_digests: m.code_digests ?? {},
    model_digest: m.model_digest ?? null,
    ...extrasOf(m),
  }
}

function targetDict(t: TargetEntry): Record<string, unknown> {
  return {
    path: t.path,
    entrypoint: t.entrypoint,
    model_output: t.model_output,
    data: t.data ?? [],
    target_digest: t.target_digest ?? null,
    ...extrasOf(t),
  }
}

function targetSetDict(s: TargetSet): Record<string, unknown> {
  return { targets: s.targets ?? [], weights: s.weights ?? {}, ...extrasOf(s) }
}

// ---- generic block emitter ---------------------------------------------------------------------------------------

// PyYAML refuses implicit (`key:`) keys longer than 1024 characters; longer ones use the explicit `? key` form.
const MAX_IMPLICIT_KEY = 1000

function isCollection(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null
}

function isEmptyCollection(v: unknown): boolean {
  return Array.isArray(v) ? v.length === 0 : isCollection(v) && Object.keys(v).length === 0
}

function inline(v: unknown): string {
  if (Array.isArray(v)) return '[]'
  if (isCollection(v)) return '{}'
  return scalar(v)
}

function emitPair(lines: string[], indent: number, key: string, value: unknown): void {
  const pad = ' '.repeat(indent)
  const k = scalar(key)
  const block = isCollection(value) && !isEmptyCollection(value)
  if (k.length > MAX_IMPLICIT_KEY) {
    lines.push(`${pad}? ${k}`)
    if (!block) lines.push(`${pad}: ${inline(value)}`)
    else {
      lines.push(`${pad}:`)
      emitBlock(lines, indent + 2, value)
    }
    return
  }
  if (!block) lines.push(`${pad}${k}: ${inline(value)}`)
  else {
    lines.push(`${pad}${k}:`)
    // PyYAML puts a mapping's sequence items at the key's own column.
    emitBlock(lines, Array.isArray(value) ? indent : indent + 2, value)
  }
}

function emitBlock(lines: string[], indent: number, value: Record<string, unknown> | unknown[]): void {
  const pad = ' '.repeat(indent)
  if (Array.isArray(value)) {
    for (const item of value) {
      if (!isCollection(item) || isEmptyCollection(item)) {
        lines.push(`${pad}- ${inline(item)}`)
        continue
      }
      // A nested block starts on the dash line: `- key: v` then the rest two columns in.
      const sub: string[] = []
      emitBlock(sub, indent + 2, item)
      lines.push(`${pad}- ${sub[0]!.slice(indent + 2)}`, ...sub.slice(1))
    }
    return
  }
  for (const key of Object.keys(value)) {
    if (value[key] === undefined) continue
    emitPair(lines, indent, key, value[key])
  }
}

// ---- scalars -----------------------------------------------------------------------------------------------------

// Plain only for text no YAML 1.1 or 1.2 resolver can claim: a letter or underscore first (not a number, date,
// `.inf`, `~`, `<<`, `-`, `*`, `&`, `!`…), no spaces, `#`, quotes or flow characters, colons only between words.
const PLAIN_SAFE = /^[A-Za-z_][A-Za-z0-9_./-]*(?::[A-Za-z0-9_./-]+)*$/
const RESERVED_WORDS = /^(?:y|n|yes|no|true|false|on|off|null)$/i

export function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'number') return number(v)
  if (typeof v === 'bigint') return v.toString()
  const s = String(v)
  if (PLAIN_SAFE.test(s) && !RESERVED_WORDS.test(s)) return s
  return doubleQuoted(s)
}

/** A float as PyYAML writes one: always a dot (YAML 1.1 needs it), exponent with a sign. */
function number(n: number): string {
  if (Number.isNaN(n)) return '.nan'
  if (n === Infinity) return '.inf'
  if (n === -Infinity) return '-.inf'
  if (Object.is(n, -0)) return '-0.0'
  const s = String(n)
  const [mantissa, exponent] = s.split('e') as [string, string | undefined]
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`
  return exponent === undefined ? m : `${m}e${exponent.startsWith('-') || exponent.startsWith('+') ? exponent : `+${exponent}`}`
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\0': '\\0' }

/**
 * Double-quoted with escapes for everything PyYAML's reader refuses (non-printable) or would fold (line breaks,
 * including U+0085, U+2028, U+2029), plus BOM and lone surrogates. Other non-ASCII stays literal UTF-8.
 */
function doubleQuoted(s: string): string {
  let out = '"'
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    const esc = ESCAPES[ch]
    if (esc) out += esc
    else if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff && cp !== 0x2028 && cp !== 0x2029) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) || cp >= 0x10000) out += ch
    else if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`
    else out += `\\u${cp.toString(16).padStart(4, '0')}`
  }
  return `${out}"`
}
