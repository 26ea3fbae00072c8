// The plugin at the bundler's log level, its unknown-option warnings and its hint when no project is found.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Options } from 'unplugin-modelops-bundle'
import { build } from './bundlers.js'
import { makeProject, removeProject } from './fixture.js'

const run = promisify(execFile)
const require = createRequire(import.meta.url)
const SUMMARY = /modelops-bundle.{0,3} 2 models · \d cached · \d generated/

let root: string
beforeAll(async () => {
  root = await makeProject('mops-logs-')
  await build('esbuild', root, path.join(root, 'dist/warm'))
})
afterAll(async () => { await removeProject(root) })

/** Everything the process printed through console during `fn`. */
async function printed(fn: () => Promise<unknown>): Promise<string> {
  const lines: string[] = []
  const spies = (['log', 'info', 'warn', 'error'] as const).map((k) => vi.spyOn(console, k).mockImplementation((...a: unknown[]) => { lines.push(a.map(String).join(' ')) }))
  try {
    await fn().catch((err: Error) => lines.push(`THREW ${err.message}`))
  } finally {
    for (const s of spies) s.mockRestore()
  }
  return lines.join('\n')
}

async function esbuildWith(logLevel: 'silent' | 'error' | 'warning' | 'info' | undefined, options: Options = {}) {
  const esbuild = await import('esbuild')
  const { default: EsbuildPlugin } = await import('unplugin-modelops-bundle/esbuild')
  return esbuild.build({ entryPoints: [path.join(root, 'src/main.js')], bundle: true, format: 'esm', outdir: path.join(root, 'dist/esb'), absWorkingDir: root, logLevel, plugins: [EsbuildPlugin(options)] })
}

describe('log levels', { timeout: 120_000 }, () => {
  it("esbuild: the summary by default, at 'warning' (the API's default) and 'info'; nothing at 'silent' or 'error'", async () => {
    for (const level of [undefined, 'warning', 'info'] as const) expect(await printed(() => esbuildWith(level)), level).toMatch(SUMMARY)
    for (const level of ['silent', 'error'] as const) expect(await printed(() => esbuildWith(level)), level).not.toMatch(/modelops-bundle/)
  })

  it('rollup -c prints the summary through Rollup; rollup -c --silent prints nothing of ours', async () => {
    const config = path.join(root, 'rollup.config.mjs')
    const plugin = pathToFileURL(require.resolve('unplugin-modelops-bundle/rollup')).href
    await writeFile(config, `import ModelopsBundle from ${JSON.stringify(plugin)}\nexport default { input: 'src/main.js', output: { dir: 'dist/rollup-cli', format: 'es' }, plugins: [ModelopsBundle({ root: '.' })] }\n`)
    const bin = require.resolve('rollup/dist/bin/rollup')
    const loud = await run(process.execPath, [bin, '-c'], { cwd: root, env: { ...process.env, NO_COLOR: '1' } })
    expect(loud.stdout + loud.stderr).toMatch(/\[plugin modelops-bundle\] 2 models · 2 cached · 0 generated/)
    const silent = await run(process.execPath, [bin, '-c', '--silent'], { cwd: root, env: { ...process.env, NO_COLOR: '1' } })
    expect(silent.stdout + silent.stderr).not.toMatch(/modelops-bundle/)
  })

  it('Vite: the summary goes through its logger, so logLevel applies', async () => {
    const vite = await import('vite')
    const { default: VitePlugin } = await import('unplugin-modelops-bundle/vite')
    const viteBuild = (logLevel: 'info' | 'silent') => vite.build({ root, configFile: false, logLevel, plugins: [VitePlugin()], build: { outDir: path.join(root, 'dist/vite-log'), rollupOptions: { input: path.join(root, 'src/main.js') } } })
    expect(await printed(() => viteBuild('info'))).toMatch(SUMMARY)
    expect(await printed(() => viteBuild('silent'))).not.toMatch(/modelops-bundle/)
  })
})

