import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createSample } from '@modelops-bundle/core'
import { build, readManifest } from './bundlers.js'
import { FILES } from './fixture.js'

// The sample project of `mops-bundle sample-create`, with its own Python generator (config.yaml
// `generator:`), and two classes of one file registered: same file, same data, different outputs.
const REGISTRY = (code: string[]) => `version: '1.0'
models:
${['StochasticSIR', 'DeterministicSIR'].map((cls) => `  ${cls.toLowerCase()}:
    entrypoint: models.sir:${cls}
    path: models/sir.py
    class_name: ${cls}
    scenarios: []
    parameters: []
    outputs: [incidence, prevalence]
    data: [data/data.csv]
    data_digests: {}
    code: [${code.join(', ')}]
    code_digests: {}
    model_digest: null
`).join('')}targets: {}
target_sets: {}
`

let tmp: string
let root: string
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'mops-sample-'))
  root = (await createSample(path.join(tmp, 'epi'))).root
  await writeFile(path.join(root, '.modelops-bundle/registry.yaml'), REGISTRY(['models/common.py', 'standin/modelops_calabaria/__init__.py']))
  await mkdir(path.join(root, 'src'))
  await writeFile(path.join(root, 'src/main.js'), FILES['src/main.js']!.replace("'sir'", "'stochasticsir'").replace("'summary.json'", "'incidence.json'"))
})
afterAll(async () => { await rm(tmp, { recursive: true, force: true }) })

describe('the sample project with its Python generator', () => {
  it('builds; two classes of one file share a digest but never a cache entry', async () => {
    await build('vite', root, path.join(root, 'dist'))
    const m = JSON.parse(await readManifest(path.join(root, 'dist')))
    const { stochasticsir: st, deterministicsir: det } = m.models
    expect(st.digest).toBe(det.digest)
    expect(st.artifacts.length).toBeGreaterThan(0)
    expect(det.artifacts.length).toBeGreaterThan(0)
    const first = (x: { artifacts: Array<{ path: string }> }) => readFile(path.join(root, 'dist', x.artifacts[0]!.path), 'utf8')
    expect(await first(st)).toContain('models.sir:StochasticSIR')
    expect(await first(det)).toContain('models.sir:DeterministicSIR')
    expect(st.artifacts.map((a: { digest: string }) => a.digest)).not.toEqual(det.artifacts.map((a: { digest: string }) => a.digest))
  })

  it('a second build (another bundler) generates nothing', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      await build('esbuild', root, path.join(root, 'dist-esbuild'), { log: true })
      expect(log.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('modelops-bundle:'))).toEqual([expect.stringMatching(/^modelops-bundle: 2 models · 2 cached · 0 generated \(/)])
    } finally {
      log.mockRestore()
    }
    expect(await readManifest(path.join(root, 'dist-esbuild'))).toBe(await readManifest(path.join(root, 'dist')))
  })

  it('editing the runner (generator.inputs) regenerates every model; a comment-only edit does not', async () => {
    const report = async (dir: string) => JSON.parse(await readFile(path.join(root, dir, 'modelops-build.json'), 'utf8'))
    await build('rollup', root, path.join(root, 'dist-r1'), { report: {} })
    const before = await report('dist-r1')
    expect(before.models).toEqual({ deterministicsir: { source: 'cached' }, stochasticsir: { source: 'cached' } })
    expect(before.generator).toEqual({ command: ['python3', '-m', 'modelops_runner'], inputs_digest: expect.stringMatching(/^geninputs1:[0-9a-f]{64}$/) })

    await appendFile(path.join(root, 'modelops_runner/__main__.py'), '\n# a note for readers only\n')
    await build('rollup', root, path.join(root, 'dist-r2'), { report: {} })
    expect((await report('dist-r2')).models).toEqual(before.models)
    expect((await report('dist-r2')).generator).toEqual(before.generator)

    await appendFile(path.join(root, 'modelops_runner/__init__.py'), '\nRUNNER_REVISION = 2\n')
    await build('rollup', root, path.join(root, 'dist-r3'), { report: {} })
    const after = await report('dist-r3')
    expect(after.models).toEqual({ deterministicsir: { source: 'generated' }, stochasticsir: { source: 'generated' } })
    expect(after.summary).toMatchObject({ models: 2, cached: 0, generated: 2 })
    expect(after.generator.inputs_digest).not.toBe(before.generator.inputs_digest)
  })
})
