// Literal VALUES as Python's ast sees them: spelling (quotes, prefix case, escapes, digit separators,
// exponent/hex case) is formatting; the value is the program.

/** A decoded piece of string value: plain text, or a `\N{NAME}` escape (no Unicode name table here). */
export type Piece = string | { named: string }

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
}

function isOct(c: string): boolean { return c >= '0' && c <= '7' }
function isHex(s: string): boolean { return /^[0-9a-fA-F]+$/.test(s) }

/**
 * Decode the body of one string part (between the quotes). `raw` strings keep backslashes;
 * f-strings turn `{{`/`}}` into braces; bytes know only the byte escapes. Unknown escapes keep the
 * backslash, as CPython does.
 */
export function decodeStringBody(text: string, raw: boolean, bytes: boolean, fstring: boolean): Piece[] {
  const fast = raw ? !fstring || (!text.includes('{{') && !text.includes('}}')) : !text.includes('\\') && (!fstring || (!text.includes('{{') && !text.includes('}}')))
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
    if (e === 'x' && isHex(text.slice(i + 2, i + 4)) && i + 4 <= n) { buf += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16)); i += 3; continue }
    if (!bytes && e === 'u' && i + 6 <= n && isHex(text.slice(i + 2, i + 6))) { buf += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)); i += 5; continue }
    if (!bytes && e === 'U' && i + 10 <= n && isHex(text.slice(i + 2, i + 10))) {
      const cp = parseInt(text.slice(i + 2, i + 10), 16)
      buf += cp <= 0x10ffff ? String.fromCodePoint(cp) : text.slice(i, i + 10)
      i += 9
      continue
    }
    if (!bytes && e === 'N' && text[i + 2] === '{') {
      const close = text.indexOf('}', i + 3)
      if (close > 0) {
        if (buf) out.push(buf)
        buf = ''
        // Python looks names up case-insensitively; aliases and the name→char mapping need the Unicode table.
        out.push({ named: text.slice(i + 3, close).toUpperCase().replace(/\s+/g, ' ').trim() })
        i = close
        continue
      }
    }
    // A backslash before CRLF was normalised away with the source; any other escape is kept verbatim.
    buf += ch
  }
  if (buf) out.push(buf)
  return out
}

/** inspect.cleandoc plus trailing-space removal per line (what `black` does to docstrings). */
export function cleanDocstring(doc: string): string {
  const lines = doc.replace(/\t/g, '        ').split('\n')
  let margin = Infinity
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const content = line.replace(/^\s+/, '').length
    if (content) margin = Math.min(margin, line.length - content)
  }
  lines[0] = lines[0]!.replace(/^\s+/, '')
  if (margin < Infinity) for (let i = 1; i < lines.length; i++) lines[i] = lines[i]!.slice(margin)
  for (let i = 0; i < lines.length; i++) lines[i] = lines[i]!.replace(/\s+$/, '')
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
  if (text.length < 16 && /^[0-9]+$/.test(text)) return 'i' + String(Number(text))
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
