// Reading the project's YAML files (registry.yaml, config.yaml) the way PyYAML's safe_load reads them,
// keeping node positions so every defect is reported as file:line:column.
import { createRequire } from 'node:module'
import type * as YamlLib from 'yaml'
import type { Alias, Document, LineCounter, Node, Scalar, Tags, YAMLMap, YAMLSeq } from 'yaml'
import { ModelopsError, type ErrorCode } from '../errors.js'

let lib: typeof YamlLib | undefined
/**
 * The yaml library, loaded on first use: loading it costs ~20 ms in a fresh process, and with the parse cache
 * (parse-cache.ts) a build whose YAML files did not change never parses. Import the node guards from here, not from 'yaml'.
 */
export function yamlLib(): typeof YamlLib {
  return (lib ??= createRequire(import.meta.url)('yaml') as typeof YamlLib)
}
export const isMap = (node: unknown): node is YAMLMap => yamlLib().isMap(node)
export const isSeq = (node: unknown): node is YAMLSeq => yamlLib().isSeq(node)
export const isScalar = (node: unknown): node is Scalar => yamlLib().isScalar(node)
export const isAlias = (node: unknown): node is Alias => yamlLib().isAlias(node)

/**
 * Largest YAML file we parse (bytes). A registry of 10,000 models is about 7 MiB; yaml parses a few MiB per second,
 * so beyond this we refuse at once rather than keep the user waiting for a file that is almost surely wrong.
 */
export const MAX_YAML_BYTES = 10 * 1024 * 1024
/** Alias expansion budget (yaml's toJS guard against "billion laughs"). PyYAML writes aliases only for shared objects. */
export const MAX_ALIAS_COUNT = 1000

export interface YamlSource {
  doc: Document.Parsed
  /** Path shown in messages. */
  file: string
  code: ErrorCode
  hint: string
  lines: LineCounter
}

export interface Position {
  line: number
  column: number
}

export function positionOf(src: YamlSource, offset: number | undefined): Position {
  if (offset === undefined) return { line: 1, column: 1 }
  const { line, col } = src.lines.linePos(offset)
  // LineCounter reports line 0 before the first newline it has seen.
  return line === 0 ? { line: 1, column: offset + 1 } : { line, column: col }
}

export function nodeError(src: YamlSource, node: Node | null | undefined, message: string, hint = src.hint, code = src.code): ModelopsError {
  const pos = positionOf(src, node?.range?.[0])
  return new ModelopsError(code, message, { file: src.file, line: pos.line, column: pos.column, hint })
}

/**
 * Parse one YAML document with PyYAML's YAML 1.1 resolution (so `yes` is a boolean and `1.0` a float, as for the
 * Python tool), unique keys, bounded size and bounded alias expansion. Returns null for an empty document.
 */
export function parseYaml(text: string, opts: { file: string; code: ErrorCode; hint: string; maxBytes?: number }): { src: YamlSource; root: Node | null } {
  const maxBytes = opts.maxBytes ?? MAX_YAML_BYTES
  // String length counts UTF-16 units: at most the UTF-8 byte length, and a cheap first test.
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) throw tooLarge(opts.file, Buffer.byteLength(text, 'utf8'), maxBytes, opts.code)
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const { LineCounter, parseDocument } = yamlLib()
  const lines = new LineCounter()
  let doc: Document.Parsed
  try {
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, version: '1.1', prettyErrors: false, customTags: pyyamlBooleans })
  } catch (err) {
    // The parser is recursive: absurd nesting can exhaust the stack. Report it, never crash.
    throw new ModelopsError(opts.code, `cannot parse YAML: ${yamlMessage(String((err as Error)?.message ?? err), '')}`, { file: opts.file, line: 1, column: 1, hint: opts.hint, cause: err })
  }
  const src: YamlSource = { doc, file: opts.file, code: opts.code, hint: opts.hint, lines }
  const first = doc.errors[0]
  if (first) {
    const pos = positionOf(src, first.pos[0])
    throw new ModelopsError(opts.code, `YAML syntax error: ${yamlMessage(first.message, first.code)}`, { file: opts.file, line: pos.line, column: pos.column, hint: opts.hint })
  }
  // Expand once with yaml's own alias guard, so a later walk over resolved aliases is bounded too.
  // (Skipped when no alias can be present: the expansion costs as much as the parse.)
  if (text.includes('*')) try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (err) {
    const msg = (err as Error).message ?? String(err)
    const alias = findFirstAlias(doc.contents)
    const pos = positionOf(src, alias?.range?.[0])
    const what = /alias/i.test(msg)
      ? `too many YAML aliases (over ${MAX_ALIAS_COUNT} expansions): refusing a possible "billion laughs" document`
      : `cannot read YAML: ${msg}`
    throw new ModelopsError(opts.code, what, { file: opts.file, line: pos.line, column: pos.column, hint: opts.hint, cause: err })
  }
  const root = doc.contents
  if (root === null || (isScalar(root) && root.value === null)) return { src, root: null }
  return { src, root }
}

