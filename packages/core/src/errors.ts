/**
 * One error type for every user-facing failure. The CLI and the plugin print
 * `formatError(err)` and never a stack trace for these; anything else is a bug.
 */
export type ErrorCode =
  | 'NOT_A_PROJECT'
  | 'REGISTRY_INVALID'
  | 'CONFIG_INVALID'
  | 'PATH_OUTSIDE'
  | 'PATH_INVALID'
  | 'FILE_NOT_FOUND'
  | 'DISCOVERY'
  | 'ID_COLLISION'
  | 'USAGE'
  | 'LOCK_TIMEOUT'
  | 'GENERATOR_FAILED'
  | 'CACHE'
  | 'OUTPUT_TOO_LARGE'
  | 'STALE'
  | 'READ_TIMEOUT'

/** Where a problem is: the file as the user should see it, and a 1-based line and column when known. */
export interface ErrorLocation {
  /** Path as the user should see it (project-relative POSIX where possible). */
  file?: string
  /** 1-based. */
  line?: number
  /** 1-based. */
  column?: number
}

/**
 * The one error type of every user-facing failure: a stable `code`, the location (file, line, column) and a `hint`
 * saying what to do. `exitCode` is what the CLI exits with (2 for USAGE, else 1). Anything else thrown is a bug.
 */
export class ModelopsError extends Error {
  override readonly name = 'ModelopsError'
  readonly code: ErrorCode
  readonly file?: string
  readonly line?: number
  readonly column?: number
  /** What the user should do about it. */
  readonly hint?: string
  /** 1 = user error, 2 = usage error. */
  readonly exitCode: 1 | 2

  constructor(code: ErrorCode, message: string, opts: ErrorLocation & { hint?: string; exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    this.file = opts.file
    this.line = opts.line
    this.column = opts.column
    this.hint = opts.hint
    this.exitCode = opts.exitCode ?? (code === 'USAGE' ? 2 : 1)
  }
}

/** True for a ModelopsError, also one made by another copy of this package (checked by `name`, not only instanceof). */
export function isModelopsError(err: unknown): err is ModelopsError {
  return err instanceof ModelopsError || (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ModelopsError')
}

/**
 * `file:line:column: message` then an indented hint line.
 * Never throws; plain text without colour (callers colour it).
 */
export function formatError(err: ModelopsError): string {
  let where = err.file ?? ''
  if (where && err.line !== undefined) where += `:${err.line}`
  if (where && err.line !== undefined && err.column !== undefined) where += `:${err.column}`
  const head = where ? `${where}: ${err.message}` : err.message
  return err.hint ? `${head}\n  ${err.hint}` : head
}

/** A non-fatal problem worth telling the user about (e.g. semantic digest fell back to bytes). */
export interface Warning extends ErrorLocation {
  code: string
  message: string
}

/**
 * The candidate nearest to a mistyped `word` (edit distance, a swap of neighbours counting as one), or undefined
 * when none is close: at most a third of the word's letters wrong (at least 1, at most 3). For "did you mean" hints.
 * @internal Shared by the CLI and the plugin through this small entry; not part of the documented API (docs/api.md).
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)))
  let best: string | undefined
  let bestDistance = limit + 1
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [c, d]
  }
  return best
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = d
    }
  }
  return rows[a.length]![b.length]!
}
