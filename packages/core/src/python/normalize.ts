// pysem1 normalisation: one cursor walk over the tree-sitter tree, writing a canonical token stream
// (one token per line; docs/digests.md, section pysem1, is the byte-level definition). Formatting never reaches a token:
// comments, whitespace and punctuation are dropped, literals become values, redundant parentheses vanish,
// and the few places where tree-sitter's shape follows formatting are mapped to one shape.
import type { Tree, TreeCursor } from 'web-tree-sitter'
import { rowsInside } from './blank.js'
import { cleanDocstring, decodeStringBody, identifierText, numberToken, type Piece } from './literals.js'

/** Anonymous tokens that are pure punctuation: the node types around them already carry the structure. */
const DROP = new Set([',', '(', ')', '[', ']', '{', '}', ';', '\\'])
/** Node types whose spelling is formatting: `a, b` and `(a, b)` are the same Tuple; `[a, b] = c` a List. */
const RENAME: Record<string, string> = { expression_list: 'tuple', pattern_list: 'tuple', tuple_pattern: 'tuple', list_pattern: 'list', float: 'number', integer: 'number' }

interface StringAcc {
  /** Index in `out` of the placeholder for the head token (str/bytes/joinedstr), patched at the end. */
  head: number
  field: string
  fstring: boolean
  bytes: boolean
  doc: boolean
  pieces: Piece[]
}

interface Frame {
  type: string
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
}

/** Thrown when a blanked comment row lies inside a multi-line string: the caller re-parses the original. */
export class BlankedInsideString extends Error {}

interface Tables {
  types: string[]
  named: boolean[]
  fields: (string | null)[]
  /** By id, for anonymous nodes: the token written ('+ for `+`), or null for punctuation that is dropped. */
  anon: (string | null)[]
}
const tablesByLanguage = new WeakMap<object, Tables>()

