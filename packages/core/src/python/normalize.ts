// pysem1 normalisation: one cursor walk over the tree-sitter tree, writing a canonical token stream
// (one token per line; docs/digests.md, section pysem1, is the byte-level definition). Formatting never reaches a token:
// comments, whitespace and punctuation are dropped, literals become values, redundant parentheses vanish,
// and the few places where tree-sitter's shape follows formatting are mapped to one shape.
import type { Node, Tree } from 'web-tree-sitter'
import { walkCursor, type WalkCursor } from './cursor.js'
import { identifierText, numberToken } from './literals.js'
import { binaryRunNeedsReshape, emitBinaryRun, reshapeAwait, reshapeWalrusTernary, unparenthesize } from './reshape.js'
import { firstChildType, isDocstringStatement, isSingleWithoutComma, leftmostSplat, namedChildren, openSequencePattern, ROTATE, sameBoolean, subscriptNeedsTuple, trailingCommaSingle } from './shapes.js'
import { enterString, leaveString } from './string-walk.js'
import { BITWISE_OR, CONTINUED, EXPRESSION, IndentChecker, NOT_FIRST, LEVEL, NAMED, lineStartBefore, PRIMARY, PythonSyntaxError, PYTHON2_NODES, type Slot, slotOf, STAR, YIELD } from './syntax.js'
import { frame, open, tablesFor, type Frame, type TokenSink, type Walk } from './walk-state.js'

/** Node types whose spelling is formatting: `a, b` and `(a, b)` are the same Tuple; `[a, b] = c` a List. */
const RENAME: Record<string, string> = { expression_list: 'tuple', pattern_list: 'tuple', tuple_pattern: 'tuple', list_pattern: 'list', float: 'number', integer: 'number' }

export { BlankedInsideString } from './string-walk.js'
export type { TokenSink } from './walk-state.js'

const STAR_ANNOTATION: Slot = { min: EXPRESSION, star: BITWISE_OR, yield: false }

/** Statement-like nodes that start their own line but hang under a compound statement. */
const CLAUSES = new Set(['else_clause', 'elif_clause', 'except_clause', 'except_group_clause', 'finally_clause'])

/**
 * Canonical token stream of a parsed module (no ERROR nodes). `blankedRows` are the rows emptied by
 * blankCommentLines; a multi-line string spanning one throws BlankedInsideString. Source CPython would
 * reject throws PythonSyntaxError (with its offset).
 */
export function serializeTree(tree: Tree, src: string, blankedRows: number[], sink?: TokenSink): string[] {
  const w: Walk = {
    src,
    out: [],
    stack: [],
    blankedRows,
    tables: tablesFor(tree),
    sink,
    caret: src.includes('^') && src.includes('&'),
    indent: new IndentChecker(),
    blocks: 0,
    holds: 0,
    unstar: -1,
    open,
    sub: (node, field) => subtree(w, node, field),
  }
  const c = walkCursor(tree.walk())
  try {
    walk(c, w)
  } finally {
    c.delete()
  }
  if (sink && w.out.length > 0) {
    sink(w.out)
    w.out.length = 0
  }
  return w.out
}

/** The normal tokens of `node` (with `field`), from a cursor rooted at it. */
function subtree(w: Walk, node: Node, field: string | null): void {
  const pass = frame('(sub)')
  pass.childField = field
  w.stack.push(pass)
  const c = walkCursor(node.walk())
  try {
    walk(c, w)
  } finally {
    c.delete()
  }
  w.stack.pop()
}

/** Tokens buffered before a batch goes to the sink: big files then hash in pieces instead of one huge string. */
const BATCH = 16384

function walk(c: WalkCursor, w: Walk): void {
  const { out, stack, sink } = w
  try {
    // Only nodes we descend into get a frame; skipped nodes (punctuation, comments, handled leaves) cost none.
    outer: for (;;) {
      // A string's head token is patched when the string ends: flush only with no such frame open.
      if (sink && out.length >= BATCH && w.holds === 0) {
        sink(out)
        out.length = 0
      }
      if (enter(c, w)) {
        if (c.gotoFirstChild()) continue
        const f = stack[stack.length - 1]!
        if (f.close === ')' && f.acc === null && f.type !== 'module') {
          // A named leaf: its text is the token (identifiers NFKC, numbers by value).
          const t = f.type
          const text = w.src.slice(c.startIndex, c.endIndex)
          out.push(t === 'identifier' ? 'v' + identifierText(text) : t === 'number' ? 'v' + numberToken(text) : 'v' + text)
        }
        leave(c, w)
      } else if (stack[stack.length - 1]?.type === 'format_specifier') stack[stack.length - 1]!.gap = c.endIndex
      for (;;) {
        if (c.gotoNextSibling()) continue outer
        if (!c.gotoParent()) break outer
        leave(c, w)
      }
    }
  } catch (err) {
    // Literal checks deep in literals.ts do not know where they are: the cursor does.
    if (err instanceof PythonSyntaxError && err.index < 0) err.index = c.startIndex
    throw err
  }
}

