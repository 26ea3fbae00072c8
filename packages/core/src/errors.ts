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

export interface ErrorLocation {
  /** Path as the user should see it (project-relative POSIX where possible). */
  file?: string
  /** 1-based. */
  line?: number
  /** 1-based. */
  column?: number
}

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

export function isModelopsError(err: unknown): err is ModelopsError {
  return err instanceof ModelopsError || (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ModelopsError')
}

/** `file:line:column: message` then an indented hint line. */
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
