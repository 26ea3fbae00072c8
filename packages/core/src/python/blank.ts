// tree-sitter-python's external scanner is quadratic on runs of comment lines (1,600 lines ~0.3-0.9 s,
// 3,200 ~1.2-3.3 s). Comments never reach the digest, so comment-only lines are emptied before parsing:
// line numbers stay, and blank lines parse in linear time.

export interface Blanked {
  /** Source with comment-only lines emptied (newlines kept). */
  text: string
  /** 0-based rows that were emptied, ascending. */
  rows: number[]
}

/**
 * A light scan that knows strings (so a `#` line inside a triple-quoted string stays). It is only a
 * guess for exotic input (PEP 701 nested quotes): the caller checks the parsed tree's multi-line strings
 * against `rows` and re-parses the original text when a blanked row falls inside one.
 */
export function blankCommentLines(src: string): Blanked {
  const rows: number[] = []
  const parts: string[] = []
  const n = src.length
  let row = 0
  let lineStart = 0
  let copiedTo = 0
  let i = 0
  // Open string: its quote run ('"', "'", '"""' or "'''"), '' when in code.
  let quote = ''
  let atLineStart = true
  while (i < n) {
    const ch = src.charCodeAt(i)
    if (ch === 10) { // \n
      row++
      i++
      lineStart = i
      atLineStart = quote === ''
      if (quote.length === 1) quote = '' // unterminated single-quoted string: the parser reports it
      continue
    }
    if (quote) {
      if (ch === 92) { // backslash: skip the escaped char (an escaped newline continues the string)
        if (src.charCodeAt(i + 1) === 10) { row++; lineStart = i + 2 }
        i += 2
        continue
      }
      if (src.startsWith(quote, i)) { i += quote.length; quote = '' } else i++
      continue
    }
    if (atLineStart) {
      if (ch === 32 || ch === 9 || ch === 12) { i++; continue }
      atLineStart = false
      if (ch === 35) { // '#': a comment-only line
        let end = src.indexOf('\n', i)
        if (end < 0) end = n
        parts.push(src.slice(copiedTo, lineStart))
        copiedTo = end
        rows.push(row)
        i = end
        continue
      }
    }
    if (ch === 35) { // trailing comment: skip to end of line
      const end = src.indexOf('\n', i)
      i = end < 0 ? n : end
      continue
    }
    if (ch === 34 || ch === 39) { // " or '
      const q = src[i]!
      quote = src.startsWith(q + q + q, i) ? q + q + q : q
      i += quote.length
      continue
    }
    if (ch === 92) { // backslash continuation: the next line is not a fresh logical line
      if (src.charCodeAt(i + 1) === 10) { row++; lineStart = i + 2 }
      i += 2
      continue
    }
    i++
  }
  if (rows.length === 0) return { text: src, rows }
  parts.push(src.slice(copiedTo))
  return { text: parts.join(''), rows }
}

/** True when any of `rows` (ascending) lies in (startRow, endRow]: inside a multi-line token. */
export function rowsInside(rows: number[], startRow: number, endRow: number): boolean {
  let lo = 0
  let hi = rows.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (rows[mid]! <= startRow) lo = mid + 1
    else hi = mid
  }
  return lo < rows.length && rows[lo]! <= endRow
}
