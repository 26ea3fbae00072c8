// Source that CPython rejects but tree-sitter-python accepts must not get the digest of some valid
// program: these checks raise PythonSyntaxError during the walk, and the file falls back to its byte digest
// with a `file:line` warning. Each rule is CPython's own (tokenizer.c, the PEG grammar). Also here: how
// CPython decodes a source file (PEP 263) and where it reads an f-string format spec.
import type { Node, Parser, Tree } from 'web-tree-sitter'
import { parseUntilError } from './screen.js'

/** A construct CPython refuses; `index` is the UTF-16 offset in the source (-1: fill in from the walk). */
export class PythonSyntaxError extends Error {
  constructor(message: string, public index = -1) {
    super(message)
  }
}

// tokenize.py's number patterns, exactly (underscores only between digits, no leading zeros in decimals).
const DIGITS = '[0-9](?:_?[0-9])*'
const EXPONENT = `[eE][-+]?${DIGITS}`
const POINTFLOAT = `(?:${DIGITS}\\.(?:${DIGITS})?|\\.${DIGITS})(?:${EXPONENT})?`
const FLOAT = `(?:${POINTFLOAT}|${DIGITS}${EXPONENT})`
const NUMBER = new RegExp(
  `^(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0(?:_?0)*|[1-9](?:_?[0-9])*` +
    `|${FLOAT}|(?:${DIGITS}|${FLOAT})[jJ])$`,
)

/** Throws unless `text` is a Python 3 numeric literal (`07`, `1000_`, `1__0`, `0b2`, `10L` are not). */
export function checkNumber(text: string): void {
  if (!NUMBER.test(text)) throw new PythonSyntaxError(`invalid number literal ${JSON.stringify(text)}`)
}

/** Python 3 string prefixes (lower-cased, any order): `ur`, `bu`, `bf` are not among them. */
const PREFIXES = new Set(['', 'r', 'u', 'f', 'b', 'br', 'rb', 'fr', 'rf'])

export function checkStringPrefix(prefix: string): void {
  if (!PREFIXES.has(prefix)) throw new PythonSyntaxError(`invalid string prefix ${JSON.stringify(prefix)}`)
}

/** Python 2 statements tree-sitter-python still parses. */
export const PYTHON2_NODES = new Set(['print_statement', 'exec_statement'])

/**
 * CPython's tokenizer on indentation (tokenizer.c): a tab advances the column to the next multiple of 8,
 * a form feed resets it, and `alt` counts tabs as 1 so that an ambiguous mix is a TabError. Lines are
 * compared as statements start: a statement first on its line at block depth `depth` must be indented
 * exactly like the earlier statements at that depth, or start a new, deeper level.
 */
export class IndentChecker {
  private readonly cols: number[] = [0]
  private readonly alts: number[] = [0]

  /**
   * `lineStart` is the offset of the line's first character, `index` the statement's; `opensBlock` is
   * true for the first statement of a block (the only place a deeper level may start).
   */
  statement(src: string, lineStart: number, index: number, depth: number, opensBlock: boolean): void {
    let col = 0
    let alt = 0
    for (let i = lineStart; i < index; i++) {
      const ch = src.charCodeAt(i)
      if (ch === 32) { col++; alt++ }
      else if (ch === 9) { col = (Math.floor(col / 8) + 1) * 8; alt++ }
      else { col = 0; alt = 0 } // form feed
    }
    const top = this.cols.length - 1
    if (depth > top) {
      if (depth !== top + 1 || !opensBlock || col <= this.cols[top]!) throw new PythonSyntaxError('unexpected indent (IndentationError)', index)
      if (alt <= this.alts[top]!) throw new PythonSyntaxError('inconsistent use of tabs and spaces in indentation (TabError)', index)
      // CPython's MAXINDENT.
      if (depth >= 100) throw new PythonSyntaxError('too many levels of indentation (IndentationError)', index)
      this.cols.push(col)
      this.alts.push(alt)
      return
    }
    if (col !== this.cols[depth]) {
      throw new PythonSyntaxError(depth < top ? 'unindent does not match any outer indentation level (IndentationError)' : 'unexpected indent (IndentationError)', index)
    }
    if (alt !== this.alts[depth]) throw new PythonSyntaxError('inconsistent use of tabs and spaces in indentation (TabError)', index)
    this.cols.length = depth + 1
    this.alts.length = depth + 1
  }
}

/** lineStartBefore: the statement follows `;` or a one-line block header on its line. */
export const NOT_FIRST = -1
/** lineStartBefore: the line continues the previous one after a backslash (one logical line). */
export const CONTINUED = -2

/**
 * Offset of the start of the line holding `index` when only indentation precedes it there, else
 * NOT_FIRST or CONTINUED. A backslash ending a line with a `#` on it is taken as the end of a comment.
 */