function enter(c: WalkCursor, w: Walk): boolean {
  const { src, out, stack, tables } = w
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
    if (parent?.close === null && parent.node === 'list_splat') return false // the `*` of a rotated star
    if (parent?.node === 'slice' && rawType === ':') {
      if (++parent.count === 2) return false // written by the step, if there is one
    } else if (parent?.wrap === 2 && parent.node === 'case_clause') {
      out.push(')', ')')
      parent.wrap = 0
    } else if (rawType === '<>') throw new PythonSyntaxError("'<>' is not a Python 3 operator", c.startIndex)
    out.push(token!)
    return false
  }
  if (rawType === 'comment' || rawType === 'line_continuation') return false
  // `(*a)`: CPython has no parenthesised starred expression.
  if (rawType === 'parenthesized_list_splat') throw new PythonSyntaxError('cannot use a starred expression in parentheses', c.startIndex)
  // Python 2 syntax, or valid Python 3 tree-sitter misreads as it (`print >>f, x` is a tuple in Python 3).
  if (PYTHON2_NODES.has(rawType)) throw new PythonSyntaxError(`tree-sitter reads a Python 2 ${rawType.replace('_', ' ')} here`, c.startIndex)

  let field = tables.fields[c.currentFieldId] ?? parent?.childField ?? null
  let lv = LEVEL[rawType]
  if (parent) {
    parent.n++
    const pn = parent.node
    if (pn === 'module' || pn === 'block' || pn === 'decorated_definition' || CLAUSES.has(rawType)) checkIndent(c, w, parent)
    if (pn === 'slice' && parent.count === 2) {
      out.push("':")
      parent.count = 3
    }
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
    const slotField = field
    if (parent.wrap !== 0 && field === 'subscript') {
      if (parent.wrap === 1) {
        out.push('(tuple@subscript')
        parent.wrap = 2
      }
      field = null
    }
    if (parent.wrap === 2 && pn === 'case_clause' && rawType !== 'case_pattern') {
      out.push(')', ')')
      parent.wrap = 0
    }
    if (lv === STAR && rawType === 'list_splat' && c.startIndex === w.unstar) {
      const f = frame(rawType)
      f.childField = field
      stack.push(f)
      return true
    }
    // `y := a if b else c` is a walrus (reshape.ts).
    if (rawType === 'conditional_expression' && firstChildType(c) === 'named_expression') lv = NAMED
    if (lv !== undefined || ROTATE.has(rawType)) {
      const s =
        pn === 'list_splat' || pn === 'dictionary_splat'
          ? parent.close === null ? null : { min: parent.min, star: null, yield: false }
          : pn === 'type' && stack[stack.length - 2]?.node === 'typed_parameter'
            ? STAR_ANNOTATION // `*args: *Ts` (PEP 646)
            : slotOf(pn, slotField, parent.n - 1)
      if (s) {
        if (s.star !== null && ROTATE.has(rawType) && src.charCodeAt(c.startIndex) === 42) {
          const splat = leftmostSplat(c.currentNode)
          if (splat) {
            // `*a + b` is Starred(a + b) in Python, `(*a) + b` in tree-sitter.
            if ((lv ?? PRIMARY) < s.star) throw new PythonSyntaxError('this starred expression needs parentheses', c.startIndex)
            out.push(open('list_splat', field), "'*")
            w.unstar = splat.startIndex
            w.sub(c.currentNode, null)
            w.unstar = -1
            out.push(')')
            return false
          }
        }
        if (lv !== undefined) checkLevel(rawType, lv, s, c.startIndex)
      }
      if (lv === STAR) {
        const f = frame(rawType)
        f.close = ')'
        f.min = s?.star ?? YIELD
        out.push(open(rawType, field))
        stack.push(f)
        return true
      }
    }
    if (pn === 'for_in_clause' && field === 'right' && ++parent.count === 2) throw new PythonSyntaxError('a comprehension iterates over one expression (parenthesise the tuple)', c.startIndex)
    if (pn === 'case_pattern') {
      const gp = stack[stack.length - 2]
      // `case b as z as z` (CPython: the left of `as` is an or-pattern); `case C(k=b, c)` (positional after keyword).
      if (rawType === 'as_pattern' && gp?.node === 'as_pattern') throw new PythonSyntaxError('an as-pattern inside an as-pattern needs parentheses', c.startIndex)
      if (gp?.node === 'class_pattern') {
        if (rawType === 'keyword_pattern') gp.count = 1
        else if (gp.count === 1) throw new PythonSyntaxError('a positional pattern follows a keyword pattern', c.startIndex)
      }
    }
    if (rawType === 'lambda' && lambdaColonEndsField(stack)) throw new PythonSyntaxError('a lambda in an f-string field needs parentheses', c.startIndex)
    // `*Ts` as an annotation: only for `*args` and inside a subscript (PEP 646).
    const gp = stack[stack.length - 2]?.node
    // `**P` only declares a ParamSpec (`def f[**P]`), it is no subscript element (`A[**a]`).
    const inSubscript = gp === 'type_parameter' && stack[stack.length - 3]?.node === 'generic_type'
    if (rawType === 'splat_type' && !(pn === 'type' && (gp === 'typed_parameter' || (gp === 'type_parameter' && !(inSubscript && src.startsWith('**', c.startIndex)))))) {
      throw new PythonSyntaxError('a starred annotation is not allowed here', c.startIndex)
    }
  }

  const str = enterString(c, w, rawType, parent, field)
  if (str !== undefined) return str
  if (SHAPED.has(rawType)) {
    const shaped = enterShaped(c, w, rawType, parent, field, lv)
    if (shaped !== undefined) return shaped
  }

  // Sequence patterns are one MatchSequence however they are spelled: `case (a, b)` is `case [a, b]`.
  const type = rawType === 'tuple_pattern' && parent?.node === 'case_pattern' ? 'list' : (RENAME[rawType] ?? rawType)
  if (type === 'identifier' || type === 'number') {
    // Leaves without children: no frame, no descent (same tokens as the generic leaf path in walk).
    const text = src.slice(c.startIndex, c.endIndex)
    if (type === 'identifier' && (text === 'await' || text === 'async')) throw new PythonSyntaxError(`'${text}' is a keyword, not a name`, c.startIndex)
    out.push(open(type, field), type === 'identifier' ? 'v' + identifierText(text) : 'v' + numberToken(text), ')')
    return false
  }
  const f = frame(type, rawType)
  f.close = ')'
  if (type === 'module') f.docPending = true
  else if (type === 'block') {
    w.blocks++
    if (parent?.type === 'function_definition' || parent?.type === 'class_definition') f.docPending = true
  }
  out.push(open(type, field))
  stack.push(f)
  return true
}

