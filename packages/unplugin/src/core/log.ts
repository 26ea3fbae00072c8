// The plugin speaks at the bundler's log level: `rollup --silent`, esbuild `logLevel: 'silent'`, webpack
// `infrastructureLogging.level: 'none'` and Vite `logLevel` silence its summary (and warnings, where they ask).
import { describeProgress, type ProgressCallback } from '@modelops-bundle/core'
import { progressAfterMs } from '@modelops-bundle/core/internal'
import type { Logger } from './context.js'

/** Our three kinds of line, from most to least quiet. */
export type LogLevel = 'silent' | 'warn' | 'info'

const console_: Logger = { info: (m) => console.log(m), warn: (m) => console.warn(m) }

/** `sink`, keeping only the lines `level` lets through. */
export function levelled(level: LogLevel, sink: Logger = console_): Logger {
  return {
    info: (m) => { if (level === 'info') sink.info(m) },
    warn: (m) => { if (level !== 'silent') sink.warn(m) },
  }
}

/** Rollup/Rolldown `logLevel` ('silent' with `--silent'; default 'info'). */
export function rollupLevel(level: string | undefined): LogLevel {
  return level === 'silent' ? 'silent' : level === 'warn' ? 'warn' : 'info'
}

/**
 * esbuild `logLevel`: 'silent' and 'error' silence us. 'warning' is the JS API's default, where esbuild itself never
 * prints an info line; treating it as quiet would hide the summary from every API user, so it keeps it.
 */
export function esbuildLevel(level: string | undefined): LogLevel {
  return level === 'silent' || level === 'error' ? 'silent' : 'info'
}

/** webpack/Rspack `infrastructureLogging.level` (default 'info'). */
export function webpackLevel(level: string | undefined): LogLevel {
  if (level === 'none' || level === 'error') return 'silent'
  return level === 'warn' ? 'warn' : 'info'
}

/**
 * A Rollup/Rolldown plugin context's own `info`/`warn` (undefined where it has none). They prefix the plugin's
 * name themselves, so ours goes.
 */
export function contextLogger(context: unknown): Logger | undefined {
  const c = context as { info?: (m: string) => void; warn?: (m: string) => void }
  if (typeof c.info !== 'function' || typeof c.warn !== 'function') return undefined
  const bare = (m: string) => m.replace(/^modelops-bundle: /, '')
  return { info: (m) => c.info!(bare(m)), warn: (m) => c.warn!(bare(m)) }
}

/**
 * Hashing progress as a few info lines (issue 17), never a redraw (bundler logs are often CI logs): once hashing has
 * run `afterMs` (PROGRESS_AFTER_MS, or MODELOPS_PROGRESS_AFTER_MS), one line, then one as each quarter (25, 50,
 * 75 %) is passed. The logger's level decides whether any is printed.
 */
export function progressLog(logger: Logger, afterMs: number = progressAfterMs()): ProgressCallback {
  let quarter = -1
  return (p) => {
    if (p.done || p.elapsedMs < afterMs) return
    const q = p.bytesTotal > 0 ? Math.floor((p.bytesDone / p.bytesTotal) * 4) : 4
    if (q <= quarter || (quarter >= 0 && q >= 4)) return
    quarter = q
    logger.info(`modelops-bundle: hashing… ${describeProgress(p)}`)
  }
}
