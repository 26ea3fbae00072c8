// The state of one pysem1 walk (normalize.ts, string-walk.ts): the frame of every node it descends into, the
// grammar's tables by id, and the shared opening tokens.
import type { Tree } from 'web-tree-sitter'
import type { Piece } from './literals.js'
import type { Emitter } from './reshape.js'
import { type IndentChecker, YIELD } from './syntax.js'

/** Anonymous tokens that are pure punctuation: the node types around them already carry the structure. */
const DROP = new Set([',', '(', ')', '[', ']', '{', '}', ';', '\\'])

export interface StringAcc {
  /** Index in `out` of the placeholder for the head token (str/bytes/joinedstr), patched at the end. */
  head: number
  field: string
  fstring: boolean
  bytes: boolean
  /** 1: a bytes part seen, 2: a str part seen (both: CPython's "cannot mix bytes and nonbytes literals"). */
  kinds: number
  doc: boolean
  pieces: Piece[]
}

export interface Frame {
  type: string
  /** tree-sitter's own node type (`type` is what is written: expression_list is written as tuple). */
  node: string
  /** Tokens to write when leaving. */
  close: string | null
  /** Field given to named children that have none (transparent parentheses pass theirs on). */
  childField: string | null
  acc: StringAcc | null
  raw: boolean
  bytes: boolean
  fstring: boolean
  /** Module or def/class body whose first statement may be a docstring. */
  docPending: boolean
  docStmt: boolean
  /** subscript: 0 nothing to do, 1 wrap the subscripts in a tuple, 2 tuple opened. */
  wrap: number
  /** interpolation / format_specifier: source span. */
  start: number
  /** format_specifier: end of its span; string: length of the closing quote run (1 or 3). */
  end: number
  /** format_specifier / string: end of the last child (literal text between children is part of the value). */
  gap: number
  /** Named children entered so far (comments not counted). */
  n: number
  /** block: its first statement shares the header's line (`if a: b`), so no statement of it may start a line. */
  inline: boolean
  /** slice: colons seen (a second colon is written only when a step follows: `x[1::]` is `x[1:]`); for_in_clause: iterables. */
  count: number
  /** list_splat / dictionary_splat: the level its operand needs (syntax.ts). */
  min: number
  /** The token stream must not be flushed while this frame is open (a head token is patched at the end). */
  hold: boolean
}

export interface Tables {
  types: string[]
  named: boolean[]
  fields: (string | null)[]
  /** By id, for anonymous nodes: the token written ('+ for `+`), or null for punctuation that is dropped. */
  anon: (string | null)[]
}
const tablesByLanguage = new WeakMap<object, Tables>()

/** Type names, namedness and field names by id: one wasm call per node instead of three. */
export function tablesFor(tree: Tree): Tables {
  const lang = tree.language
  let t = tablesByLanguage.get(lang)
  if (!t) {
    const types: string[] = []
    const named: boolean[] = []
    for (let id = 0; id < lang.nodeTypeCount; id++) {
      types.push(lang.nodeTypeForId(id) ?? 'ERROR')
      named.push(lang.nodeTypeIsNamed(id))
    }
    t = { types, named, fields: lang.fields.map((f) => f ?? null), anon: types.map((type) => (DROP.has(type) ? null : "'" + type)) }
    tablesByLanguage.set(lang, t)
  }
  return t
}

export function frame(type: string, node: string = type): Frame {
  return { type, node, close: null, childField: null, acc: null, raw: false, bytes: false, fstring: false, docPending: false, docStmt: false, wrap: 0, start: 0, end: 0, gap: 0, n: 0, inline: false, count: 0, min: YIELD, hold: false }
}

/** Opening tokens by type and field, built once: the hot loop pushes shared flat strings instead of new ones. */
const OPENED = new Map<string, Map<string, string>>()

export function open(type: string, field: string | null): string {
  let byField = OPENED.get(type)
  if (!byField) OPENED.set(type, (byField = new Map()))
  const key = field ?? ''
  let token = byField.get(key)
  if (token === undefined) byField.set(key, (token = field ? `(${type}@${field}` : `(${type}`))
  return token
}

/** One walk's state. */
export interface Walk extends Emitter {
  src: string
  stack: Frame[]
  blankedRows: number[]
  tables: Tables
  sink?: TokenSink
  /** The source has both `&` and `^`: binary runs may need re-association (reshape.ts). */
  caret: boolean
  indent: IndentChecker
  /** Open `block` frames: the statement depth CPython's INDENT/DEDENT tokens must agree with. */
  blocks: number
  /** Open frames with `hold`. */
  holds: number
  /** Offset of the list_splat that a star rotation made transparent, or -1. */
  unstar: number
}

/** Receives the token stream in order, a batch at a time (the batch array is reused after the call). */
export type TokenSink = (tokens: string[]) => void

