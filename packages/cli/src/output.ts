// Everything the CLI prints goes through here: results on stdout (text or --json), logs on stderr,
// colour only on a TTY without NO_COLOR, errors formatted by core and mapped to exit codes.
import { formatError, isModelopsError, ModelopsError, type Warning } from '@modelops-bundle/core/errors'

/** 0 ok, 1 user error or stale (verify), 2 usage or internal error. */
export const EXIT = { OK: 0, FAIL: 1, USAGE: 2 } as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** Colour when the stream is a terminal, unless NO_COLOR is set (any value) or TERM=dumb; FORCE_COLOR forces it. */
export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  const env = process.env
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY) && env.TERM !== 'dumb'
}

export interface Palette {
  red(s: string): string
  green(s: string): string
  yellow(s: string): string
  cyan(s: string): string
  dim(s: string): string
  bold(s: string): string
}

export function palette(enabled: boolean): Palette {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\u001B[${open}m${s}\u001B[${close}m` : s)
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), dim: wrap(2, 22), bold: wrap(1, 22) }
}

/** Whether a live line (the progress line, progress.ts) is drawn on stderr now. */
let live = false

/** Draw `text` as the one live line on stderr, redrawn in place; undefined clears it. Terminals only. */
export function liveLine(text: string | undefined): void {
  if (text === undefined) {
    if (live) {
      process.stderr.write('\r\u001B[2K')
      for (const sig of STOP_SIGNALS) process.off(sig, stopped)
    }
    live = false
    return
  }
  // Listening before the first draw: a signal that comes as soon as the line is seen finds it handled.
  if (!live) for (const sig of STOP_SIGNALS) process.once(sig, stopped)
  live = true
  process.stderr.write(`\r\u001B[2K${text}`)
}

/** Ctrl-C (SIGINT) and `kill` (SIGTERM) while a live line is drawn must not leave it on the terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const

function stopped(sig: NodeJS.Signals): void {
  // Clearing also drops these listeners (a TTY write is synchronous: the clear is out before we die).
  liveLine(undefined)
  // Die by the same signal, now with its default action: the shell sees 130/143 and a script's loop stops,
  // as it would had we installed nothing.
  process.kill(process.pid, sig)
}

/** Every line for stderr goes through here: a live line is cleared first, so nothing is printed behind it. */
function errLine(text: string): void {
  liveLine(undefined)
  process.stderr.write(`${text}\n`)
}

/** The printing side of one command run. */
export class Output {
  readonly json: boolean
  /** Colours for stdout. */
  readonly c: Palette
  /** Colours for stderr. */
  readonly e: Palette

  constructor(opts: { json?: boolean; debug?: boolean } = {}) {
    this.json = opts.json ?? false
    this.c = palette(colorEnabled(process.stdout))
    const errColor = colorEnabled(process.stderr)
    this.e = palette(errColor)
  }

  /** One line of human output on stdout (suppressed with --json). */
  line(text = ''): void {
    if (this.json) return
    liveLine(undefined)
    process.stdout.write(`${text}\n`)
  }

  /** The JSON result on stdout: 2-space indented, newline-terminated. */
  result(value: unknown): void {
    liveLine(undefined)
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  /** `[warn] message` on stderr: logs never touch stdout, so `--json | jq` always sees pure JSON. */
  warn(w: Warning | string): void {
    errLine(`${this.e.yellow('[warn]')} ${typeof w === 'string' ? w : formatLocated(w)}`)
  }

  warnAll(ws: readonly Warning[] | undefined): void {
    for (const w of ws ?? []) this.warn(w)
  }

  /** `✓ text` on stdout, or on stderr with --json so stdout stays JSON. */
  success(text: string): void {
    if (this.json) errLine(`${this.e.green('✓')} ${text}`)
    else this.line(`${this.c.green('✓')} ${text}`)
  }
}

/** `file:line: message` of a warning. */
export function formatLocated(w: Warning): string {
  let where = w.file ?? ''
  if (where && w.line !== undefined) where += `:${w.line}`
  return where ? `${where}: ${w.message}` : w.message
}

/** Print `err` to stderr and return its exit code. Stack traces only for bugs, and with --debug. */
export function reportError(err: unknown, opts: { debug?: boolean; usageHint?: string } = {}): ExitCode {
  const e = palette(colorEnabled(process.stderr))
  if (isModelopsError(err)) {
    const [head, ...rest] = formatError(err).split('\n')
    errLine(`${e.red('✗')} ${head}`)
    for (const line of rest) errLine(e.dim(line))
    if (err.exitCode === EXIT.USAGE && opts.usageHint && !err.hint) errLine(e.dim(`  ${opts.usageHint}`))
    if (opts.debug && err.stack) errLine(err.stack)
    return err.exitCode
  }
  const message = err instanceof Error ? err.message : String(err)
  errLine(`${e.red('✗')} internal error: ${message}`)
  if (opts.debug) {
    if (err instanceof Error && err.stack) errLine(err.stack)
  } else {
    errLine(e.dim('  this is a bug in mops-bundle; run again with --debug for the stack trace and report it'))
  }
  return EXIT.USAGE
}

export function usageError(message: string, hint?: string): ModelopsError {
  return new ModelopsError('USAGE', message, { hint, exitCode: 2 })
}

/** The first 12 hex digits after the algorithm prefix (`pysem1:ab12…` → `ab12…`), or `-`. */
export function shortDigest(digest: string | null | undefined, length = 12): string {
  if (!digest) return '-'
  const hex = digest.includes(':') ? digest.slice(digest.lastIndexOf(':') + 1) : digest
  return hex.slice(0, length)
}

/** A plain aligned table: header row, a rule, rows. Cells are strings; widths count code points. */
export function table(headers: string[], rows: string[][], opts: { indent?: string; style?: (s: string) => string } = {}): string {
  const indent = opts.indent ?? ''
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))))
  const render = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell))))
      .join('  ')
      .trimEnd()
  const head = render(headers)
  const rule = indent + widths.map((w) => '─'.repeat(w)).join('  ')
  return [opts.style ? opts.style(head) : head, rule, ...rows.map(render)].join('\n')
}

function width(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\u001B\[[0-9;]*m/g, '')].length
}

/** `id` padded like the reference's `{id:<20}`. */
export function padId(id: string, n = 20): string {
  return id.length >= n ? id : id + ' '.repeat(n - id.length)
}
