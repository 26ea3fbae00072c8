// Run the BUILT CLI (bin → dist) as a real child process in real temp folders.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'

export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/mops-bundle.mjs')
/** The repository's root. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
/** Vendored reference vectors (test/reference-vectors). */
export const VECTORS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/reference-vectors')

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  cwd: string
  env?: Record<string, string | undefined>
  input?: string
}

/** A clean environment: no colour forcing, no CI hints inherited from the test runner. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of ['NO_COLOR', 'FORCE_COLOR', 'CI', 'TEST', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'NODE_OPTIONS']) delete env[key]
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

export function run(args: string[], opts: RunOptions): Promise<RunResult> {
  return spawnCollect(process.execPath, [BIN, ...args], opts)
}

export function spawnCollect(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : -1), stdout, stderr }))
    // A child that exits without reading its stdin closes the pipe: EPIPE there is not a failure, its exit code says.
    child.stdin.on('error', () => {})
    child.stdin.end(opts.input ?? '')
  })
}

/** A fresh temp folder, removed after the file's tests. Real path (macOS /var → /private/var). */
const made: string[] = []
export function tempDir(prefix = 'mops-cli-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)))
  made.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

/** A sample project created by the CLI itself. */
export async function sampleProject(): Promise<string> {
  const root = join(tempDir('mops-sample-'), 'proj')
  const r = await run(['sample-create', root], { cwd: dirname(root) })
  if (r.code !== 0) throw new Error(`sample-create failed (${r.code}): ${r.stderr}`)
  return root
}

/** Helpful failure text: the whole run. */
export function show(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`
}

export const ANSI = /\u001B\[[0-9;]*m/

/** Write each project-relative file of `files` under `root`, making folders as needed. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true })
    writeFileSync(join(root, rel), text)
  }
}
