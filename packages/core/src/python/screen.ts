// Screening of Python source before tree-sitter sees it. The parser is fast on code but not on everything a `.py`
// can hold: error recovery over garbage (random text, binary data) is super-linear (minutes for 2 MB), a huge
// literal list takes seconds per MB, and a 20 MB one exhausts the WASM memory (`Aborted()`, which also kills the
// parser for the rest of the process). Both checks here are deterministic (never a clock), so a file gets the same
// digest on every machine:
//   - `screenSource`: a token count above MAX_TOKENS (data, not code) is refused before parsing;
//   - `parseUntilError`: the parse stops at the first syntax error, where tree-sitter would start its expensive
//     recovery. A file with a syntax error falls back to its byte digest anyway, so stopping early changes no digest.
import type { Parser, Tree } from 'web-tree-sitter'

/**
 * Most tokens a Python file may have to be parsed (digested semantically, scanned for discovery): ~1 s of parsing.
 * The largest file of CPython 3.11's standard library and Debian's dist-packages has 64 000 (pip's vendored idna
 * table, itself generated); a file over the limit is data, not code.
 */
export const MAX_TOKENS = 100_000

export interface ScreenProblem {
  /** 1-based line where the problem shows. */
  line: number
  reason: string
}

/** Why `text` (decoded source) must not be parsed, or undefined. */
export function screenSource(text: string): ScreenProblem | undefined {
  const { tokens, line } = countTokens(text, MAX_TOKENS)
  if (tokens <= MAX_TOKENS) return undefined
  return { line, reason: `has more than ${MAX_TOKENS.toLocaleString('en-US')} tokens (generated data rather than code?), more than the parser is given` }
}

/**
 * Tokens of `text` counted the way the tokenizer splits them (a name or number, an operator character, a whole string
 * literal; comments and whitespace none), in one linear pass; stops once the count passes `stopAfter`, with the line.
 */
export function countTokens(text: string, stopAfter = Number.POSITIVE_INFINITY): { tokens: number; line: number } {
  let tokens = 0
  let line = 1
  const n = text.length
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i)
    if (c === 10) { line++; i++; continue }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 92) { i++; continue }
    if (c === 35) { // '#': a comment runs to the end of the line
      while (i < n && text.charCodeAt(i) !== 10) i++
      continue
    }
    if (++tokens > stopAfter) break
    if (c === 34 || c === 39) { // a string literal (a prefix was counted as a name just before: one token too many)
      const end = stringEnd(text, i)
      for (let j = i; j < end; j++) if (text.charCodeAt(j) === 10) line++
      i = end
      continue
    }
    if (isWordChar(c)) {
      while (i < n && isWordChar(text.charCodeAt(i))) i++
      continue
    }
    i++
  }
  return { tokens, line }
}

/** Index just past the string literal opening at `i` (a quote): triple or single quoted, backslash escapes skipped. */
function stringEnd(text: string, i: number): number {
  const q = text[i]!
  const triple = text.startsWith(q + q + q, i)
  const close = triple ? q + q + q : q
  let j = i + close.length
  while (j < text.length) {
    const c = text[j]!
    if (c === '\\') { j += 2; continue }
    if (!triple && c === '\n') return j // unterminated: the line ends it (a syntax error the parser reports)
    if (text.startsWith(close, j)) return j + close.length
    j++
  }
  return text.length
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127
}

/**
 * Parse `text`, stopping once the parser meets a syntax error (it checks every hundred or so steps): the line where
 * it stopped, or the tree. Valid code parses exactly as with `parser.parse`; a tree may still hold an error met
 * after the last check, so callers keep their `hasError` checks.
 */
export function parseUntilError(parser: Parser, text: string): { tree: Tree } | { errorLine: number } {
  let errorOffset = -1
  const tree = parser.parse(text, null, {
    progressCallback: (state) => {
      if (!state.hasError) return false
      errorOffset = state.currentOffset
      return true
    },
  })
  if (errorOffset >= 0 || !tree) {
    tree?.delete()
    // A cancelled parse resumes on the parser's next call unless reset: the next file would get this one's tree.
    parser.reset()
    return { errorLine: errorOffset >= 0 ? lineAtOffset(text, errorOffset) : 1 }
  }
  return { tree }
}

/** 1-based line of UTF-16 offset `offset` (tree-sitter's web binding reports offsets in the JS string's units). */
function lineAtOffset(text: string, offset: number): number {
  let line = 1
  const end = Math.min(offset, text.length)
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) line++
  return line
}
