// The real Python modelops-bundle (reference R2), for the interop suite. Never skipped: a missing tool is a failure
// that says how to get it. Found through MODELOPS_PY_TOOL (the folder setup.sh made, as `.ci/run` exports it), else
// built by the reference's own setup.sh (../shared/reference/python-tool beside the checkout, or MODELOPS_PY_SETUP)
// into node_modules/.cache/modelops-py-tool (about 30 s the first time, 1 s after).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { show, spawnCollect, type RunOptions, type RunResult } from './helpers.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const SETUP_CANDIDATES = [process.env.MODELOPS_PY_SETUP, join(REPO, '../shared/reference/python-tool/setup.sh')]

let toolDir: string | undefined

/** The folder holding bin/modelops-bundle; throws (never skips) when the Python tool cannot be had. */
export function pythonTool(): string {
  if (toolDir) return toolDir
  const given = process.env.MODELOPS_PY_TOOL
  if (given) {
    if (!existsSync(join(given, 'bin', 'modelops-bundle'))) throw new Error(`MODELOPS_PY_TOOL=${given} has no bin/modelops-bundle: run its setup.sh again`)
    return (toolDir = given)
  }
  const setup = SETUP_CANDIDATES.find((p): p is string => !!p && existsSync(p))
  if (!setup) {
    throw new Error(
      'the Python modelops-bundle is needed by the interop suite: set MODELOPS_PY_TOOL to a folder made by ' +
        'shared/reference/python-tool/setup.sh, or MODELOPS_PY_SETUP to that setup.sh (.ci/run does this)',
    )
  }
  const target = join(REPO, 'node_modules/.cache/modelops-py-tool')
  try {
    execFileSync('bash', [setup, target], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 })
  } catch (err) {
    throw new Error(`${setup} failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`)
  }
  return (toolDir = target)
}

/** Run the Python CLI (plain text: no colour, wide lines so rich does not wrap names). */
export function py(args: string[], opts: RunOptions): Promise<RunResult> {
  return spawnCollect(join(pythonTool(), 'bin', 'modelops-bundle'), args, {
    ...opts,
    env: { NO_COLOR: '1', TERM: 'dumb', COLUMNS: '200', ...opts.env },
  })
}

/** Run python with modelops_contracts importable (e.g. a BundleRegistry load + save). */
export function pyPython(code: string, opts: RunOptions): Promise<RunResult> {
  return spawnCollect(join(pythonTool(), 'bin', 'modelops-bundle-python'), ['-c', code], opts)
}

/** The run, after asserting it exited 0 (the whole run in the failure message). */
export async function ok(p: Promise<RunResult>): Promise<RunResult> {
  const r = await p
  expect(r.code, show(r)).toBe(0)
  return r
}

/** Rows of the Python status tables: name → Local/Status column. */
export function pyStates(stdout: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of stdout.split('\n')) {
    const cells = line.split('│').map((c) => c.trim())
    if (cells.length > 3 && /(Ready|Stale|Error|Unknown)/.test(cells[2] ?? '') && cells[1]) out[cells[1]] = cells[2]!
    else if (cells.length > 4 && /(Ready|Stale|Error|Unknown)/.test(cells[3] ?? '') && cells[1]) out[cells[1]] = cells[3]!
  }
  return out
}

/** First cells of the rows of every rich table in `stdout` (e.g. the paths of Python's untracked-files table). */
export function pyFirstColumn(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('│')).map((l) => l.split('│')[1]!.trim())
}
