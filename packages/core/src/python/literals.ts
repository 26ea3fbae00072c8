// Literal VALUES as Python's ast sees them: spelling (quotes, prefix case, escapes, digit separators,
// exponent/hex case) is formatting; the value is the program.
import { checkNumber, PythonSyntaxError } from './syntax.js'

/** A decoded piece of string value: plain text, or a `\N{NAME}` escape (no Unicode name table here). */
export type Piece = string | { named: string }

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
}

function isOct(c: string): boolean { return c >= '0' && c <= '7' }
function isHighSurrogate(u: number): boolean { return u >= 0xd800 && u <= 0xdbff }
function isLowSurrogate(u: number): boolean { return u >= 0xdc00 && u <= 0xdfff }

/**
 * Appends decoded pieces, joining adjacent text, except an escaped high surrogate followed by an escaped
 * low one (across implicit concatenation too): Python keeps those as two code points.
 */
export function pushPieces(acc: Piece[], pieces: Piece[]): void {
  for (const p of pieces) {
    if (p === '') continue
    const last = acc[acc.length - 1]
    if (typeof p === 'string' && typeof last === 'string' && !(isHighSurrogate(last.charCodeAt(last.length - 1)) && isLowSurrogate(p.charCodeAt(0)))) acc[acc.length - 1] = last + p
    else acc.push(p)
  }
}
function isHex(s: string): boolean { return /^[0-9a-fA-F]+$/.test(s) }

/**
 * Decode the body of one string part (between the quotes). `raw` strings keep backslashes;
 * f-strings turn `{{`/`}}` into braces; bytes know only the byte escapes. Unknown escapes keep the
 * backslash, as CPython does. `strict`: throw PythonSyntaxError where CPython refuses the literal
 * (truncated `\x`/`\u`/`\U`, a code point above U+10FFFF, a malformed `\N`, non-ASCII bytes).
 */
export function decodeStringBody(text: string, raw: boolean, bytes: boolean, fstring: boolean, strict = false): Piece[] {
  const fast = raw ? !fstring || (!text.includes('{{') && !text.includes('}}')) : !text.includes('\\') && (!fstring || (!text.includes('{{') && !text.includes('}}')))
  // CPython: "bytes can only contain ASCII literal characters".
  if (strict && bytes && !/^[\x00-\x7f]*$/.test(text)) throw new PythonSyntaxError('a bytes literal contains a non-ASCII character')
  if (fast) return [text]
  const out: Piece[] = []
  let buf = ''
  const n = text.length
  for (let i = 0; i < n; i++) {
    const ch = text[i]!
    if (fstring && (ch === '{' || ch === '}') && text[i + 1] === ch) { buf += ch; i++; continue }
    if (ch !== '\\' || raw) { buf += ch; continue }
    const e = text[i + 1]
    if (e === undefined) { buf += ch; continue }
    if (e in SIMPLE_ESCAPES) { buf += SIMPLE_ESCAPES[e]; i++; continue }
    if (isOct(e)) {
      let j = i + 1
      let digits = ''
      while (j < n && digits.length < 3 && isOct(text[j]!)) digits += text[j++]
      const v = parseInt(digits, 8)
      buf += String.fromCharCode(bytes ? v & 0xff : v)
      i = j - 1
      continue
    }
    const width = e === 'x' ? 2 : bytes ? 0 : e === 'u' ? 4 : e === 'U' ? 8 : 0
    if (width > 0) {
      const hex = text.slice(i + 2, i + 2 + width)
      const cp = hex.length === width && isHex(hex) ? parseInt(hex, 16) : -1
      if (cp < 0 || cp > 0x10ffff) {
        if (strict) throw new PythonSyntaxError(cp < 0 ? `truncated \\${e} escape in a string` : 'illegal Unicode character in a \\U escape')
        buf += ch // not decodable: kept verbatim (Python refuses the file)
        continue
      }
      const s = String.fromCodePoint(cp)
      // An escaped low surrogate after an escaped high one stays two code points in Python ('\ud83d\ude00'
      // is not '\U0001F600'); in a JS string they would fuse, so they go into separate pieces.
      if (isLowSurrogate(cp) && isHighSurrogate(buf.charCodeAt(buf.length - 1))) {
        out.push(buf)
        buf = ''
      }
      buf += s
      i += 1 + width
      continue
    }
    if (!bytes && e === 'N') {
      const close = text[i + 2] === '{' ? text.indexOf('}', i + 3) : -1
      if (close <= i + 3) {
        if (strict) throw new PythonSyntaxError('malformed \\N character escape in a string')
        buf += ch
        continue
      }
      if (buf) out.push(buf)
      buf = ''
      // Python looks names up case-insensitively; aliases and the name→char mapping need the Unicode table.
      out.push({ named: text.slice(i + 3, close).toUpperCase().replace(/\s+/g, ' ').trim() })
      i = close
      continue
    }
    // A backslash before CRLF was normalised away with the source; any other escape is kept verbatim.
    buf += ch
  }
  if (buf) out.push(buf)
  return out
}

