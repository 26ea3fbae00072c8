import { readdir, readFile, writeFile } from 'node:fs/promises'
import { hashFile } from '@modelops-bundle/core'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import RollupPlugin from 'unplugin-modelops-bundle/rollup'
import EsbuildPlugin from 'unplugin-modelops-bundle/esbuild'
import WebpackPlugin from 'unplugin-modelops-bundle/webpack'
import RspackPlugin from 'unplugin-modelops-bundle/rspack'
import RolldownPlugin from 'unplugin-modelops-bundle/rolldown'
import VitePlugin from 'unplugin-modelops-bundle/vite'
import { readManifest } from './bundlers.js'
import { append, makeProject, removeProject, takeGenerated, waitFor } from './fixture.js'

// One project per watcher: each test edits data and watches its own output folder.
const roots: string[] = []
afterAll(async () => { await Promise.all(roots.map(removeProject)) })
async function project(): Promise<string> {
  const r = await makeProject('mops-watch-')
  roots.push(r)
  return r
}

/** Wait until the output's manifest exists and differs from `previous`. */
const nextManifest = (outDir: string, previous?: string) =>
  waitFor(async () => { const t = await readManifest(outDir).catch(() => undefined); return t !== undefined && t !== previous && t }, 'a new manifest')

async function expectDataEditPickedUp(root: string, outDir: string) {
  const first = await nextManifest(outDir)
  expect(await takeGenerated(root)).toEqual(['seir', 'sir'])
  await append(root, 'data/contacts.csv', '9,9,0.9\n')
  const second = await nextManifest(outDir, first)
  expect(await takeGenerated(root)).toEqual(['seir'])
  const [a, b] = [JSON.parse(first), JSON.parse(second)]
  expect(b.models.sir).toEqual(a.models.sir)
  expect(b.models.seir.digest).not.toBe(a.models.seir.digest)
  // Outputs are copied into the output folder after the bundler has written its own files (the manifest among
  // them): a reader that watches the manifest waits for them as it would for the bundler's end event.
  await waitFor(async () => (await readFile(path.join(outDir, 'modelops/seir/tables/input.csv'), 'utf8')).includes('9,9,0.9'), 'the edited output in the output folder')
  await expectEmittedMatchManifest(outDir, second)
}

describe('watch mode picks up a data edit', () => {
  // Rollup has no root of its own: its cache would be process.cwd()'s, shared by every test project.
  const CACHE = 'node_modules/.cache/modelops-bundle'

  it('rollup watch', async () => {
    const root = await project()
    const outDir = path.join(root, 'dist')
    const { watch } = await import('rollup')
    const watcher = watch({ input: path.join(root, 'src/main.js'), plugins: [RollupPlugin({ root, log: false, cacheDir: CACHE })], output: { dir: outDir, format: 'es' }, logLevel: 'silent' })
    const errors: unknown[] = []
    watcher.on('event', (e) => {
      if (e.code === 'ERROR') errors.push(e.error)
      if ('result' in e && e.result) void e.result.close()
    })
    try {
      await expectDataEditPickedUp(root, outDir)
      expect(errors).toEqual([])
    } finally {
      await watcher.close()
    }
  })

  it('esbuild context().watch()', async () => {
    const root = await project()
    const outDir = path.join(root, 'dist')
    const esbuild = await import('esbuild')
    const ctx = await esbuild.context({ entryPoints: [path.join(root, 'src/main.js')], bundle: true, format: 'esm', outdir: outDir, absWorkingDir: root, logLevel: 'silent', plugins: [EsbuildPlugin({ log: false })] })
    try {
      await ctx.watch()
      await expectDataEditPickedUp(root, outDir)
    } finally {
      await ctx.dispose()
    }
  })

  it('webpack watch', async () => {
    const root = await project()
    const outDir = path.join(root, 'dist')
    const webpack = (await import('webpack')).default
    const compiler = webpack({ context: root, mode: 'development', devtool: false, entry: './src/main-webpack.js', output: { path: outDir }, infrastructureLogging: { level: 'none' }, plugins: [WebpackPlugin({ log: false })] })
    const errors: string[] = []
    const watching = compiler.watch({ aggregateTimeout: 50 }, (err, stats) => {
      if (err) errors.push(String(err))
      if (stats?.hasErrors()) errors.push(stats.toString('errors-only'))
    })
    try {
      await expectDataEditPickedUp(root, outDir)
      // The bundle's inlined manifest followed too.
      const manifest = JSON.parse(await readManifest(outDir))
      await waitFor(async () => (await readFile(path.join(outDir, 'main.js'), 'utf8')).includes(manifest.bundle_digest), 'bundle with the new manifest')
      expect(errors).toEqual([])
    } finally {
      await new Promise((r) => watching!.close(r))
    }
  })

  it('rolldown watch', async () => {
    const root = await project()
    const outDir = path.join(root, 'dist')
    const { watch } = await import('rolldown')
    const watcher = watch({ input: path.join(root, 'src/main.js'), cwd: root, plugins: [RolldownPlugin({ root, log: false })], output: { dir: outDir, format: 'es' }, logLevel: 'silent' })
    const errors: unknown[] = []
    watcher.on('event', (e) => {
      if (e.code === 'ERROR') errors.push(e.error)
      if (e.code === 'BUNDLE_END') void e.result.close()
    })
    try {
      await expectDataEditPickedUp(root, outDir)
      expect(errors).toEqual([])
    } finally {
      await watcher.close()
    }
  })

  it('vite build --watch', async () => {
    const root = await project()
    const outDir = path.join(root, 'dist')
    const { build } = await import('vite')
    const watcher = (await build({ root, configFile: false, logLevel: 'silent', plugins: [VitePlugin({ log: false })], build: { outDir, watch: {}, rollupOptions: { input: path.join(root, 'src/main.js') } } })) as { close(): Promise<void> }
    try {
      await expectDataEditPickedUp(root, outDir)
    } finally {
      await watcher.close()
    }
  })

  it('rspack watch', async () => {
    const root = await project()
    const outDir = path.join(root, 'dist')
    const { rspack } = await import('@rspack/core')
    const compiler = rspack({ context: root, mode: 'development', devtool: false, entry: './src/main-webpack.js', output: { path: outDir }, infrastructureLogging: { level: 'none' }, plugins: [RspackPlugin({ log: false })] })
    const errors: string[] = []
    const watching = compiler.watch({ aggregateTimeout: 50 }, (err, stats) => {
      if (err) errors.push(String(err))
      if (stats?.hasErrors()) errors.push(stats.toString('errors-only'))
    })
    try {
      await expectDataEditPickedUp(root, outDir)
      expect(errors).toEqual([])
    } finally {
      await new Promise<void>((r) => watching.close(() => r()))
    }
  })
})

