import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
  expect(await readFile(path.join(outDir, 'modelops/seir/tables/input.csv'), 'utf8')).toContain('9,9,0.9')
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
