import { execFile } from 'node:child_process'
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { computeDigests, updateRegistry, Workspace } from '@modelops-bundle/core'
import EsbuildPlugin from 'unplugin-modelops-bundle/esbuild'
import VitePlugin from 'unplugin-modelops-bundle/vite'
import { build, readManifest } from './bundlers.js'
import { append, FILES, makeProject, removeProject, takeGenerated } from './fixture.js'
import { resolveOptions } from '../src/core/options.js'

const run = promisify(execFile)
const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
let root: string
beforeAll(async () => {
  root = await makeProject('mops-options-')
  await build('esbuild', root, path.join(root, 'dist/warm')) // fill the cache once for the tests below
  await takeGenerated(root)
})
afterAll(async () => { await removeProject(root) })
const exists = (p: string) => stat(p).then(() => true, () => false)

/** Record the current digests in the registry, as `register-model` would. */
async function recordDigests(dir: string) {
  const ws = Workspace.open(dir, { cacheDir: false })
  const report = await computeDigests(ws)
  await updateRegistry(ws.project, (reg) => {
    for (const [id, m] of Object.entries(report.models)) {
      const entry = reg.models[id]!
      for (const c of m.components) {
        if (c.kind === 'MODEL_CODE') entry.model_digest = c.digest
        if (c.kind === 'DATA') entry.data_digests[c.path] = c.digest
        if (c.kind === 'CODE_DEP') entry.code_digests[c.path] = c.digest
      }
    }
  })
}

describe('verify', () => {
  it('passes with fresh digests and fails with the status explanation when data changed', async () => {
    const dir = await makeProject('mops-verify-')
    try {
      await recordDigests(dir)
      await build('vite', dir, path.join(dir, 'dist'), { verify: true, generate: false })
      await append(dir, 'data/pop.csv', '3,1\n')
      const err = (await build('vite', dir, path.join(dir, 'dist2'), { verify: true, generate: false }).catch((e: Error) => e)) as Error
      expect(err).toBeInstanceOf(Error)
      expect(err.message).toContain('.modelops-bundle/registry.yaml: the digests recorded in the registry are stale')
      expect(err.message).toMatch(/⚠ sir {2}stale\n {6}modified DATA {8}data\/pop\.csv {2}\(recorded [0-9a-f]{12}, now [0-9a-f]{12}\)/)
      expect(err.message).not.toMatch(/⚠ seir/)
      expect(err.message).toContain('mops-bundle register-model models/sir.py')
      expect(await exists(path.join(dir, 'dist2/modelops-manifest.json'))).toBe(false)
    } finally {
      await removeProject(dir)
    }
  })
})

