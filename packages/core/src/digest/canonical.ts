// Python-compatible canonical JSON: json.dumps(obj, sort_keys=True, separators=(',',':'), ensure_ascii=False).
// JavaScript has one number type; Python prints int and float differently (1 vs 1.0, 1e+16 vs 10000000000000000),
// so floats that must print as floats are wrapped in PyFloat. Plain integral numbers print as Python ints.

/** Marks a number that Python would hold as a float (prints `1.0`, `1e-07`, `1e+16`, `-0.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export function pyFloat(value: number): PyFloat {
  return new PyFloat(value)
}

const HIGH_UNIT = /[\uD800-\uFFFF]/
const isHigh = (u: number) => u >= 0xd800 && u <= 0xdbff
const isLow = (u: number) => u >= 0xdc00 && u <= 0xdfff

/**
 * Compare two strings by Unicode code point (Python `str` order). JavaScript's default sort compares
 * UTF-16 code units, which puts astral characters (surrogate pairs) before U+E000..U+FFFF. Lone surrogates
 * (a YAML `"\\udc00"` escape makes one) sort by their own value, as in Python.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0
  // Code-unit order (native) is code-point order unless both strings hold a unit from U+D800 up: only there can
  // the first difference be a surrogate against U+E000..U+FFFF. Sorting paths and ids is all ASCII in practice.
  if (!HIGH_UNIT.test(a) || !HIGH_UNIT.test(b)) return a < b ? -1 : 1
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Both strings share a[i - 1]: where it is a high surrogate, a low one here completes a pair (U+10000 and up)
    // and anything else leaves it a lone surrogate (below U+E000). Python orders lone surrogates by their value too.
    if (i > 0 && isHigh(a.charCodeAt(i - 1))) {
      const xLow = isLow(x)
      const yLow = isLow(y)
      if (xLow && yLow) return x - y
      if (xLow || yLow) return xLow ? 1 : -1
    }
    // Both strings start a code point here (a pair or a single unit), and differ in it.
    return a.codePointAt(i)! - b.codePointAt(i)!
  }
  return a.length - b.length
}

/** Python `repr(float)`: shortest round-trip digits, scientific when exponent < -4 or >= 16. */
export function pyFloatRepr(x: number): string {
  if (!Number.isFinite(x)) throw new TypeError(`canonical JSON: ${x} is not allowed (Python json.dumps would write a non-standard token)`)
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  // toExponential() with no argument gives the shortest digits that round-trip, as Python's repr does.
  const [mant = '', expStr = '0'] = x.toExponential().split('e')
  const exp = Number(expStr)
  const sign = mant.startsWith('-') ? '-' : ''
  const digits = mant.replace('-', '').replace('.', '')
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0')
    const frac = digits.slice(exp + 1)
    return `${sign}${intPart}.${frac === '' ? '0' : frac}`
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function str(s: string): string {
  // Python would write the lone surrogate raw and then fail to encode it as UTF-8.
  if (LONE_SURROGATE.test(s)) throw new TypeError('canonical JSON: string contains a lone surrogate (not encodable as UTF-8)')
  // JSON.stringify escapes exactly Python's set: " \ \b \f \n \r \t and other C0 controls as \u00xx (lower-case).
  return JSON.stringify(s)
}

/**
 * `json.dumps(value, sort_keys=True, separators=(',',':'), ensure_ascii=False)` with Python number formatting.
 * Accepts null, booleans, strings, integral numbers and bigints (Python int), PyFloat and non-integral numbers
 * (Python float), arrays and plain objects. Throws TypeError for anything Python's json module would not
 * write as standard JSON (NaN, ±Infinity, undefined, functions, lone surrogates).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'string':
      return str(value)
    case 'bigint':
      return value.toString()
    case 'number':
      if (Number.isInteger(value) && !Object.is(value, -0)) return BigInt(value).toString()
      return pyFloatRepr(value)
    case 'object':
      break
    default:
      throw new TypeError(`canonical JSON: cannot encode a value of type ${typeof value}`)
  }
  if (value instanceof PyFloat) return pyFloatRepr(value.value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) throw new TypeError(`canonical JSON: cannot encode a ${proto?.constructor?.name ?? 'non-plain'} object`)
  const keys = Object.keys(value).sort(compareCodePoints)
  const parts: string[] = []
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k]
    if (v === undefined) throw new TypeError(`canonical JSON: key ${JSON.stringify(k)} is undefined`)
    parts.push(`${str(k)}:${canonicalJson(v)}`)
  }
  return `{${parts.join(',')}}`
}
