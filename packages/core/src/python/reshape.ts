// Where tree-sitter-python's tree has another shape than CPython's AST for the same source, these rare-path
// helpers emit the tokens of CPython's shape (operands keep their normal tokens via `sub`). Each one is
// found by the differential test against Python's `ast` (test-corpus/gen_expressions.py).
import type { Node } from 'web-tree-sitter'
import { PythonSyntaxError } from './syntax.js'

export interface Emitter {
  out: string[]
  /** Emits the normal tokens of `node`, with `field` as its field name. */
  sub(node: Node, field: string | null): void
  open(type: string, field: string | null): string
}

/** First named child that is not a comment. */
export function firstNamed(node: Node): Node | null {
  for (const ch of node.namedChildren) if (ch && ch.type !== 'comment') return ch
  return null
}

export function operatorOf(node: Node): string | null {
  return node.childForFieldName('operator')?.type ?? null
}

/** Python's binding power of binary operators (the grammar's levels from `|` to `**`). */
const BINARY_LEVEL: Record<string, number> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4, '+': 5, '-': 5, '*': 6, '/': 6, '//': 6, '%': 6, '@': 6, '**': 8 }

/**
 * tree-sitter-python ranks `^` above `&` (Python: `|` < `^` < `&`), so `a & b ^ c` comes out as
 * `a & (b ^ c)`. A run of unparenthesised binary operators mixing the two is flattened back into its
 * operands and re-associated with Python's levels.
 */
export function binaryRunNeedsReshape(node: Node): boolean {
  let and = false
  let xor = false
  const todo = [node]
  while (todo.length > 0) {
    const n = todo.pop()!
    const op = operatorOf(n)
    if (op === '&') and = true
    else if (op === '^') xor = true
    if (and && xor) return true
    for (const side of ['left', 'right']) {
      const ch = n.childForFieldName(side)
      if (ch?.type === 'binary_operator') todo.push(ch)
    }
  }
  return false
}

type Operand = { node: Node } | { op: string; left: Operand; right: Operand }

export function emitBinaryRun(e: Emitter, node: Node, field: string | null): void {
  const operands: Node[] = []
  const ops: string[] = []
  const flatten = (n: Node) => {
    if (n.type !== 'binary_operator') {
      operands.push(n)
      return
    }
    flatten(n.childForFieldName('left')!)
    ops.push(operatorOf(n)!)
    flatten(n.childForFieldName('right')!)
  }
  flatten(node)
  let k = 0
  // Precedence climbing; `**` is right-associative.
  const climb = (min: number): Operand => {
    let lhs: Operand = { node: operands[k]! }
    while (k < ops.length && BINARY_LEVEL[ops[k]!]! >= min) {
      const op = ops[k++]!
      const level = BINARY_LEVEL[op]!
      const rhs = climb(op === '**' ? level : level + 1)
      lhs = { op, left: lhs, right: rhs }
    }
    return lhs
  }
  const tree = climb(0)
  const emit = (t: Operand, f: string | null) => {
    if ('node' in t) return e.sub(t.node, f)
    e.out.push(e.open('binary_operator', f))
    emit(t.left, 'left')
    e.out.push("'" + t.op)
    emit(t.right, 'right')
    e.out.push(')')
  }
  emit(tree, field)
}

/**
 * `await x`: Python's operand is a primary (`await -a`, `await await a` are syntax errors) and `await`
 * binds tighter than `**`, where tree-sitter reads `await a ** b` as `await (a ** b)`. Returns true when
 * it emitted the reshaped tokens.
 */
export function reshapeAwait(e: Emitter, node: Node, field: string | null): boolean {
  const arg = firstNamed(node)
  if (!arg) return false
  if (arg.type === 'unary_operator' || arg.type === 'await' || arg.type === 'list_splat' || arg.type === 'not_operator') {
    throw new PythonSyntaxError("'await' must be followed by a primary expression (Python rejects it)", arg.startIndex)
  }
  if (arg.type !== 'binary_operator' || operatorOf(arg) !== '**') return false
  e.out.push(e.open('binary_operator', field), e.open('await', 'left'), "'await")
  e.sub(arg.childForFieldName('left')!, null)
  e.out.push(')', "'**")
  e.sub(arg.childForFieldName('right')!, 'right')
  e.out.push(')')
  return true
}

/** `y := a if b else c` is `y := (a if b else c)` in Python; tree-sitter reads `(y := a) if b else c`. */
export function reshapeWalrusTernary(e: Emitter, node: Node, field: string | null): void {
  const kids = node.children.filter((k) => k && k.type !== 'comment') as Node[]
  const named = kids[0]!
  e.out.push(e.open('named_expression', field))
  e.sub(named.childForFieldName('name')!, 'name')
  e.out.push("':=", e.open('conditional_expression', 'value'))
  e.sub(named.childForFieldName('value')!, null)
  for (const k of kids.slice(1)) {
    if (k.isNamed) e.sub(k, null)
    else e.out.push("'" + k.type)
  }
  e.out.push(')', ')')
}

/** Strips redundant parentheses (tree-sitter: parenthesized_expression, or a one-element tuple_pattern without comma). */
export function unparenthesize(node: Node): Node {
  let n = node
  for (;;) {
    if (n.type !== 'parenthesized_expression' && n.type !== 'tuple_pattern') return n
    const named = n.namedChildren.filter((k) => k && k.type !== 'comment')
    if (named.length !== 1 || (n.type === 'tuple_pattern' && n.children.some((k) => k?.type === ','))) return n
    n = named[0]!
  }
}