describe('options', () => {
  it('manifest: false emits artifacts only; manifest.fileName moves it', async () => {
    await build('rollup', root, path.join(root, 'dist/nomanifest'), { manifest: false })
    expect(await exists(path.join(root, 'dist/nomanifest/modelops-manifest.json'))).toBe(false)
    expect(await exists(path.join(root, 'dist/nomanifest/modelops/sir/summary.json'))).toBe(true)
    await build('rollup', root, path.join(root, 'dist/named'), { manifest: { fileName: '.modelops/manifest.json' } })
    expect(JSON.parse(await readManifest(path.join(root, 'dist/named'), '.modelops/manifest.json')).schema).toBe('modelops-bundle/manifest@1')
    expect(await takeGenerated(root)).toEqual([])
  })

  it('report: this build\'s sources and counts in a separate asset; the manifest bytes do not change', async () => {
    const env = { python_version: '3.13' }
    await build('esbuild', root, path.join(root, 'dist/report1'), { environment: env, report: {} })
    await build('rollup', root, path.join(root, 'dist/report2'), { environment: env, report: { fileName: 'meta/build.json' } })
    const first = JSON.parse(await readFile(path.join(root, 'dist/report1/modelops-build.json'), 'utf8'))
    const second = JSON.parse(await readFile(path.join(root, 'dist/report2/meta/build.json'), 'utf8'))
    expect(first.models).toEqual({ seir: { source: 'generated' }, sir: { source: 'generated' } })
    expect(first.summary).toMatchObject({ models: 2, cached: 0, generated: 2, seconds: expect.any(Number) })
    expect(second.models).toEqual({ seir: { source: 'cached' }, sir: { source: 'cached' } })
    expect(second.summary).toMatchObject({ models: 2, cached: 2, generated: 0 })
    expect(first.generator).toEqual({ command: expect.anything(), inputs_digest: null })
    expect(await takeGenerated(root)).toEqual(['seir', 'sir'])
    // The manifest stays deterministic: same bytes whatever the report says.
    expect(await readManifest(path.join(root, 'dist/report2'))).toBe(await readManifest(path.join(root, 'dist/report1')))
    expect(second.bundle_digest).toBe(JSON.parse(await readManifest(path.join(root, 'dist/report1'))).bundle_digest)
    // Off by default.
    await build('esbuild', root, path.join(root, 'dist/noreport'), { environment: env })
    expect(await exists(path.join(root, 'dist/noreport/modelops-build.json'))).toBe(false)
  })

  it('rejects a report named like the manifest and generate.inputs outside the project', () => {
    expect(() => VitePlugin({ report: { fileName: 'modelops-manifest.json' } })).toThrow(/report.fileName/)
    expect(() => VitePlugin({ generate: { command: 'x', inputs: ['../runner'] } })).toThrow(/generate.inputs/)
    // Longer than Node's longest timer (it would fire at once and kill every generator): refused, naming the option.
    expect(() => VitePlugin({ generate: { command: 'x', timeout: 600 * 3_600_000 } })).toThrow(/`generate\.timeout`: 2160000000 ms \(25\.0 days\) is longer than the longest timer Node can set.*use at most 2147483647 ms/)
    expect(() => VitePlugin({ generate: { command: 'x', timeout: -1 } })).toThrow(/`generate\.timeout`: must be a positive number/)
    expect(() => VitePlugin({ generate: { command: 'x', timeout: 2 ** 31 - 1 } })).not.toThrow()
    // Sizes and durations: the forms and words of config.yaml and `cache prune --max-size` (core/src/util/units.ts).
    expect(() => VitePlugin({ generate: { command: 'x', timeout: 'soon' } })).toThrow('[modelops-bundle] `generate.timeout`: must be a duration such as 500ms, 30s, 10m or 1h (or a number of milliseconds), got "soon"')
    expect(() => VitePlugin({ maxCacheSize: '2Ki' })).toThrow('[modelops-bundle] `maxCacheSize`: must be a size such as 500MB or 2GiB (or a number of bytes), got "2Ki"')
    expect(() => VitePlugin({ maxCacheSize: -1 })).toThrow(/`maxCacheSize`: must be a size .* at least 0, got -1/)
    expect(resolveOptions({ maxCacheSize: '1.5GiB' }).maxCacheSize).toBe(1.5 * 1024 ** 3)
    expect(resolveOptions({ generate: { command: 'x', timeout: '10m' } }).generate).toMatchObject({ timeout: 600_000 })
    expect(() => VitePlugin({ generate: { command: 'x', inputs: ['/abs'] } })).toThrow(/generate.inputs/)
  })

  it('generate: false only hashes; a function generator is its own cache identity', async () => {
    await build('esbuild', root, path.join(root, 'dist/nogen'), { generate: false })
    const m = JSON.parse(await readManifest(path.join(root, 'dist/nogen')))
    expect(m.models.sir.artifacts).toEqual([])
    expect(await readdir(path.join(root, 'dist/nogen'))).toEqual(['main.js', 'modelops-manifest.json'])
    const calls: string[] = []
    const generate = async (model: { id: string }, { outDir }: { outDir: string }) => {
      calls.push(model.id)
      await writeFile(path.join(outDir, 'fn.txt'), `made by a function for ${model.id}`)
    }
    await build('esbuild', root, path.join(root, 'dist/fn'), { generate })
    await build('esbuild', root, path.join(root, 'dist/fn2'), { generate })
    expect(calls.sort()).toEqual(['seir', 'sir'])
    expect(await readFile(path.join(root, 'dist/fn2/modelops/seir/fn.txt'), 'utf8')).toBe('made by a function for seir')
    expect(await takeGenerated(root)).toEqual([])
  })

  it('environment overrides change every digest; registry points at another file', async () => {
    await build('esbuild', root, path.join(root, 'dist/py312'), { environment: { python_version: '3.12' } })
    const m = JSON.parse(await readManifest(path.join(root, 'dist/py312')))
    expect(m.environment.python_version).toBe('3.12')
    expect(await takeGenerated(root)).toEqual(['seir', 'sir'])
    const registry = (await readFile(path.join(root, '.modelops-bundle/registry.yaml'), 'utf8')).replace(/ {2}seir:[\s\S]*?(?= {2}sir:)/, '')
    await writeFile(path.join(root, 'only-sir.yaml'), registry)
    await build('esbuild', root, path.join(root, 'dist/only-sir'), { registry: 'only-sir.yaml' })
    expect(Object.keys(JSON.parse(await readManifest(path.join(root, 'dist/only-sir'))).models)).toEqual(['sir'])
  })

  it('maxCacheSize evicts least-recently-used entries but never this build\'s', async () => {
    const dir = await makeProject('mops-lru-')
    try {
      const cacheEntries = async () => (await readdir(path.join(dir, 'node_modules/.cache/modelops-bundle/outputs-v1/entries'), { recursive: true })).filter((f) => f.endsWith('index.json')).length
      await build('esbuild', dir, path.join(dir, 'dist'), { maxCacheSize: 1 })
      expect(await cacheEntries()).toBe(2) // both in use by this build
      await append(dir, 'data/contacts.csv', '5,5,5\n')
      await build('esbuild', dir, path.join(dir, 'dist'), { maxCacheSize: 1 })
      expect(await cacheEntries()).toBe(2) // the old seir entry went, the new one and sir stay
      await writeFile(path.join(dir, 'data/contacts.csv'), FILES['data/contacts.csv']!)
      await takeGenerated(dir)
      await build('esbuild', dir, path.join(dir, 'dist'), { maxCacheSize: 1 })
      expect(await takeGenerated(dir)).toEqual(['seir'])
    } finally {
      await removeProject(dir)
    }
  })

  it('logs one summary line', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      await build('esbuild', root, path.join(root, 'dist/log'), { log: true })
      const lines = log.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('modelops-bundle:'))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^modelops-bundle: 2 models · 2 cached · 0 generated \(\d+\.\d s\)$/)
    } finally {
      log.mockRestore()
    }
  })
})

