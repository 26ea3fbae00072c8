// Sizes and durations as people write them (`2GiB`, `500MB`, `10m`), parsed in one place so config.yaml, the plugin's
// options, the CLI's flags and MODELOPS_* variables take the same forms and refuse bad input with the same words.
import { ModelopsError } from '../errors.js'

/** Longest delay Node's timers hold (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1

/** Called with what is wrong (`must be …, got …`); the caller prefixes where the value came from and throws. */
export type UnitFailure = (problem: string) => never

const rangeError: UnitFailure = (problem) => {
  throw new RangeError(problem)
}

const DURATION_FORMS = "a duration such as 500ms, 30s, 10m or 1h (or a number of milliseconds)"
const DURATION_SCALE: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * Milliseconds of a duration: a number of milliseconds, or text with a unit (`500ms`, `30s`, `10m`, `1.5h`; no
 * unit means milliseconds). It must be positive (or zero with `allowZero`) and at most MAX_DURATION_MS.
 * @throws what `fail` throws (default: a RangeError) with the problem, e.g. `must be a duration such as …, got "soon"`.
 */
export function parseDuration(value: number | string, fail: UnitFailure = rangeError, options: { allowZero?: boolean } = {}): number {
  let ms: number
  if (typeof value === 'number') ms = value
  else {
    const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|)\s*$/.exec(value) : null
    if (!m) return fail(`must be ${DURATION_FORMS}, got ${JSON.stringify(value)}`)
    ms = Math.round(Number(m[1]) * DURATION_SCALE[m[2]!]!)
  }
  if (!Number.isFinite(ms) || ms < 0 || (ms === 0 && !options.allowZero)) {
    return fail(`must be a ${options.allowZero ? 'non-negative' : 'positive'} number of milliseconds or ${DURATION_FORMS}, got ${JSON.stringify(value)}`)
  }
  if (ms > MAX_DURATION_MS) {
    return fail(`${ms} ms (${(ms / 86_400_000).toFixed(1)} days) is longer than the longest timer Node can set, ${MAX_DURATION_MS} ms (about 24.8 days)`)
  }
  return ms
}

/**
 * Milliseconds from the environment variable `name` (as parseDuration reads them); `fallback` when it is unset or
 * empty.
 * @throws ModelopsError USAGE naming the variable, in parseDuration's words, for any other value.
 */
export function envDuration(name: string, fallback: number, options: { env?: Record<string, string | undefined>; allowZero?: boolean } = {}): number {
  const text = (options.env ?? process.env)[name]
  if (text === undefined || text.trim() === '') return fallback
  return parseDuration(text, (problem) => {
    throw new ModelopsError('USAGE', `${name}: ${problem}`, { hint: `set ${name} to a number of milliseconds (or 30s, 10m), or unset it for the default (${fallback} ms)` })
  }, options)
}

const SIZE_FORMS = 'a size such as 500MB or 2GiB (or a number of bytes)'

/**
 * Bytes of a size: a number of bytes, or text with a unit. KB/MB/GB/TB are decimal (1000^n); KiB/MiB/GiB/TiB and
 * bare K/M/G/T are binary (1024^n), as in `du -h` and Docker. Zero is allowed; fractions of a byte are dropped; the
 * number Infinity means no limit.
 * @throws what `fail` throws (default: a RangeError) for bad text, a negative size or one past 2^53 bytes.
 */
export function parseSize(value: number | string, fail: UnitFailure = rangeError): number {
  let bytes: number
  if (typeof value === 'number') bytes = Math.floor(value)
  else {
    const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(i?)(b?)|(b?))\s*$/i.exec(value) : null
    // `Ki` without the B is not a unit anyone writes: refused rather than guessed.
    if (!m || (m[3] && !m[4])) return fail(`must be ${SIZE_FORMS}, got ${JSON.stringify(value)}`)
    const pow = m[2] ? ' kmgt'.indexOf(m[2].toLowerCase()) : 0
    const base = m[4] && !m[3] ? 1000 : 1024
    bytes = Math.floor(Number(m[1]) * base ** pow)
  }
  if (Number.isNaN(bytes) || bytes < 0) return fail(`must be ${SIZE_FORMS}, at least 0, got ${JSON.stringify(value)}`)
  if (bytes > Number.MAX_SAFE_INTEGER && !(bytes === Infinity && typeof value === 'number')) return fail(`is too large (at most ${Number.MAX_SAFE_INTEGER} bytes), got ${JSON.stringify(value)}`)
  return bytes
}

const BINARY_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/** `512 B`, `1.5 KiB`, `2.0 GiB`: binary units, one decimal. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`
  const sign = n < 0 ? '-' : ''
  let v = Math.abs(n)
  if (v < 1024) return `${sign}${v} B`
  let i = -1
  // Compare the rounded value: 1048575 bytes is `1.0 MiB`, not `1024.0 KiB`.
  while (i < BINARY_UNITS.length - 1 && Number(v.toFixed(1)) >= 1024) {
    v /= 1024
    i++
  }
  return `${sign}${v.toFixed(1)} ${BINARY_UNITS[i]}`
}