/** The files/ folder of the cache entry of model `id` (default cacheDir), found by its index. */
async function entryFiles(root: string, id: string): Promise<string> {
  const entries = path.join(root, 'node_modules/.cache/modelops-bundle/outputs-v1/entries')
  for (const shard of await readdir(entries)) {
    for (const key of await readdir(path.join(entries, shard))) {
      const index = JSON.parse(await readFile(path.join(entries, shard, key, 'index.json'), 'utf8'))
      if (index.model_id === id) return path.join(entries, shard, key, 'files')
    }
  }
  throw new Error(`no cache entry for ${id}`)
}

/**
 * Every artifact the manifest lists is emitted with exactly the bytes its digest names. Outputs are copied after
 * the bundler writes the manifest, so each is awaited (until the deadline) before it is judged.
 */
async function expectEmittedMatchManifest(outDir: string, manifestText: string) {
  const manifest = JSON.parse(manifestText) as { models: Record<string, { artifacts: Array<{ path: string; digest: string; bytes: number }> }> }
  for (const [id, m] of Object.entries(manifest.models)) {
    expect(m.artifacts.length, `${id} has artifacts`).toBeGreaterThan(0)
    for (const a of m.artifacts) {
      const file = path.join(outDir, a.path)
      await waitFor(async () => (await hashFile(file)) === a.digest, `${a.path} with the manifest's digest`).catch(() => undefined)
      expect(await hashFile(file), `${a.path} emitted with the manifest's digest`).toBe(a.digest)
    }
  }
}

describe('watch mode never re-emits bytes changed in the cache', () => {
  it('vite build --watch: a byte flipped in a cached output, then a data edit: the rebuild emits the manifest\'s bytes', async () => {
    const root = await project()
    const outDir = path.join(root, 'dist')
    const { build } = await import('vite')
    const warnings: string[] = []
    const logger = { info() {}, warn: (m: string) => warnings.push(m), warnOnce: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m), clearScreen() {}, hasErrorLogged: () => false, hasWarned: false }
    const watcher = (await build({ root, configFile: false, customLogger: logger as never, plugins: [VitePlugin({ log: false })], build: { outDir, watch: {}, rollupOptions: { input: path.join(root, 'src/main.js') } } })) as { close(): Promise<void> }
    try {
      const first = await nextManifest(outDir)
      expect(await takeGenerated(root)).toEqual(['seir', 'sir'])
      await expectEmittedMatchManifest(outDir, first)
      // Written in place: same inode and size, new mtime (what an editor or a stray script does).
      const file = path.join(await entryFiles(root, 'sir'), 'summary.json')
      const bytes = await readFile(file)
      bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01
      await writeFile(file, bytes)
      await append(root, 'data/contacts.csv', '9,9,0.9\n')
      const second = await nextManifest(outDir, first)
      // sir's entry is found damaged (not reused from memory), dropped and regenerated; seir's data changed.
      expect(await takeGenerated(root)).toEqual(['seir', 'sir'])
      expect(JSON.parse(second).models.sir).toEqual(JSON.parse(first).models.sir)
      await expectEmittedMatchManifest(outDir, second)
      expect(warnings.join('\n')).toMatch(/outputs of model sir changed on disk since the last build/)
    } finally {
      await watcher.close()
    }
  })
})