describe('where a build keeps its cache', () => {
  it('by default in the bundler root\'s node_modules/.cache: a Vite app beside the Python project writes nothing into the project', async () => {
    const project = await makeProject('mops-pyproj-')
    const app = await makeProject('mops-app-') // only its folder is used: Vite's root
    try {
      const { build: viteBuild } = await import('vite')
      const once = () => viteBuild({
        root: app, configFile: false, logLevel: 'silent',
        plugins: [VitePlugin({ root: project, log: false })],
        build: { outDir: path.join(app, 'dist'), emptyOutDir: true, rollupOptions: { input: path.join(project, 'src/main.js') } },
      })
      await once()
      expect(await takeGenerated(project)).toEqual(['seir', 'sir'])
      const entries = path.join(app, 'node_modules/.cache/modelops-bundle/outputs-v1/entries')
      expect((await readdir(entries, { recursive: true })).filter((f) => f.endsWith('index.json'))).toHaveLength(2)
      expect(await exists(path.join(project, 'node_modules'))).toBe(false)
      expect(await exists(path.join(project, '.modelops-bundle/cache'))).toBe(false)
      await once()
      expect(await takeGenerated(project)).toEqual([])
      expect(JSON.parse(await readManifest(path.join(app, 'dist'))).models.sir.artifacts.map((a: { path: string }) => a.path)).toContain('modelops/sir/summary.json')
    } finally {
      await removeProject(project)
      await removeProject(app)
    }
  })
})