/** Python's str.isspace() characters (JS `\s` differs: it has U+FEFF, lacks U+001C-U+001F and U+0085). */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const LEADING_SPACE = new RegExp(`^[${PY_SPACE}]+`)
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`)

/** str.expandtabs(): a tab advances to the next multiple of 8; the column restarts after \n and \r. */
export function expandTabs(s: string): string {
  if (!s.includes('\t')) return s
  let out = ''
  let col = 0
  for (const ch of s) {
    if (ch === '\t') {
      const n = 8 - (col % 8)
      out += ' '.repeat(n)
      col += n
    } else {
      out += ch
      col = ch === '\n' || ch === '\r' ? 0 : col + 1
    }
  }
  return out
}

/** inspect.cleandoc plus trailing-space removal per line (what `black` does to docstrings). */
export function cleanDocstring(doc: string): string {
  const lines = expandTabs(doc).split('\n')
  let margin = Infinity
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const content = line.replace(LEADING_SPACE, '').length
    if (content) margin = Math.min(margin, line.length - content)
  }
  lines[0] = lines[0]!.replace(LEADING_SPACE, '')
  if (margin < Infinity) for (let i = 1; i < lines.length; i++) lines[i] = lines[i]!.slice(margin)
  for (let i = 0; i < lines.length; i++) lines[i] = lines[i]!.replace(TRAILING_SPACE, '')
  while (lines.length && !lines[lines.length - 1]) lines.pop()
  while (lines.length && !lines[0]) lines.shift()
  return lines.join('\n')
}

/**
 * Canonical token of a numeric literal by value: `i<decimal>` (int), `f<shortest repr>` (float),
 * `j<shortest repr>` (imaginary). So 0xff, 0XFF and 255 agree; 1e5 and 100000.0 agree; 1_000 is 1000.
 */
export function numberToken(text: string): string {
  // Fast path for the common case: a short plain decimal integer.
  if (text.length < 16 && /^[0-9]+$/.test(text)) {
    if (text.charCodeAt(0) === 48 && text.length > 1 && !/^0+$/.test(text)) checkNumber(text)
    return 'i' + String(Number(text))
  }
  checkNumber(text)
  let t = text.replace(/_/g, '')
  const imag = /[jJ]$/.test(t)
  if (imag) t = t.slice(0, -1)
  const lower = t.toLowerCase()
  if (!imag && (/^0[xob]/.test(lower) || /^[0-9]+$/.test(lower))) {
    try { return 'i' + BigInt(lower).toString() } catch { return 'x' + text }
  }
  // Python 2 long suffix etc. cannot be valid Python 3; keep the text so nothing collides.
  if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/.test(lower)) return 'x' + text
  return (imag ? 'j' : 'f') + String(Number(lower))
}

/** Python identifiers are compared after NFKC normalisation. */
export function identifierText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text : text.normalize('NFKC')
}