export function lineStartBefore(src: string, index: number): number {
  let i = index - 1
  for (; i >= 0; i--) {
    const ch = src.charCodeAt(i)
    if (ch === 10) break
    if (ch !== 32 && ch !== 9 && ch !== 12) return NOT_FIRST
  }
  if (i > 0 && src.charCodeAt(i - 1) === 92) {
    const prev = src.lastIndexOf('\n', i - 1)
    if (!src.slice(prev + 1, i).includes('#')) return CONTINUED
  }
  return i + 1
}

/** Brackets and strings: a `:` inside one of these does not start an f-string format spec. */
const NESTING = new Set([
  'parenthesized_expression', 'list', 'set', 'dictionary', 'tuple', 'argument_list', 'subscript', 'generator_expression',
  'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'string', 'lambda',
])

/**
 * CPython reads `:=` at the top level of an f-string replacement field as the start of a format spec
 * (`f"{y:=10}"`, `f"{p or y := a}"`). Returns the parse of `text` with each such `=` replaced by a space
 * (same offsets; an error when tree-sitter cannot parse that), or null when there is none. With a tree: the walrus nodes tree-sitter put at the top of a
 * field. Without (tree-sitter failed, as on `f"{y:=^10}"`): each `{name:=` is tried, and kept only if the
 * patched parse succeeds with the position inside a format spec.
 */