/** Named nodes whose tokens depend on their shape or place (enterShaped), kept out of enter so it stays small to compile. */
const SHAPED = new Set(['parenthesized_expression', 'tuple_pattern', 'expression_list', 'case_pattern', 'case_clause', 'tuple', 'argument_list', 'generator_expression', 'expression_statement', 'type_parameter', 'binary_operator', 'await', 'conditional_expression', 'subscript'])

/** enter's step into a SHAPED node: true to descend, false to skip it, undefined for the generic named-node path. */
function enterShaped(c: WalkCursor, w: Walk, rawType: string, parent: Frame | undefined, field: string | null, lv: number | undefined): boolean | undefined {
  const { src, out, stack } = w
  switch (rawType) {
    case 'parenthesized_expression': {
      const f = frame(rawType)
      // `(a or b) or c` is BoolOp(Or, [BoolOp(Or, [a, b]), c]), `a or b or c` one flat BoolOp; tree-sitter
      // nests both the same way, so these parentheses are kept.
      if (parent?.node === 'boolean_operator' && field === 'left' && sameBoolean(c.currentNode)) {
        f.close = ')'
        out.push(open(rawType, field))
      } else if (annotatedName(c, parent, field)) {
        f.close = ')'
        out.push(open('parenthesized_expression', field))
      } else f.childField = field
      stack.push(f)
      return true
    }
    case 'tuple_pattern':
    case 'expression_list': {
      // `(x)` as a target is x itself; `del a, b` has two targets while `del (a, b)` has one tuple.
      if ((rawType === 'tuple_pattern' && isSingleWithoutComma(c)) || (rawType === 'expression_list' && parent?.type === 'delete_statement')) {
        const f = frame(rawType)
        if (annotatedName(c, parent, field)) {
          // `(x): int` is not simple (the name does not go into __annotations__), `x: int` is.
          f.close = ')'
          out.push(open('parenthesized_expression', field))
        } else f.childField = field
        stack.push(f)
        return true
      }
      break
    }
    case 'case_pattern': {
      // `case (y):` is `case y:`.
      if (parent?.node === 'tuple_pattern' && parent.close === null && stack[stack.length - 2]?.node === 'case_pattern') {
        const f = frame(rawType)
        f.childField = field
        stack.push(f)
        return true
      }
      if (parent?.wrap === 1 && parent.node === 'case_clause') {
        // `case a, b:` is the sequence pattern `case [a, b]:`.
        out.push('(case_pattern', '(list')
        parent.wrap = 2
      }
      break
    }
    case 'case_clause': {
      const f = frame(rawType)
      f.close = ')'
      f.wrap = openSequencePattern(c) ? 1 : 0
      f.hold = f.wrap !== 0
      if (f.hold) w.holds++
      out.push(open(rawType, field))
      stack.push(f)
      return true
    }
    case 'tuple':
      // `(*a)` is a tuple node without a comma for tree-sitter; CPython has no parenthesised star.
      if (/^\(\s*\*/.test(src.slice(c.startIndex, c.startIndex + 16)) && isSingleWithoutComma(c)) throw new PythonSyntaxError('cannot use a starred expression in parentheses', c.startIndex)
      break
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
    case 'expression_statement':
      // `x,` is a one-element tuple; tree-sitter has no node for it (`x, y` keeps its two children).
      if (src.charCodeAt(c.endIndex - 1) === 44 && c.currentNode.lastChild?.type === ',' && namedChildren(c) === 1) {
        const f = frame(rawType)
        f.close = ')\n)'
        out.push(open(rawType, field), '(tuple')
        stack.push(f)
        return true
      }
      break
    case 'type_parameter':
      // `x: A[B,]` indexes with a one-element tuple, `x: A[B]` with B.
      if (parent?.node === 'generic_type' && trailingCommaSingle(c)) {
        const f = frame(rawType)
        f.close = ')\n)'
        out.push(open(rawType, field), '(tuple')
        stack.push(f)
        return true
      }
      break
    case 'binary_operator':
      if (w.caret && parent?.node !== 'binary_operator' && binaryRunNeedsReshape(c.currentNode)) {
        emitBinaryRun(w, c.currentNode, field)
        return false
      }
      break
    case 'await':
      if (reshapeAwait(w, c.currentNode, field)) return false
      break
    case 'conditional_expression':
      if (lv === NAMED) {
        reshapeWalrusTernary(w, c.currentNode, field)
        return false
      }
      break
    case 'subscript': {
      const f = frame(rawType)
      f.close = ')'
      f.wrap = subscriptNeedsTuple(c, src) ? 1 : 0
      out.push(open(rawType, field))
      stack.push(f)
      return true
    }
  }
  return undefined
}

/**
 * A statement first on its line must be indented as CPython's tokenizer requires for its block depth;
 * tree-sitter accepts an unexpected indent (`a=1\n    b=2`), counts a tab as 8 columns wherever it is, and
 * knows no TabError.
 */
function checkIndent(c: WalkCursor, w: Walk, parent: Frame): void {
  const index = c.startIndex
  const lineStart = lineStartBefore(w.src, index)
  const opensBlock = parent.node === 'block' && parent.n === 1
  if (lineStart === CONTINUED) return
  if (lineStart === NOT_FIRST) {
    if (opensBlock) parent.inline = true
    return
  }
  if (parent.inline) throw new PythonSyntaxError('unexpected indent (IndentationError)', index)
  w.indent.statement(w.src, lineStart, index, w.blocks, opensBlock)
}

function leave(c: WalkCursor, w: Walk): void {
  const { src, out, stack } = w
  const f = stack.pop()!
  const parent = stack[stack.length - 1]
  if (f.hold) w.holds--
  if (f.node === 'block' && f.close !== null) w.blocks--
  if (parent?.type === 'format_specifier' || (parent?.type === 'string' && f.type === 'interpolation')) parent.gap = c.endIndex
  if (f.type === 'format_specifier' && f.end > f.gap) out.push('s' + JSON.stringify(src.slice(f.gap, f.end)))
  if (f.wrap === 2) out.push(')')
  if (f.close === null) return
  if (f.close === 'acc') {
    leaveString(f.acc!, out)
    return
  }
  out.push(f.close)
}

function checkLevel(type: string, lv: number, s: Slot, index: number): void {
  if (lv === STAR ? s.star === null : lv === YIELD ? !s.yield : lv < s.min) {
    const what = lv === STAR ? 'a starred expression' : lv === YIELD ? 'a yield expression' : `${type.replace(/_/g, ' ')}`
    throw new PythonSyntaxError(`${what} is not allowed here without parentheses`, index)
  }
}

/** In an f-string field, the colon of an unparenthesised lambda starts the format spec (`f"{lambda x: 1}"` is an error). */
function lambdaColonEndsField(stack: Frame[]): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    const t = stack[i]!.node
    if (t === 'interpolation' || t === 'format_expression') return true
    if (t !== 'conditional_expression' && t !== 'boolean_operator' && t !== 'not_operator' && t !== 'lambda' && t !== 'yield') return false
  }
  return false
}

/** `(x): int` — a parenthesised plain name as the target of an annotation. */
function annotatedName(c: WalkCursor, parent: Frame | undefined, field: string | null): boolean {
  if (parent?.node !== 'assignment' || field !== 'left') return false
  const node = c.currentNode
  return unparenthesize(node).type === 'identifier' && node.parent?.childForFieldName('type') != null
}