// yaml's YAML 1.1 schema also reads y/Y/n/N as booleans; PyYAML does not (`y: 1` is the key 'y' there).
const PYYAML_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/
const PYYAML_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/
// PyYAML's implicit float needs a digit and a signed exponent: `.`, `._`, `-.5` and `1e5` stay strings there.
const PYYAML_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?)$/
const NEVER = /(?!)/
function pyyamlBooleans(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== 'object' || !('test' in tag) || !tag.test) return tag
    if (tag.tag === 'tag:yaml.org,2002:bool') return { ...tag, test: tag.identify?.(true) ? PYYAML_TRUE : PYYAML_FALSE }
    if (tag.tag === 'tag:yaml.org,2002:float' && !/nan/.test(tag.test.source)) {
      if (tag.format === 'EXP') return { ...tag, test: NEVER }
      if (tag.format === undefined) return { ...tag, test: PYYAML_FLOAT }
    }
    return tag
  })
}

export function tooLarge(file: string, bytes: number, maxBytes: number, code: ErrorCode): ModelopsError {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`
  return new ModelopsError(code, `file is too large to be a modelops-bundle file (${mib(bytes)}; the limit is ${mib(maxBytes)})`, {
    file,
    line: 1,
    column: 1,
    hint: 'check that this is the right file: a registry of thousands of models is a few MiB. Restore it from version control or a backup.',
  })
}

function yamlMessage(message: string, code: string): string {
  if (code === 'DUPLICATE_KEY') return 'duplicate key (each key may appear only once in a mapping; model and target ids must be unique)'
  if (/call stack/i.test(message)) return 'the document is nested too deeply'
  // yaml's messages sometimes end with a source excerpt; keep the first line.
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
}

function findFirstAlias(node: unknown, depth = 0): Node | undefined {
  if (depth > 200 || node === null || typeof node !== 'object') return undefined
  if (isAlias(node)) return node
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items as unknown[]) {
      if (isAlias(item)) return item
      if (item && typeof item === 'object' && 'key' in item) {
        const pair = item as { key: unknown; value: unknown }
        const found = findFirstAlias(pair.key, depth + 1) ?? findFirstAlias(pair.value, depth + 1)
        if (found) return found
      } else {
        const found = findFirstAlias(item, depth + 1)
        if (found) return found
      }
    }
  }
  return undefined
}

// ---- typed access to nodes -------------------------------------------------------------------------------------

/** Follow an alias to its anchored node. */
export function deref(src: YamlSource, node: unknown): Node | null {
  if (node === null || node === undefined) return null
  if (isAlias(node)) return (node.resolve(src.doc) as Node | undefined) ?? null
  return node as Node
}

/** Human description of a value for "got …" in messages. */
export function describe(node: Node | null): string {
  if (node === null) return 'nothing (null)'
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return 'a list'
  if (isScalar(node)) {
    const v = node.value
    if (v === null) return 'null'
    if (typeof v === 'boolean') return `a boolean (${String(v)}${node.source !== undefined && String(node.source) !== String(v) ? `, written ${node.source}` : ''})`
    if (typeof v === 'number' || typeof v === 'bigint') return `a number (${String(node.source ?? v)})`
    if (v instanceof Date) return `a date (${String(node.source ?? v.toISOString())})`
    if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`
    return `a ${typeof v}`
  }
  return 'an unsupported value'
}

