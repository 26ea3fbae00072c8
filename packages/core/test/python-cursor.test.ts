// The walk's fast cursor (src/python/cursor.ts) against web-tree-sitter's own cursor: the same nodes in the same order,
// also when node objects and a second cursor use the transfer buffer between two moves.
import { describe, expect, it } from 'vitest'
import type { Node, Tree } from 'web-tree-sitter'
import { walkCursor, type WalkCursor } from '../src/python/cursor.js'
import { getParser } from '../src/python/parser.js'

const SOURCE = `
import os

class A(B, metaclass=M):
    """Doc."""
    def f(self, x: int = 1, *a, **k) -> str:
        y = [i * 2 for i in range(x) if i % 3]
        return f"{x!r:>{10}} {self.g(*a, **k)}"

    @property
    def g(self):
        try:
            return {k: v for k, v in os.environ.items()}
        except* (KeyError, ValueError) as e:
            raise
`

/** Every node in walk order: type, field, span, named; at each node also asks the node object and a sub-cursor. */
function visit(c: WalkCursor, plain: boolean): string[] {
  const seen: string[] = []
  let last: Node | undefined
  for (;;) {
    // A node object read right after a move, before the cursor is read again.
    if (last) seen.push(`  ${last.parent?.type} ${last.nextSibling?.startIndex}`)
    seen.push(`${c.nodeType}#${c.nodeTypeId} ${c.currentFieldName ?? '-'} ${c.startIndex}-${c.endIndex} ${c.nodeIsNamed}`)
    if (c.nodeType === 'identifier' || c.nodeType === 'call') {
      // Node API and another cursor between two moves (both overwrite web-tree-sitter's transfer buffer).
      const node = c.currentNode
      last = node
      const inner = plain ? node.walk() : walkCursor(node.walk())
      let n = 0
      if (inner.gotoFirstChild()) do n++; while (inner.gotoNextSibling())
      inner.delete()
      seen.push(`  ${node.type} ${node.childCount === n} ${c.startPosition.row}:${c.endPosition.column} ${c.nodeText.length}`)
    }
    if (c.gotoFirstChild()) continue
    for (;;) {
      if (c.gotoNextSibling()) break
      if (!c.gotoParent()) return seen
    }
  }
}

describe('the walk cursor', () => {
  it('visits what web-tree-sitter\'s cursor visits, with node objects and other cursors used in between', async () => {
    const parser = await getParser()
    const tree = parser.parse(SOURCE) as Tree
    try {
      const fast = walkCursor(tree.walk())
      const plain = tree.walk()
      // The fast cursor is the one in use (on little-endian hosts, which are all we run on).
      expect(fast).not.toBe(plain)
      expect(fast.constructor.name).toBe('FastCursor')
      const a = visit(fast, false)
      const b = visit(plain, true)
      fast.delete()
      plain.delete()
      expect(a.length).toBeGreaterThan(100)
      expect(a).toEqual(b)
    } finally {
      tree.delete()
    }
  })

  it('two fast cursors moved in turn keep their own places', async () => {
    const parser = await getParser()
    const tree = parser.parse(SOURCE) as Tree
    try {
      // Two cursors stepped alternately (each move of one overwrites the other's words in the transfer buffer).
      const run = (make: () => WalkCursor) => {
        const one = make()
        const two = make()
        const trace: string[] = []
        two.gotoFirstChild()
        two.gotoFirstChild()
        for (let i = 0; i < 40; i++) {
          trace.push(`${one.nodeType}@${one.startIndex}`, `${two.nodeType}@${two.endIndex}`)
          if (!one.gotoFirstChild()) while (!one.gotoNextSibling() && one.gotoParent());
          if (!two.gotoNextSibling()) two.gotoParent()
        }
        one.delete()
        two.delete()
        return trace
      }
      const fast = run(() => walkCursor(tree.walk()))
      expect(fast).toEqual(run(() => tree.walk()))
      expect(new Set(fast).size).toBeGreaterThan(40)
    } finally {
      tree.delete()
    }
  })
})