export function fstringSpecPatches(parser: Parser, text: string, tree: Tree | null): { tree: Tree } | { errorLine: number } | null {
  const at: number[] = []
  if (tree) {
    for (const n of tree.rootNode.descendantsOfType('named_expression')) {
      if (!n) continue
      for (let p = n.parent; p; p = p.parent) {
        if (p.type === 'interpolation') {
          const op = n.children.find((k) => k?.type === ':=')
          if (op) at.push(op.startIndex + 1)
          break
        }
        if (NESTING.has(p.type)) break
      }
    }
  } else {
    for (const m of text.matchAll(/\{[ \t]*[\p{L}\p{N}_.]+[ \t]*:=/gu)) at.push(m.index! + m[0].length - 1)
  }
  if (at.length === 0) return null
  const chars = text.split('')
  for (const i of at) chars[i] = ' '
  const parsed = parseUntilError(parser, chars.join(''))
  // With a tree, the walrus reading is wrong: a patched text tree-sitter cannot parse is a fallback.
  if (!('tree' in parsed)) return tree ? parsed : null
  if (!tree && !at.every((i) => inFormatSpec(parsed.tree, i))) {
    parsed.tree.delete()
    return null
  }
  return parsed
}

function inFormatSpec(tree: Tree, index: number): boolean {
  for (let n: Node | null = tree.rootNode.descendantForIndex(index); n; n = n.parent) if (n.type === 'format_specifier') return true
  return false
}

export type SourceEncoding = { kind: 'utf-8' | 'latin-1' | 'ascii' } | { kind: 'unsupported'; line: number; reason: string }

const CODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/
const BLANK_OR_COMMENT = /^[ \t\f]*(?:[#\r\n]|$)/
const UTF8_NAMES = new Set(['utf_8', 'utf8', 'u8', 'utf', 'utf8_ucs2', 'utf8_ucs4', 'cp65001'])
const LATIN1_NAMES = new Set(['latin_1', 'latin1', 'iso_8859_1', 'iso8859_1', '8859', 'cp819', 'latin', 'l1', 'iso_ir_100', 'csisolatin1', 'ibm819', 'iso_latin_1'])
const ASCII_NAMES = new Set(['ascii', 'us_ascii', '646', 'us', 'ansi_x3.4_1968', 'ansi_x3_4_1968', 'ansi_x3.4_1986', 'cp367', 'csascii', 'ibm367', 'iso646_us', 'iso_646.irv_1991', 'iso_ir_6'])

/**
 * PEP 263: a `coding[:=]name` comment on line 1, or on line 2 after a blank or comment-only line 1, sets
 * the encoding (tokenizer.c's rules). UTF-8, Latin-1 and ASCII are decoded; any other declared encoding
 * is reported, so the file falls back to its byte digest instead of being read wrongly.
 */
export function sourceEncoding(source: Uint8Array): SourceEncoding {
  const bom = source[0] === 0xef && source[1] === 0xbb && source[2] === 0xbf
  let start = bom ? 3 : 0
  for (let line = 1; line <= 2; line++) {
    let end = source.indexOf(10, start)
    if (end < 0) end = source.length
    const text = String.fromCharCode(...source.subarray(start, Math.min(end, start + 512)))
    const m = CODING.exec(text)
    if (m) {
      const name = m[1]!.toLowerCase().replace(/[-\s]/g, '_')
      if (UTF8_NAMES.has(name) || name.startsWith('utf_8_')) return { kind: 'utf-8' }
      if (bom) return { kind: 'unsupported', line, reason: `has a UTF-8 BOM but declares the encoding ${m[1]} (Python refuses it)` }
      if (LATIN1_NAMES.has(name) || /^(latin_1|iso_8859_1|iso_latin_1)_/.test(name)) return { kind: 'latin-1' }
      if (ASCII_NAMES.has(name)) return { kind: 'ascii' }
      return { kind: 'unsupported', line, reason: `declares the encoding ${m[1]} (coding cookie), which pysem1 does not decode (UTF-8, Latin-1 and ASCII only)` }
    }
    if (!BLANK_OR_COMMENT.test(text) || end >= source.length) break
    start = end + 1
  }
  return { kind: 'utf-8' }
}

/**
 * CPython's expression levels, loosest first (the PEG grammar: named_expression > expression >
 * disjunction > conjunction > inversion > comparison > bitwise_or > ... > primary). tree-sitter-python
 * accepts many expressions where CPython's grammar asks for a tighter level (`return y := 1`,
 * `p and lambda: a`, `not lambda: a`, `a if b if c else d else e`, `[yield a]`, `await -a`); a node whose
 * level is below what its slot asks for is a syntax error. Binary operators are at least `bitwise_or`.
 */
export const NAMED = 0
export const EXPRESSION = 1
export const DISJUNCTION = 2
export const INVERSION = 4
export const BITWISE_OR = 6
export const PRIMARY = 15
/** `*x` / `**x`: only where CPython has starred slots. */
export const STAR = -1
/** A bare `yield`: only where CPython has yield_expr. */
export const YIELD = -2

export const LEVEL: Record<string, number> = {
  named_expression: NAMED,
  lambda: EXPRESSION,
  conditional_expression: EXPRESSION,
  boolean_operator: DISJUNCTION,
  not_operator: INVERSION,
  comparison_operator: 5,
  binary_operator: BITWISE_OR,
  unary_operator: 12,
  await: 14,
  list_splat: STAR,
  dictionary_splat: STAR,
  yield: YIELD,
}

/**
 * What a child slot accepts: the loosest level, whether `*x` fits (and the level its operand needs), whether
 * `yield` does. Slots not listed are not checked (never a false syntax error on a context not modelled).
 */
export interface Slot { min: number; star: number | null; yield: boolean }

const slot = (min: number, star: number | null = null, yieldOk = false): Slot => ({ min, star, yield: yieldOk })
const OPERAND = slot(BITWISE_OR)
const EXPR = slot(EXPRESSION)
const STATEMENT = slot(EXPRESSION, BITWISE_OR, true)
const ELEMENT = slot(NAMED, BITWISE_OR)
const ARGUMENT = slot(NAMED, EXPRESSION)
const CONDITION = slot(NAMED)

/** The slot of a child of `parent` (tree-sitter type), by field name and named-child index. */
export function slotOf(parent: string, field: string | null, index: number): Slot | null {
  switch (parent) {
    case 'binary_operator':
    case 'unary_operator':
    case 'comparison_operator':
      return OPERAND
    case 'attribute':
      return field === 'object' ? OPERAND : null
    case 'call':
      return field === 'function' ? OPERAND : null
    case 'subscript':
      return field === 'value' ? OPERAND : field === 'subscript' ? ARGUMENT : null
    case 'not_operator':
      return slot(INVERSION)
    case 'boolean_operator':
      return slot(DISJUNCTION)
    case 'conditional_expression':
      return index < 2 ? slot(DISJUNCTION) : EXPR
    case 'for_in_clause':
      return field === 'right' ? slot(DISJUNCTION) : null
    case 'lambda':
      return field === 'body' ? EXPR : null
    case 'named_expression':
      return field === 'value' ? EXPR : null
    case 'keyword_argument':
    case 'default_parameter':
    case 'typed_default_parameter':
      return field === 'value' ? EXPR : null
    case 'pair':
    case 'slice':
    case 'assert_statement':
    case 'raise_statement':
    case 'type':
    case 'with_item':
      return EXPR
    case 'list':
    case 'set':
    case 'tuple':
      return ELEMENT
    case 'dictionary':
      return slot(EXPRESSION, BITWISE_OR)
    case 'expression_list':
    case 'return_statement':
      return slot(EXPRESSION, BITWISE_OR)
    case 'expression_statement':
      return STATEMENT
    case 'assignment':
    case 'augmented_assignment':
      return field === 'right' ? STATEMENT : field === 'type' ? EXPR : null
    case 'for_statement':
      return field === 'right' ? slot(EXPRESSION, BITWISE_OR) : null
    case 'argument_list':
      return ARGUMENT
    case 'if_statement':
    case 'elif_clause':
    case 'while_statement':
      return field === 'condition' ? CONDITION : null
    case 'decorator':
      return CONDITION
    case 'parenthesized_expression':
      return slot(NAMED, null, true)
    case 'interpolation':
    case 'format_expression':
      return field === 'expression' ? slot(EXPRESSION, null, true) : null
    case 'yield':
      return slot(EXPRESSION, BITWISE_OR)
  }
  return null
}