export function isNullNode(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null)
}

/** Pairs of a mapping with their (dereferenced) key and value nodes, and the key as a string. */
export function mapEntries(src: YamlSource, map: YAMLMap, where: string): Array<{ key: string; keyNode: Node; value: Node | null }> {
  const out: Array<{ key: string; keyNode: Node; value: Node | null }> = []
  // Our own duplicate check: yaml's uniqueKeys compares every key with every other (quadratic on 10,000 models).
  const seen = new Map<string, Node>()
  for (const pair of map.items) {
    const keyNode = deref(src, pair.key)
    if (!keyNode || !isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
      throw nodeError(src, keyNode ?? map, `${where}: keys must be plain names, got ${describe(keyNode)}`)
    }
    // PyYAML would hand Python an int key; a name like `2024` is what the user meant, keep it as text.
    const key = typeof keyNode.value === 'string' ? keyNode.value : String(keyNode.source ?? keyNode.value)
    const first = seen.get(key)
    if (first) {
      const at = positionOf(src, first.range?.[0])
      throw nodeError(src, keyNode, `${where}: duplicate key ${JSON.stringify(key)} (first at line ${at.line}); each key may appear only once`, 'remove or rename one of the two entries (ids of models and targets must be unique)')
    }
    seen.set(key, keyNode)
    // `? key` without a value has no node at all: point at the key instead.
    const value = deref(src, pair.value) ?? Object.assign(new (yamlLib().Scalar)(null), { range: keyNode.range })
    out.push({ key, keyNode, value })
  }
  return out
}

export function expectMap(src: YamlSource, node: Node | null, where: string, example: string): YAMLMap | null {
  if (isNullNode(node)) return null
  if (!isMap(node)) throw nodeError(src, node, `${where} must be a mapping, got ${describe(node)}`, `write it as ${example}`)
  return node
}

export function expectSeq(src: YamlSource, node: Node | null, where: string, example: string): YAMLSeq | null {
  if (isNullNode(node)) return null
  if (!isSeq(node)) throw nodeError(src, node, `${where} must be a list, got ${describe(node)}`, `write it as ${example}`)
  return node
}

export function expectString(src: YamlSource, node: Node | null, where: string, example: string): string {
  if (node && isScalar(node) && typeof node.value === 'string') return node.value
  throw nodeError(src, node, `${where} must be a string, got ${describe(node)}`, `write it as ${example} (quote values such as 'yes', 'null' or '1.0' to keep them text)`)
}

export function expectNumber(src: YamlSource, node: Node | null, where: string, example: string): number {
  if (node && isScalar(node) && typeof node.value === 'number') return node.value
  if (node && isScalar(node) && typeof node.value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(node.value)) return Number(node.value)
  throw nodeError(src, node, `${where} must be a number, got ${describe(node)}`, `write it as ${example}`)
}

export function expectBoolean(src: YamlSource, node: Node | null, where: string, example: string): boolean {
  if (node && isScalar(node) && typeof node.value === 'boolean') return node.value
  throw nodeError(src, node, `${where} must be true or false, got ${describe(node)}`, `write it as ${example}`)
}

export function stringList(src: YamlSource, node: Node | null, where: string, example: string): string[] {
  const seq = expectSeq(src, node, where, example)
  if (!seq) return []
  return seq.items.map((item, i) => expectString(src, deref(src, item), `${where}[${i}]`, example))
}

