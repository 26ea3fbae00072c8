// The packages as npm would publish them: `npm pack` tarballs installed into a temp app outside the repo,
// with an environment that cannot see the repo (no npm_* variables from `npm test`, no repo bins on PATH).
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** The published packages: folder in the repo → npm name. */
export const PACKAGES = {
  core: '@modelops-bundle/core',
  cli: '@modelops-bundle/cli',
  unplugin: 'unplugin-modelops-bundle',
} as const
export type PackageDir = keyof typeof PACKAGES

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** An environment for commands in the temp app: nothing inherited from the repo's npm run or vitest. */
export function appEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|NODE_OPTIONS$|NO_COLOR$|FORCE_COLOR$|CI$|TEST$|INIT_CWD$)/i.test(k)) continue
    env[k] = v
  }
  // The repo's node_modules/.bin (added by npm/npx) would let `npx mops-bundle` find the workspace's copy.
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => p && !resolve(p).startsWith(REPO))
    .join(delimiter)
  // Use npm's cache first (`npm ci` filled it), the registry only for what it lacks.
  env.npm_config_prefer_offline = 'true'
  env.npm_config_audit = 'false'
  env.npm_config_fund = 'false'
  env.npm_config_update_notifier = 'false'
  return { ...env, ...extra }
}

export function exec(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? appEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
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

export function show(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`
}

export async function mustRun(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  const r = await exec(cmd, args, opts)
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) failed\n${show(r)}`)
  return r
}

export function tempDir(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)))
}

/** `npm pack` each package (already built) into `dest`; tarball path by package folder. */
export async function packAll(dest: string): Promise<Record<PackageDir, string>> {
  const out = {} as Record<PackageDir, string>
  for (const dir of Object.keys(PACKAGES) as PackageDir[]) {
    const r = await mustRun('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: join(REPO, 'packages', dir) })
    const [info] = JSON.parse(r.stdout) as Array<{ filename: string }>
    out[dir] = join(dest, info!.filename)
  }
  return out
}

/** The version of a dev dependency installed in the repo, so the temp app gets the copy npm has cached. */
export function repoVersion(name: string): string {
  return JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version
}

/** A new app folder (package.json only) with `tarballs` and `deps` (`name@version`) installed as devDependencies. */
export async function installApp(dir: string, tarballs: string[], deps: string[], flags: string[] = ['-D']): Promise<string> {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'new-user-app', private: true, type: 'module' }, null, 2)}\n`)
  await mustRun('npm', ['install', ...flags, ...tarballs, ...deps], { cwd: dir })
  return dir
}

/** Bytes on disk under `dir` (apparent sizes, as `du --apparent-size`). */
export function treeBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) total += treeBytes(p)
    else if (entry.isFile()) total += statSync(p).size
  }
  return total
}
