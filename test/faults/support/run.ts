// Child processes: the CLI, the fixture bundler script, and a raw runner with a kill switch.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

/** The built packages under test; FAULTS_REPO points at a copy (e.g. a snapshot while others rebuild dist/). */
export const REPO = process.env.FAULTS_REPO ? process.env.FAULTS_REPO.replace(/\/?$/, '/') : fileURLToPath(new URL('../../../', import.meta.url))
export const CLI_BIN = `${REPO}packages/cli/bin/mops-bundle.mjs`
export const CORE_DIST = `${REPO}packages/core/dist/index.js`
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))
export const GEN = `${FIXTURES}gen.mjs`

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
  timedOut: boolean
}

export interface RunOptions {
  cwd?: string
  env?: Record<string, string>
  /** SIGKILL after this long and report timedOut (the case fails: a hang). Default 120 s. */
  timeoutMs?: number
  /** Called once the child is spawned, e.g. to kill it at a chosen moment. */
  onSpawn?: (child: ChildProcess) => void
  /** Extra spawn options (uid/gid). */
  uid?: number
  gid?: number
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const start = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: opts.uid,
      gid: opts.gid,
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (d: string) => { if (stdout.length < 4e6) stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4e6) stderr += d })
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, opts.timeoutMs ?? 120_000)
    child.on('error', (err) => { clearTimeout(timer); reject(err) })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, ms: performance.now() - start, timedOut })
    })
    opts.onSpawn?.(child)
  })
}

/** `mops-bundle ...` as a child process of the built CLI. */
export function cli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [CLI_BIN, ...args], opts)
}

export interface BuildSpec {
  bundler: 'esbuild' | 'vite' | 'vite-ssr' | 'vite-watch'
  root: string
  outDir: string
  options: Record<string, unknown>
  /** vite-watch: what to do between the first build and the rebuild (fixtures/build.mjs). */
  watch?: { damage: { model: string; file: string }; edit: { file: string; text: string } }
}

/** One bundler build with the built plugin, in a child process. */
export function bundle(spec: BuildSpec, opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [`${FIXTURES}build.mjs`, JSON.stringify(spec)], { cwd: spec.root, ...opts })
}

const STACK_LINE = /^\s+at .+/m

/** The first stack-trace line in `text`, if any. */
export function stackLine(text: string): string | undefined {
  return STACK_LINE.exec(text)?.[0]
}

/** A user mistake: exit 1, no hang, no stack trace, the message names `file` (and `line` when given). */
export function expectUserError(r: RunResult, file: string, opts: { line?: number | number[]; column?: boolean; exitCodes?: number[] } = {}): void {
  expect(r.timedOut, 'process hung (killed by the test timeout)').toBe(false)
  expect(opts.exitCodes ?? [1], `exit code; stderr:\n${r.stderr}`).toContain(r.code)
  expect(stackLine(r.stderr), `stack trace in stderr:\n${r.stderr}`).toBeUndefined()
  expect(r.stderr, 'message names the file').toContain(file)
  if (opts.line !== undefined) {
    const re = new RegExp(`${escapeRe(file)}:(\\d+)(:(\\d+))?`)
    const m = re.exec(r.stderr)
    expect(m, `stderr has ${file}:LINE:COL\n${r.stderr}`).not.toBeNull()
    expect([opts.line].flat(), `line in: ${m![0]}`).toContain(Number(m![1]))
    if (opts.column !== false) expect(m![3], `column in: ${m![0]}`).toBeDefined()
  }
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** First non-empty lines of a message, for the reliability report. */
export function firstLines(text: string, n = 2): string {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '').slice(0, n).join(' / ').slice(0, 300)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
