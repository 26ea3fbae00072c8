// Shared by the playground tests: temp samples, the demo script as a child process, the browser.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ensureSample } from '../scripts/sample.mjs'

export const playgroundDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const repoDir = path.dirname(playgroundDir)
const demoScript = path.join(playgroundDir, 'scripts/demo.mjs')
/** Screenshots and other artifacts of the browser tests (git-ignored). */
export const resultsDir = path.join(playgroundDir, 'test-results')

/** Timeout of a test that builds or drives a browser on a busy 2-core machine: generous, never a timing assertion. */
export const SLOW = 180_000

export const BUNDLERS = ['vite', 'rollup', 'esbuild'] as const
export type Bundler = (typeof BUNDLERS)[number]

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `playground-${prefix}-`))
}

/** A fresh registered sample project (made with the CLI, as `npm run demo` does) and a cache folder for it. */
export function makeSample(dir: string): { sample: string; cache: string; env: NodeJS.ProcessEnv } {
  const sample = path.join(dir, 'sample')
  const cache = path.join(dir, 'cache')
  ensureSample(sample, { quiet: true })
  return { sample, cache, env: { PLAYGROUND_SAMPLE: sample, PLAYGROUND_CACHE_DIR: cache } }
}

export interface RunResult { code: number | null; stdout: string; stderr: string }

/** `node playground/scripts/demo.mjs ...args` to completion. */
export function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [demoScript, ...args], { cwd: repoDir, env: { ...process.env, ...env, FORCE_COLOR: '0', NO_COLOR: '1' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** `demo.mjs --dev --port 0`: resolves with the dev server's URL once it prints it. */
export function startDevServer(env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [demoScript, '--dev', '--port', '0'], {
      cwd: repoDir,
      env: { ...process.env, ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const onData = (d: Buffer) => {
      out += d
      const m = /dev server\s+(http:\/\/\S+)/.exec(out)
      if (m) resolve({ url: m[1]!, child, output: () => out })
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`dev server exited (${code}) before it was ready:\n${out}`)))
  })
}

/** Stop a child we started (by its pid) and wait for it to go. */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await gone
  clearTimeout(timer)
}

/** Debian's chromium, headless; the flags keep it from reaching for the (closed) network or hanging. */
export function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!fs.existsSync(executablePath)) throw new Error(`${executablePath} is missing: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`)
  return chromium.launch({
    executablePath,
    headless: true,
    // --disable-dev-shm-usage: containers often have a tiny /dev/shm, where chromium would crash.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  })
}

/** The canonical manifest a build wrote into `outDir`. */
/**
 * Opens the dev server's page and resolves once Vite's HMR socket is connected too: an edit made before that is
 * never announced to this page (the server sends to the clients it has), which on a loaded machine can come after
 * the app itself has rendered.
 */
export async function gotoConnected(page: Page, url: string, timeout = 60_000): Promise<void> {
  const connected = page.waitForEvent('console', { predicate: (m) => m.text() === '[vite] connected.', timeout })
  await page.goto(url)
  await connected
}

export function readManifest(outDir: string): { text: string; json: any } {
  const text = fs.readFileSync(path.join(outDir, 'modelops-manifest.json'), 'utf8')
  return { text, json: JSON.parse(text) }
}
