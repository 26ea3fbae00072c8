// Read-only questions the pysem1 walk (normalize.ts) asks about the node at its cursor before it writes tokens:
// how many children of which kind, whether a trailing comma makes a tuple, where a star sits. Nothing here writes a
// token or moves the cursor for good (every probe returns it to where it was).
import type { Node } from 'web-tree-sitter'
import type { WalkCursor } from './cursor.js'
import { operatorOf, unparenthesize } from './reshape.js'

/** Nodes whose leftmost operand may be tree-sitter's `*x`, which in Python stars the whole node (`[*a + b]`). */
export const ROTATE = new Set(['binary_operator', 'boolean_operator', 'comparison_operator', 'conditional_expression', 'call', 'attribute', 'subscript'])

/** The `*x` at the start of a chain of left operands (through binary/boolean/comparison/ternary/call/attribute/subscript). */
export function leftmostSplat(node: Node): Node | null {
  let n: Node | null = node
  while (n && ROTATE.has(n.type)) n = n.firstNamedChild
  return n?.type === 'list_splat' ? n : null
}

/** `(a or b) or c`: the parenthesised left operand is a BoolOp with the same operator as its parent. */
export function sameBoolean(paren: Node): boolean {
  const inner = unparenthesize(paren)
  return inner.type === 'boolean_operator' && operatorOf(inner) === operatorOf(paren.parent!)
}

export function firstChildType(c: WalkCursor): string | null {
  if (!c.gotoFirstChild()) return null
  const t = c.nodeType
  c.gotoParent()
  return t
}

/** What the shape questions below count among the children at the cursor; comments are never counted. */
interface ChildCounts {
  /** Named children. */
  named: number
  commas: number
  /** Named children that are `case_pattern`s. */
  casePatterns: number
  /** Type of the last child, a closing `]` left out ('' when none). */
  last: string
}

function childCounts(c: WalkCursor): ChildCounts {
  const k: ChildCounts = { named: 0, commas: 0, casePatterns: 0, last: '' }
  if (c.gotoFirstChild()) {
    do {
      const t = c.nodeType
      if (t === 'comment') continue
      if (t === ',') k.commas++
      else if (c.nodeIsNamed) {
        k.named++
        if (t === 'case_pattern') k.casePatterns++
      }
      if (t !== ']') k.last = t
    } while (c.gotoNextSibling())
    c.gotoParent()
  }
  return k
}

/** `case a, b:` / `case a,:` — an open sequence: more than one pattern, or a trailing comma. */
export function openSequencePattern(c: WalkCursor): boolean {
  const k = childCounts(c)
  return k.casePatterns > 1 || k.commas > 0
}

/** `A[B,]`: one element and a trailing comma. */
export function trailingCommaSingle(c: WalkCursor): boolean {
  const k = childCounts(c)
  return k.named === 1 && k.last === ','
}

/** Named children, comments not counted. */
export function namedChildren(c: WalkCursor): number {
  return childCounts(c).named
}

/** `(x)`: one element and no comma. */
export function isSingleWithoutComma(c: WalkCursor): boolean {
  const k = childCounts(c)
  return k.named === 1 && k.commas === 0
}

/** First statement of a body: a lone (non-f) string expression is a docstring. */
export function isDocstringStatement(c: WalkCursor): boolean {
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

/** `a[1, 2]`, `a[1,]` and `a[*b]` index with a tuple, as `a[(1, 2)]` does. */
export function subscriptNeedsTuple(c: WalkCursor, src: string): boolean {
  let subs = 0
  let commas = 0
  let splat = false
  if (c.gotoFirstChild()) {
    do {
      if (c.nodeType === ',') commas++
      else if (c.currentFieldName === 'subscript') {
        subs++
        // `a[*b + c]` stars the sum (a star rotation; nothing else starts with `*`).
        if (c.nodeType === 'list_splat' || src.charCodeAt(c.startIndex) === 42) splat = true
      }
    } while (c.gotoNextSibling())
    c.gotoParent()
  }
  return subs > 1 || commas > 0 || splat
}