/** Type names, namedness and field names by id: one wasm call per node instead of three. */
function tablesFor(tree: Tree): Tables {
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

function frame(type: string): Frame {
  return { type, close: null, childField: null, acc: null, raw: false, bytes: false, fstring: false, docPending: false, docStmt: false, wrap: 0, start: 0, end: 0, gap: 0 }
}

function pushPieces(acc: StringAcc, pieces: Piece[]): void {
  for (const p of pieces) {
    if (p === '') continue
    const last = acc.pieces[acc.pieces.length - 1]
    if (typeof p === 'string' && typeof last === 'string') acc.pieces[acc.pieces.length - 1] = last + p
    else acc.pieces.push(p)
  }
}

function pieceToken(p: Piece): string {
  return typeof p === 'string' ? 's' + JSON.stringify(p) : 'N' + JSON.stringify(p.named)
}

/** Opening tokens by type and field, built once: the hot loop pushes shared flat strings instead of new ones. */
const OPENED = new Map<string, Map<string, string>>()

function open(type: string, field: string | null): string {
  let byField = OPENED.get(type)
  if (!byField) OPENED.set(type, (byField = new Map()))
  const key = field ?? ''
  let token = byField.get(key)
  if (token === undefined) byField.set(key, (token = field ? `(${type}@${field}` : `(${type}`))
  return token
}

/**
 * Canonical token stream of a parsed module (no ERROR nodes). `blankedRows` are the rows emptied by
 * blankCommentLines; a multi-line string spanning one throws BlankedInsideString.
 */
export function serializeTree(tree: Tree, src: string, blankedRows: number[], sink?: TokenSink): string[] {
  const out: string[] = []
  const stack: Frame[] = []
  const c = tree.walk()
  try {
    walk(c, src, out, stack, blankedRows, tablesFor(tree), sink)
  } finally {
    c.delete()
  }
  if (sink && out.length > 0) {
    sink(out)
    out.length = 0
  }
  return out
}

/** Receives the token stream in order, a batch at a time (the batch array is reused after the call). */
export type TokenSink = (tokens: string[]) => void

/** Tokens buffered before a batch goes to the sink: big files then hash in pieces instead of one huge string. */
const BATCH = 16384

function walk(c: TreeCursor, src: string, out: string[], stack: Frame[], blankedRows: number[], tables: Tables, sink?: TokenSink): void {
  // Only nodes we descend into get a frame; skipped nodes (punctuation, comments, handled leaves) cost none.
  outer: for (;;) {
    // A string's head token is patched when the string ends: flush only with no string open.
    if (sink && out.length >= BATCH && !stack.some((f) => f.acc !== null)) {
      sink(out)
      out.length = 0
    }
    if (enter(c, src, out, stack, blankedRows, tables)) {
      if (c.gotoFirstChild()) continue
      const f = stack[stack.length - 1]!
      if (f.close === ')' && f.acc === null && f.type !== 'module') {
        // A named leaf: its text is the token (identifiers NFKC, numbers by value).
        const t = f.type
        const text = src.slice(c.startIndex, c.endIndex)
        out.push(t === 'identifier' ? 'v' + identifierText(text) : t === 'number' ? 'v' + numberToken(text) : 'v' + text)
      }
      leave(c, src, out, stack)
    } else if (stack[stack.length - 1]?.type === 'format_specifier') stack[stack.length - 1]!.gap = c.endIndex
    for (;;) {
      if (c.gotoNextSibling()) continue outer
      if (!c.gotoParent()) break outer
      leave(c, src, out, stack)
    }
  }
}

function enter(c: TreeCursor, src: string, out: string[], stack: Frame[], blankedRows: number[], tables: Tables): boolean {
  const id = c.nodeTypeId
  const rawType = tables.types[id] ?? 'ERROR'
  const parent = stack[stack.length - 1]
  if (parent?.type === 'format_specifier') {
    const s = c.startIndex
    if (s > parent.gap) out.push('s' + JSON.stringify(src.slice(parent.gap, s)))
  }
  if (!tables.named[id]) {
    const token = tables.anon[id]
    if (token === null) return false
    if (rawType === '=' && parent?.type === 'interpolation') {
      // f"{x = }": the expression's source text is part of the value (a Constant in the AST).
      let end = c.endIndex
      while (src[end] === ' ' || src[end] === '\t') end++
      out.push('=' + JSON.stringify(src.slice(parent.start, end)))
      return false
    }
    out.push(token!)
    return false
  }
  if (rawType === 'comment' || rawType === 'line_continuation') return false

  let field = tables.fields[c.currentFieldId] ?? parent?.childField ?? null
  if (parent) {
    if (parent.docPending) {
      parent.docPending = false
      if (rawType === 'expression_statement' && isDocstringStatement(c)) {
        const f = frame(rawType)
        f.docStmt = true
        f.close = ')'
        out.push(open(rawType, field))
        stack.push(f)
        return true
      }
    }
    if (parent.wrap !== 0 && field === 'subscript') {
      if (parent.wrap === 1) {
        out.push('(tuple@subscript')
        parent.wrap = 2
      }
      field = null
    }
  }

  switch (rawType) {
    case 'parenthesized_expression': {
      const f = frame(rawType)
      f.childField = field
      stack.push(f)
      return true
    }
    case 'tuple_pattern':
    case 'expression_list': {
      // `(x)` as a target is x itself; `del a, b` has two targets while `del (a, b)` has one tuple.
      if ((rawType === 'tuple_pattern' && isSingleWithoutComma(c)) || (rawType === 'expression_list' && parent?.type === 'delete_statement')) {
        const f = frame(rawType)
        f.childField = field
        stack.push(f)
        return true
      }
      break
    }
    case 'argument_list':
      // `class A():` is `class A:`.
      if (field === 'superclasses' && namedChildren(c) === 0) return false
      break
    case 'generator_expression':
      if (field === 'arguments') {
        // f(x for x in y) is f((x for x in y)).
        out.push('(argument_list@arguments', '(generator_expression')
        const f = frame(rawType)
        f.close = ')\n)'
        stack.push(f)
        return true
      }
      break
    case 'subscript': {
      const f = frame(rawType)
      f.close = ')'
      f.wrap = subscriptNeedsTuple(c) ? 1 : 0
      out.push(open(rawType, field))
      stack.push(f)
      return true
    }
    case 'concatenated_string':
    case 'string': {
      if (rawType === 'string' && blankedRows.length > 0) {
        const s = c.startPosition.row
        const e = c.endPosition.row
        if (e > s && rowsInside(blankedRows, s, e)) throw new BlankedInsideString()
      }
      const f = frame(rawType)
      if (rawType === 'string' && parent?.type === 'concatenated_string') {
        f.acc = parent.acc
      } else {
        f.acc = { head: out.length, field: field ?? '', fstring: false, bytes: false, doc: parent?.docStmt === true, pieces: [] }
        out.push('')
        f.close = 'acc'
      }
      stack.push(f)
      return true
    }
    case 'string_start': {
      // String bodies are read from the source between the delimiters and interpolations, not from
      // string_content nodes: for r"\"" the grammar folds the content into string_end.
      const text = c.nodeText
      const prefix = text.replace(/["']/g, '').toLowerCase()
      if (parent) {
        parent.raw = prefix.includes('r')
        parent.bytes = prefix.includes('b')
        parent.fstring = prefix.includes('f')
        parent.gap = c.endIndex
        parent.end = /("""|''')$/.test(text) ? 3 : 1
        if (parent.acc) {
          parent.acc.bytes ||= parent.bytes
          parent.acc.fstring ||= parent.fstring
        }
      }
      return false
    }
    case 'string_content':
    case 'escape_sequence':
    case 'escape_interpolation':
      return false
    case 'string_end':
      if (parent?.acc) pushPieces(parent.acc, decodeStringBody(src.slice(parent.gap, c.endIndex - parent.end), parent.raw, parent.bytes, parent.fstring))
      return false
    case 'interpolation': {
      const acc = parent?.acc
      if (acc && parent) {
        pushPieces(acc, decodeStringBody(src.slice(parent.gap, c.startIndex), parent.raw, parent.bytes, parent.fstring))
        for (const p of acc.pieces) out.push(pieceToken(p))
        acc.pieces = []
      }
      const f = frame(rawType)
      f.start = c.startIndex + 1
      f.close = ')'
      out.push('(interpolation')
      stack.push(f)
      return true
    }
    case 'format_specifier': {
      const f = frame(rawType)
      f.start = c.startIndex
      f.end = c.endIndex
      f.gap = f.start
      f.close = ')'
      out.push(open(rawType, field))
      stack.push(f)
      return true
    }
  }

  const type = RENAME[rawType] ?? rawType
  if (type === 'identifier' || type === 'number') {
    // Leaves without children: no frame, no descent (same tokens as the generic leaf path in walk).
    const text = src.slice(c.startIndex, c.endIndex)
    out.push(open(type, field), type === 'identifier' ? 'v' + identifierText(text) : 'v' + numberToken(text), ')')
    return false
  }
  const f = frame(type)
  f.close = ')'
  if (type === 'module') f.docPending = true
  else if (type === 'block' && (parent?.type === 'function_definition' || parent?.type === 'class_definition')) f.docPending = true
  out.push(open(type, field))
  stack.push(f)
  return true
}

function leave(c: TreeCursor, src: string, out: string[], stack: Frame[]): void {
  const f = stack.pop()!
  const parent = stack[stack.length - 1]
  if (parent?.type === 'format_specifier' || (parent?.type === 'string' && f.type === 'interpolation')) parent.gap = c.endIndex
  if (f.type === 'format_specifier' && f.end > f.gap) out.push('s' + JSON.stringify(src.slice(f.gap, f.end)))
  if (f.wrap === 2) out.push(')')
  if (f.close === null) return
  if (f.close === 'acc') {
    const acc = f.acc!
    if (acc.fstring) {
      for (const p of acc.pieces) out.push(pieceToken(p))
      out[acc.head] = open('joinedstr', acc.field || null)
    } else {
      let pieces = acc.pieces
      if (acc.doc && !acc.bytes && pieces.every((p) => typeof p === 'string')) pieces = [cleanDocstring(pieces.join(''))]
      if (pieces.length === 0) pieces = ['']
      for (const p of pieces) out.push(pieceToken(p))
      out[acc.head] = open(acc.bytes ? 'bytes' : 'str', acc.field || null)
    }
    out.push(')')
    return
  }
  out.push(f.close)
}

/** First statement of a body: a lone (non-f) string expression is a docstring. */
function isDocstringStatement(c: TreeCursor): boolean {
  const node = c.currentNode
  let strings = 0
  let others = 0
  for (const ch of node.namedChildren) {
    if (!ch || ch.type === 'comment') continue
    if (ch.type === 'string' || ch.type === 'concatenated_string') strings++
    else others++
  }
  return strings === 1 && others === 0
}

function namedChildren(c: TreeCursor): number {
  let n = 0
  if (c.gotoFirstChild()) {
    do if (c.nodeIsNamed && c.nodeType !== 'comment') n++
    while (c.gotoNextSibling())
    c.gotoParent()
  }
  return n
}

function isSingleWithoutComma(c: TreeCursor): boolean {
  let named = 0
  let commas = 0
  if (c.gotoFirstChild()) {
    do {
      if (c.nodeType === ',') commas++
      else if (c.nodeIsNamed && c.nodeType !== 'comment') named++
    } while (c.gotoNextSibling())
    c.gotoParent()
  }
  return named === 1 && commas === 0
}

/** `a[1, 2]`, `a[1,]` and `a[*b]` index with a tuple, as `a[(1, 2)]` does. */
function subscriptNeedsTuple(c: TreeCursor): boolean {
  let subs = 0
  let commas = 0
  let splat = false
  if (c.gotoFirstChild()) {
    do {
      if (c.nodeType === ',') commas++
      else if (c.currentFieldName === 'subscript') {
        subs++
        if (c.nodeType === 'list_splat') splat = true
      }
    } while (c.gotoNextSibling())
    c.gotoParent()
  }
  return subs > 1 || commas > 0 || splat
}
