import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build, BUNDLERS, readManifest } from './bundlers.js'
import { append, makeProject, removeProject, takeGenerated } from './fixture.js'

let root: string
beforeAll(async () => { root = await makeProject() })
afterAll(async () => { await removeProject(root) })
const out = (name: string) => path.join(root, 'dist', name)

async function jsOf(dir: string): Promise<string> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.js'))
  return (await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')))).join('\n')
}

describe('builds with every bundler', () => {
  const manifests: Record<string, string> = {}

  it.each(BUNDLERS)('%s emits the manifest and artifacts', async (bundler) => {
    await build(bundler, root, out(bundler))
    manifests[bundler] = await readManifest(out(bundler))
    const m = JSON.parse(manifests[bundler]!)
    expect(m.schema).toBe('modelops-bundle/manifest@1')
    expect(Object.keys(m.models)).toEqual(['seir', 'sir'])
    const art = m.models.sir.artifacts
    expect(art.map((a: { path: string }) => a.path)).toEqual(['modelops/sir/summary.json', 'modelops/sir/tables/input.csv'])
    expect(await readFile(path.join(out(bundler), 'modelops/sir/tables/input.csv'), 'utf8')).toBe('age,n\n0,100\n1,200\n')
    const summary = JSON.parse(await readFile(path.join(out(bundler), 'modelops/sir/summary.json'), 'utf8'))
    expect(summary).toEqual({ id: 'sir', entrypoint: 'models.sir:SIR', digest: m.models.sir.digest })
    // Only the first build generates; every later bundler restores from the shared cache.
    expect(await takeGenerated(root)).toEqual(bundler === BUNDLERS[0] ? ['seir', 'sir'] : [])
  })

  it('all bundlers wrote byte-identical manifests', () => {
    expect(Object.keys(manifests)).toEqual(BUNDLERS)
    const first = manifests[BUNDLERS[0]!]!
    for (const b of BUNDLERS) expect(manifests[b], b).toBe(first)
    expect(first.endsWith('}\n')).toBe(true)
    expect(first).not.toContain(root)
  })

  it('the virtual module carries the manifest and artifact URLs', async () => {
    const bundle = await readFile(path.join(out('esbuild'), 'main.js'), 'utf8')
    expect(bundle).toContain('modelops-bundle/manifest@1')
    const mod = await import(path.join(out('esbuild'), 'main.js'))
    expect(mod.ids).toEqual(['seir', 'sir'])
    expect(mod.url).toBe('/modelops/sir/summary.json')
    // No `sources`: where outputs came from is in the build report, never in the bundle.
    expect(mod.exported).toEqual(['artifactUrl', 'base', 'bundleDigest', 'default', 'models', 'targets'])
    expect(mod.default).toBe(JSON.parse(await readManifest(out('esbuild'))).bundle_digest)
    // Every bundle inlines the same digest, and no resolved-id `\0` leaks into any output.
    const digest = mod.default as string
    for (const b of BUNDLERS) {
      const js = await jsOf(out(b))
      expect(js, b).not.toContain('\0')
      if (b !== 'rspack') expect(js, b).toContain(digest)
    }
  })
})

describe('incremental builds (vite)', () => {
  it('a comment edit in a model file generates nothing; a data edit regenerates only its model', async () => {
    const before = JSON.parse(await readManifest(out('vite')))
    await append(root, 'models/sir.py', '# a comment only\n')
    await build('vite', root, out('vite'))
    expect(await takeGenerated(root)).toEqual([])
    expect(JSON.parse(await readManifest(out('vite'))).models.sir.digest).toBe(before.models.sir.digest)

    await append(root, 'data/contacts.csv', '1,2,0.25\n')
    await build('vite', root, out('vite'))
    expect(await takeGenerated(root)).toEqual(['seir'])
    const after = JSON.parse(await readManifest(out('vite')))
    expect(after.models.seir.digest).not.toBe(before.models.seir.digest)
    expect(after.models.sir).toEqual(before.models.sir)
    expect(await readFile(path.join(out('vite'), 'modelops/seir/tables/input.csv'), 'utf8')).toContain('1,2,0.25')
  })

  it('a failing generator fails the build with its stderr and loses nothing', async () => {
    const manifestBefore = await readManifest(out('vite'))
    await append(root, 'data/pop.csv', '2,300\n')
    await writeFile(path.join(root, 'fail-sir'), '')
    for (const bundler of ['vite', 'esbuild', 'webpack'] as const) {
      const err = await build(bundler, root, out('vite')).catch((e: Error) => e)
      expect(err, bundler).toBeInstanceOf(Error)
      const text = String((err as Error).message)
      expect(text, bundler).toContain('model sir exploded on purpose')
      expect(text, bundler).toContain('generator for model sir exited with code 7')
    }
    await rm(path.join(root, 'fail-sir'))
    // The earlier output is still there and unchanged, and the cache has no entry for the failed digest.
    expect(await readManifest(out('vite'))).toBe(manifestBefore)
    expect(await takeGenerated(root)).toEqual(['sir', 'sir', 'sir'])
    await build('vite', root, out('vite'))
    expect(await takeGenerated(root)).toEqual(['sir'])
  })
})

describe('emission without reading outputs into memory', () => {
  it('written builds copy outputs after the bundler wrote (not in the bundle); builds that do not write get them in memory', async () => {
    const entry = path.join(root, 'src/main.js')
    const pop = await readFile(path.join(root, 'data/pop.csv'), 'utf8')
    const names = (output: Array<{ fileName: string; type: string }>) => output.filter((o) => o.type === 'asset').map((o) => o.fileName).sort()
    const { rollup } = await import('rollup')
    const RollupPlugin = (await import('unplugin-modelops-bundle/rollup')).default
    const b = await rollup({ input: entry, plugins: [RollupPlugin({ root, log: false })], logLevel: 'silent' })
    // generate(): nothing is written, so the outputs come as in-memory assets with the manifest.
    const generated = await b.generate({ format: 'es' })
    expect(names(generated.output)).toEqual(['modelops-manifest.json', 'modelops/seir/summary.json', 'modelops/seir/tables/input.csv', 'modelops/sir/summary.json', 'modelops/sir/tables/input.csv'])
    const csv = generated.output.find((o) => o.fileName === 'modelops/sir/tables/input.csv') as { source: Uint8Array }
    expect(Buffer.from(csv.source).toString()).toBe(pop)
    // write(): the manifest goes through the bundle, the outputs are copied into the folder after the write.
    const dir = out('rollup-write')
    const written = await b.write({ dir, format: 'es' })
    await b.close()
    expect(names(written.output)).toEqual(['modelops-manifest.json'])
    expect(await readFile(path.join(dir, 'modelops/sir/tables/input.csv'), 'utf8')).toBe(pop)
    expect((await readdir(path.join(dir, 'modelops/sir'))).sort(), 'no temp files left').toEqual(['summary.json', 'tables'])

    const { build: viteBuild } = await import('vite')
    const VitePlugin = (await import('unplugin-modelops-bundle/vite')).default
    const res = (await viteBuild({ root, configFile: false, logLevel: 'silent', plugins: [VitePlugin({ log: false })], build: { write: false, rollupOptions: { input: entry } } })) as { output: Array<{ fileName: string; type: string }> }
    expect(names(res.output)).toContain('modelops/seir/tables/input.csv')
  })
})