describe('esbuild output modes', () => {
  it('outfile: manifest beside it; write: false: into outputFiles, nothing on disk', async () => {
    const esbuild = await import('esbuild')
    const entry = path.join(root, 'src/main.js')
    await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', outfile: path.join(root, 'dist/outfile/app.js'), absWorkingDir: root, logLevel: 'silent', plugins: [EsbuildPlugin({ log: false })] })
    expect(await exists(path.join(root, 'dist/outfile/modelops-manifest.json'))).toBe(true)
    expect(await exists(path.join(root, 'dist/outfile/modelops/seir/tables/input.csv'))).toBe(true)

    const res = await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', outdir: path.join(root, 'dist/nowrite'), write: false, absWorkingDir: root, logLevel: 'silent', plugins: [EsbuildPlugin({ log: false })] })
    const names = res.outputFiles.map((f) => path.relative(path.join(root, 'dist/nowrite'), f.path).split(path.sep).join('/')).sort()
    expect(names).toEqual(['main.js', 'modelops-manifest.json', 'modelops/seir/summary.json', 'modelops/seir/tables/input.csv', 'modelops/sir/summary.json', 'modelops/sir/tables/input.csv'])
    const manifest = res.outputFiles.find((f) => f.path.endsWith('modelops-manifest.json'))!
    expect(manifest.text).toBe(await readManifest(path.join(root, 'dist/outfile')))
    expect(await exists(path.join(root, 'dist/nowrite'))).toBe(false)
  })
})

describe('vite environments', () => {
  async function buildApp(outDirs: { client: string; ssr: string }, ssrEmitsAssets = true, order: string[] = ['client', 'ssr']) {
    const { createBuilder } = await import('vite')
    const seen: Record<string, string[]> = {}
    const builder = await createBuilder({
      root, configFile: false, logLevel: 'silent',
      plugins: [
        VitePlugin({ log: false }),
        { name: 'observe', enforce: 'post', generateBundle(_o, bundle) { seen[this.environment.name] = Object.keys(bundle).filter((f) => f.startsWith('modelops')) } },
      ],
      builder: {
        sharedConfigBuild: true, sharedPlugins: true,
        async buildApp(b) { for (const name of order) await b.build(b.environments[name]!) },
      },
      environments: {
        client: { build: { outDir: outDirs.client, emptyOutDir: false, rollupOptions: { input: path.join(root, 'src/main.js') } } },
        // Vite drops assets of server builds unless emitAssets is on; with it, the server environment gets its own copy.
        ssr: { build: { outDir: outDirs.ssr, emptyOutDir: false, emitAssets: ssrEmitsAssets, ssr: path.join(root, 'src/main.js') } },
      },
    })
    await builder.buildApp()
    return seen
  }

  it('emits once per environment, never twice into one outDir', async () => {
    const shared = await buildApp({ client: path.join(root, 'dist/app'), ssr: path.join(root, 'dist/app') })
    expect(shared.client).toContain('modelops-manifest.json')
    expect(shared.ssr ?? []).toEqual([])
    const split = await buildApp({ client: path.join(root, 'dist/app-client'), ssr: path.join(root, 'dist/app-server') })
    expect(split.client).toContain('modelops-manifest.json')
    expect(split.ssr).toContain('modelops-manifest.json')
    expect(await readManifest(path.join(root, 'dist/app-server'))).toBe(await readManifest(path.join(root, 'dist/app-client')))
    // Server first, without emitAssets (Vite's default): it must not claim the shared folder.
    await rm(path.join(root, 'dist/app-first'), { recursive: true, force: true })
    const serverFirst = await buildApp({ client: path.join(root, 'dist/app-first'), ssr: path.join(root, 'dist/app-first') }, false, ['ssr', 'client'])
    expect(serverFirst.client).toContain('modelops-manifest.json')
    expect(await exists(path.join(root, 'dist/app-first/modelops-manifest.json'))).toBe(true)
  })
})