describe('hashing progress', { timeout: 120_000 }, () => {
  const PROGRESS = /modelops-bundle: hashing… [\d.]+ (B|KiB|MiB) \/ [\d.]+ (B|KiB|MiB) \(\d+%\), [\d.]+ (B|KiB|MiB|GiB)\/s, \d+\/\d+ files/
  /** A build whose stat cache is cold (a new cacheDir), with hashing shown from its first byte. */
  async function coldBuild(logLevel: 'silent' | 'info' | undefined, options: Options = {}) {
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'mops-progress-cache-'))
    process.env.MODELOPS_PROGRESS_AFTER_MS = '0'
    try {
      return await printed(() => esbuildWith(logLevel, { cacheDir, ...options }))
    } finally {
      delete process.env.MODELOPS_PROGRESS_AFTER_MS
      await rm(cacheDir, { recursive: true, force: true })
    }
  }

  it('a cold build logs a few progress lines before the summary; silent, log: false and a warm build log none', async () => {
    const loud = await coldBuild(undefined)
    const lines = loud.split('\n').filter((l) => PROGRESS.test(l))
    // One line once past the threshold, then one per quarter passed: never a redraw storm.
    expect(lines.length, loud).toBeGreaterThanOrEqual(1)
    expect(lines.length, loud).toBeLessThanOrEqual(4)
    expect(loud.indexOf(lines[0]!)).toBeLessThan(loud.search(SUMMARY))
    expect(await coldBuild('silent')).not.toMatch(/modelops-bundle/)
    expect(await coldBuild('info', { log: false })).not.toMatch(/hashing/)
    // Nothing to hash (the stat cache of beforeAll's build): no progress at all, even at threshold 0.
    process.env.MODELOPS_PROGRESS_AFTER_MS = '0'
    try {
      const warm = await printed(() => esbuildWith(undefined))
      expect(warm).toMatch(SUMMARY)
      expect(warm).not.toMatch(/hashing/)
    } finally {
      delete process.env.MODELOPS_PROGRESS_AFTER_MS
    }
  })
})

describe('generate.timeout', { timeout: 120_000 }, () => {
  it("takes config.yaml's forms ('10m', '50ms') as well as milliseconds; anything else is refused at once", async () => {
    const { default: EsbuildPlugin } = await import('unplugin-modelops-bundle/esbuild')
    expect(() => EsbuildPlugin({ generate: { command: 'true', timeout: 'ten minutes' } })).toThrow('`generate.timeout`: must be a duration such as 500ms, 30s, 10m or 1h (or a number of milliseconds), got "ten minutes"')
    // A generator that outlives '50ms' is stopped: the string was read as 50 ms, not ignored.
    const slow = { command: [process.execPath, '-e', 'setTimeout(() => {}, 20000)'], timeout: '50ms' }
    const out = await printed(() => esbuildWith('silent', { generate: slow }))
    expect(out).toMatch(/THREW[\s\S]*(timed out|timeout)/i)
  })
})

describe('hints', { timeout: 120_000 }, () => {
  it('an unknown option warns once at build time, naming the nearest known one', async () => {
    const out = await printed(() => esbuildWith(undefined, { cachedir: 'x', lgo: false } as Options))
    expect(out).toContain('modelops-bundle: unknown option `cachedir`; did you mean `cacheDir`?')
    expect(out).toContain('modelops-bundle: unknown option `lgo`; did you mean `log`?')
    expect(out.match(/unknown option `cachedir`/g)).toHaveLength(1)
  })

  it("no project found: the error names the plugin's `root` option, not only `mops-bundle init`", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'mops-noproject-'))
    try {
      await writeFile(path.join(empty, 'main.js'), "import m from 'virtual:modelops-bundle'\nconsole.log(m)\n")
      const esbuild = await import('esbuild')
      const { default: EsbuildPlugin } = await import('unplugin-modelops-bundle/esbuild')
      const err = await esbuild.build({ entryPoints: [path.join(empty, 'main.js')], bundle: true, write: false, absWorkingDir: empty, logLevel: 'silent', plugins: [EsbuildPlugin()] }).then(() => undefined, (e: Error) => e)
      expect(err?.message).toContain("set the plugin's `root` option to the folder holding .modelops-bundle/")
      expect(err?.message).toContain(`searched ${empty}`)
      const named = await esbuild.build({ entryPoints: [path.join(empty, 'main.js')], bundle: true, write: false, absWorkingDir: empty, logLevel: 'silent', plugins: [EsbuildPlugin({ root: empty })] }).then(() => undefined, (e: Error) => e)
      expect(named?.message).toContain("the plugin's `root` option")
      expect(named?.message).not.toMatch(/\n\s+at /)
    } finally {
      await rm(empty, { recursive: true, force: true })
    }
  })
})
