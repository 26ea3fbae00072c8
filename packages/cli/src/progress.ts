// The progress line of commands that hash (issue 17): on a terminal only, one line on stderr redrawn in place once
// hashing has run PROGRESS_AFTER_MS (core), cleared when it ends. Piped output, --json and CI print exactly what they did.
import { describeProgress, progressAfterMs, type ProgressCallback } from '@modelops-bundle/core/hash'
import { liveLine, type Output } from './output.js'

/**
 * Whether this run may draw a progress line: both streams are terminals (a redirected stdout means a script is
 * reading), not --json, not TERM=dumb, and not CI: CI logs keep every redraw (as in std-env, which Vite and Vitest
 * use: CI set to anything but '' or 'false'). NO_COLOR only removes colour.
 */
export function showsProgress(out: Output, env: NodeJS.ProcessEnv = process.env): boolean {
  if (out.json || !process.stderr.isTTY || !process.stdout.isTTY || env.TERM === 'dumb') return false
  return !env.CI || env.CI === 'false'
}

/**
 * The onProgress to hand to core for one hashing pass, or undefined where nothing may be drawn. `unit` names what
 * the pass counts (`files`; `cache verify` counts `entries`).
 */
export function progressLine(out: Output, unit = 'files'): ProgressCallback | undefined {
  if (!showsProgress(out)) return undefined
  const after = progressAfterMs()
  return (p) => {
    if (p.done) return liveLine(undefined)
    if (p.elapsedMs < after) return
    // Wider than the terminal would wrap, and `\r` would then redraw only the last row.
    const width = Math.max(20, (process.stderr.columns || 80) - 1)
    liveLine(out.e.dim(`hashing ${describeProgress(p, unit)}`.slice(0, width)))
  }
}
