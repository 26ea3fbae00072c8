// Medians and ranges of repeated runs; figures rounded for tables.

/** @param {number[]} xs */
export function summary(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = v.length >> 1
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
  return { median, min: v[0], max: v[v.length - 1], n: v.length, runs: xs }
}

export const MiB = 1024 * 1024
export const GiB = 1024 * MiB

/** Throughput in MiB/s for `bytes` processed in `ms`. */
export const mibps = (bytes, ms) => bytes / MiB / (ms / 1000)

export function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return 'n/a'
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 100) return `${ms.toFixed(0)} ms`
  if (ms >= 10) return `${ms.toFixed(1)} ms`
  if (ms >= 1) return `${ms.toFixed(2)} ms`
  return `${(ms * 1000).toFixed(0)} µs`
}

export function fmtNum(x, digits = 1) {
  if (x == null || !Number.isFinite(x)) return 'n/a'
  return x >= 100 ? x.toFixed(0) : x.toFixed(digits)
}

export function fmtBytes(b) {
  if (b >= GiB) return `${(b / GiB).toFixed(b % GiB ? 2 : 0)} GiB`
  if (b >= MiB) return `${(b / MiB).toFixed(b % MiB ? 1 : 0)} MiB`
  if (b >= 1024) return `${(b / 1024).toFixed(0)} KiB`
  return `${b} B`
}

export function fmtKb(kb) {
  return kb == null ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`
}

/** "median (min–max)" of a summary through `f`. */
export function fmtRange(s, f = fmtMs) {
  if (!s) return 'n/a'
  return s.n > 1 && s.min !== s.max ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median)
}

/** Ratio "a/b" with 2 significant decimals, or n/a. */
export function ratio(a, b) {
  if (!a || !b || !Number.isFinite(a) || !Number.isFinite(b)) return null
  return a / b
}
export const fmtRatio = (r) => (r == null ? 'n/a' : `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`)
