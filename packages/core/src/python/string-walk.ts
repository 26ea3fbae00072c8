// String literals in the pysem1 walk (normalize.ts): a str, bytes or f-string literal, implicitly concatenated or
// not, becomes one head token (str/bytes/joinedstr, patched when the literal ends) and its decoded pieces; the bodies
// are read from the source between delimiters and fields, never from string_content nodes.
import type { WalkCursor } from './cursor.js'
import { rowsInside } from './blank.js'
import { cleanDocstring, decodeStringBody, pushPieces, type Piece } from './literals.js'
import { checkStringPrefix, PythonSyntaxError } from './syntax.js'
import { frame, open, type Frame, type StringAcc, type Walk } from './walk-state.js'

/** Thrown when a blanked comment row lies inside a multi-line string: the caller re-parses the original. */
export class BlankedInsideString extends Error {}

function pieceToken(p: Piece): string {
  return typeof p === 'string' ? 's' + JSON.stringify(p) : 'N' + JSON.stringify(p.named)
}

/**
 * The walk's step into a string-literal node (or a part of one): true to descend, false to skip it, undefined when
 * `rawType` is no string node (the walk handles it).
 */
export function enterString(c: WalkCursor, w: Walk, rawType: string, parent: Frame | undefined, field: string | null): boolean | undefined {
  const { src, out, stack } = w
  switch (rawType) {
    case 'concatenated_string':
    case 'string': {
      if (rawType === 'string' && w.blankedRows.length > 0) {
        const s = c.startPosition.row
        const e = c.endPosition.row
        if (e > s && rowsInside(w.blankedRows, s, e)) throw new BlankedInsideString()
      }
      const f = frame(rawType)
      if (rawType === 'string' && parent?.type === 'concatenated_string') {
        f.acc = parent.acc
      } else {
        f.acc = { head: out.length, field: field ?? '', fstring: false, bytes: false, kinds: 0, doc: parent?.docStmt === true, pieces: [] }
        out.push('')
        f.close = 'acc'
        f.hold = true
        w.holds++
      }
      stack.push(f)
      return true
    }
    case 'string_start': {
      // String bodies are read from the source between the delimiters and interpolations, not from
      // string_content nodes: for r"\"" the grammar folds the content into string_end.
      const text = c.nodeText
      const prefix = text.replace(/["']/g, '').toLowerCase()
      checkStringPrefix(prefix)
      if (parent) {
        parent.raw = prefix.includes('r')
        parent.bytes = prefix.includes('b')
        parent.fstring = prefix.includes('f')
        parent.gap = c.endIndex
        parent.end = /("""|\'\'\')$/.test(text) ? 3 : 1
        if (parent.acc) {
          parent.acc.bytes ||= parent.bytes
          parent.acc.fstring ||= parent.fstring
          parent.acc.kinds |= parent.bytes ? 1 : 2
          if (parent.acc.kinds === 3) throw new PythonSyntaxError('cannot mix bytes and nonbytes literals', c.startIndex)
        }
      }
      return false
    }
    case 'string_content':
    case 'escape_sequence':
    case 'escape_interpolation':
      return false
    case 'string_end':
      if (parent?.acc) pushPieces(parent.acc.pieces, decodeStringBody(src.slice(parent.gap, c.endIndex - parent.end), parent.raw, parent.bytes, parent.fstring, true))
      return false
    case 'interpolation': {
      const acc = parent?.acc
      if (acc && parent) {
        pushPieces(acc.pieces, decodeStringBody(src.slice(parent.gap, c.startIndex), parent.raw, parent.bytes, parent.fstring, true))
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
  return undefined
}

/** The end of a whole literal: its pieces as tokens, and its head token written into the placeholder. */
export function leaveString(acc: StringAcc, out: string[]): void {
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
}