describe('cache integrity', () => {
  it('a corrupted cache entry is dropped with a warning and regenerated, never served', async () => {
    const entries = path.join(root, 'node_modules/.cache/modelops-bundle/outputs-v1/entries')
    const files = (await readdir(entries, { recursive: true })).filter((f) => f.endsWith(path.join('files', 'summary.json')))
    // Tamper with every stored output of sir (earlier tests left entries for several environments).
    let tampered = 0
    for (const f of files) {
      const text = await readFile(path.join(entries, f), 'utf8')
      if (!text.includes('"entrypoint":"models.sir:SIR"')) continue
      await writeFile(path.join(entries, f), '{"tampered":true}')
      tampered++
    }
    expect(tampered).toBeGreaterThan(0)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      await build('esbuild', root, path.join(root, 'dist/repaired'))
      expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/cache entry of model sir is corrupt \(summary\.json has \d+ bytes, index says \d+\); dropped, regenerating/)
    } finally {
      warn.mockRestore()
    }
    expect(await takeGenerated(root)).toEqual(['sir'])
    const served = JSON.parse(await readFile(path.join(root, 'dist/repaired/modelops/sir/summary.json'), 'utf8'))
    expect(served.id).toBe('sir')
  })
})

describe('concurrent builds', () => {
  it('two processes building one project with a shared cache both succeed and generate each model once', async () => {
    const dir = await makeProject('mops-concurrent-')
    try {
      const script = path.join(dir, 'build.mjs')
      const url = (spec: string) => JSON.stringify(pathToFileURL(require.resolve(spec)).href)
      await writeFile(script, `
        import { build } from ${url('esbuild')}
        import plugin from ${url('unplugin-modelops-bundle/esbuild')}
        await build({ entryPoints: ['src/main.js'], bundle: true, format: 'esm', outdir: process.argv[2], absWorkingDir: process.cwd(), plugins: [plugin()] })
      `)
      const child = (out: string) => run(process.execPath, [script, out], { cwd: dir })
      await writeFile(path.join(dir, 'slow'), '') // generations long enough for the two builds to overlap
      const [a, b] = await Promise.all([child('dist/a'), child('dist/b')])
      expect(a.stdout + b.stdout).toMatch(/2 models/)
      expect(await takeGenerated(dir)).toEqual(['seir', 'sir'])
      expect(await readManifest(path.join(dir, 'dist/a'))).toBe(await readManifest(path.join(dir, 'dist/b')))
    } finally {
      await removeProject(dir)
    }
  })
})

describe('mops-bundle cache', () => {
  it('info, prune and clear the plugin cache', async () => {
    const cliPkg = JSON.parse(await readFile(path.join(here, '../../cli/package.json'), 'utf8'))
    const bin = path.join(here, '../../cli', cliPkg.bin['mops-bundle'])
    const cli = async (...args: string[]) => JSON.parse((await run(process.execPath, [bin, 'cache', ...args, '--json'], { cwd: root })).stdout)
    const info = await cli('info')
    expect(info.dir).toBe(path.join(root, 'node_modules/.cache/modelops-bundle/outputs-v1'))
    expect(info.entries).toBeGreaterThanOrEqual(2)
    expect(info.list.map((e: { model_id: string }) => e.model_id)).toContain('sir')
    const pruned = await cli('prune', '--max-size', '0')
    expect(pruned.removed).toBe(info.entries)
    expect((await cli('info')).entries).toBe(0)
    await build('esbuild', root, path.join(root, 'dist/after-prune'))
    expect(await takeGenerated(root)).toEqual(['seir', 'sir'])
    expect((await cli('clear')).removed).toBe(2)
  })
})
