// generator.inputs: the generator's own code is part of every cache key (semantic digest for .py).
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeDigests } from '../src/digest/compute.js'
import { foldGeneratorInputs, generatorInputsDigest } from '../src/generate/inputs.js'
import { resolveOutputs } from '../src/generate/outputs.js'
import { generatorIdentity } from '../src/generate/run.js'
import type { ModelEntry, Registry } from '../src/registry/types.js'
import { Workspace } from '../src/workspace/workspace.js'

let tmp: string
beforeAll(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'mops-geninputs-')) })
afterAll(async () => { await rm(tmp, { recursive: true, force: true }) })

const RUNNER = `"""Writes one output per model."""
import os, sys
from runner.helpers import body

def main():
    with open(os.path.join(os.environ["MODELOPS_OUT_DIR"], "out.txt"), "w") as f:
        f.write(body(os.environ["MODELOPS_MODEL_ID"]))
    with open(os.path.join(os.environ["MODELOPS_PROJECT_ROOT"], "runs.log"), "a") as f:
        f.write(os.environ["MODELOPS_MODEL_ID"] + "\\n")

main()
`
const HELPERS = `def body(model_id):
    return "v1 " + model_id
`

function model(id: string): ModelEntry {
  return { entrypoint: `models.${id}:M`, path: `models/${id}.py`, class_name: 'M', scenarios: [], parameters: [], outputs: ['out'], data: [], data_digests: {}, code: [], code_digests: {}, model_digest: null }
}

/** A project whose generator (`python3 -m runner`) declares `inputs: [runner]`, with three models. */
async function makeProject(name: string): Promise<string> {
  const root = path.join(tmp, name)
  await mkdir(path.join(root, '.modelops-bundle'), { recursive: true })
  await mkdir(path.join(root, 'models'), { recursive: true })
  await mkdir(path.join(root, 'runner'), { recursive: true })
  await writeFile(path.join(root, '.modelops-bundle/config.yaml'), 'generator:\n  command: [python3, -m, runner]\n  inputs: [runner]\n')
  await writeFile(path.join(root, '.modelops-bundle/registry.yaml'), 'version: "1.0"\nmodels: {}\ntargets: {}\n')
  for (const id of ['a', 'b', 'c']) await writeFile(path.join(root, `models/${id}.py`), `class M:\n    name = ${JSON.stringify(id)}\n`)
  await writeFile(path.join(root, 'runner/__init__.py'), '')
  await writeFile(path.join(root, 'runner/__main__.py'), RUNNER)
  await writeFile(path.join(root, 'runner/helpers.py'), HELPERS)
  return root
}

const registry: Registry = { version: '1.0', models: { a: model('a'), b: model('b'), c: model('c') }, targets: {}, target_sets: {} }

/** One plugin-style build: digests (generator inputs in the same pass), then outputs. */
async function build(root: string) {
  const ws = Workspace.open(root, { cacheDir: 'node_modules/.cache/modelops-bundle' })
  const generator = ws.config.generator!
  const report = await computeDigests(ws, registry, { generatorInputs: generator.inputs })
  const result = await resolveOutputs(ws, { report, generator, concurrency: 2 })
  return { report, result, sources: Object.fromEntries([...result.outputs].map(([id, o]) => [id, o.source])) }
}

describe('generator inputs in the cache key', () => {
  it('config.yaml generator.inputs: editing runner code regenerates every model; a comment-only edit does not', async () => {
    const root = await makeProject('runner')
    const first = await build(root)
    expect(first.sources).toEqual({ a: 'generated', b: 'generated', c: 'generated' })
    expect(Object.keys(first.report.generator_inputs!)).toEqual(['runner'])
    expect(first.report.generator_inputs!.runner).toMatch(/^tree1:/)
    expect(first.result.inputsDigest).toMatch(/^geninputs1:[0-9a-f]{64}$/)

    expect((await build(root)).sources).toEqual({ a: 'cached', b: 'cached', c: 'cached' })

    // Comments and blank lines do not change a .py file's semantic digest: still served from the cache.
    await appendFile(path.join(root, 'runner/helpers.py'), '\n# tuned the formatting\n\n')
    const comment = await build(root)
    expect(comment.sources).toEqual({ a: 'cached', b: 'cached', c: 'cached' })
    expect(comment.result.inputsDigest).toBe(first.result.inputsDigest)

    // A real change in a runner module (not the __main__ file): every model regenerates with the new code.
    await writeFile(path.join(root, 'runner/helpers.py'), HELPERS.replace('"v1 "', '"v2 "'))
    const edited = await build(root)
    expect(edited.sources).toEqual({ a: 'generated', b: 'generated', c: 'generated' })
    expect(edited.result.inputsDigest).not.toBe(first.result.inputsDigest)
    expect(await readFile(edited.result.outputs.get('b')!.entry.filePath('out.txt'), 'utf8')).toBe('v2 b')
    expect((await readFile(path.join(root, 'runs.log'), 'utf8')).split('\n').filter(Boolean).sort()).toEqual(['a', 'a', 'b', 'b', 'c', 'c'])

    // A new file in the runner folder changes its tree digest too.
    await writeFile(path.join(root, 'runner/extra.py'), 'X = 1\n')
    expect((await build(root)).sources).toEqual({ a: 'generated', b: 'generated', c: 'generated' })
  })

  it('without inputs the identity is the command alone (existing caches keep matching)', async () => {
    expect(generatorIdentity({ command: ['run'] })).toEqual({ command: ['run'], env: {} })
    expect(generatorIdentity({ command: ['run'], inputs: [] }, undefined)).toEqual({ command: ['run'], env: {} })
    expect(generatorIdentity({ command: ['run'], inputs: ['r'] }, 'geninputs1:ab')).toEqual({ command: ['run'], env: {}, inputs: 'geninputs1:ab' })
  })

  it('digests the inputs itself when the report lacks them (same digest as the shared pass)', async () => {
    const root = await makeProject('fallback')
    const ws = Workspace.open(root, { cacheDir: false })
    const generator = ws.config.generator!
    const report = await computeDigests(ws, registry, { generatorInputs: generator.inputs })
    const shared = await generatorInputsDigest(ws, generator, report)
    const own = await generatorInputsDigest(ws, generator)
    expect(own).toBe(shared)
    expect(await generatorInputsDigest(ws, { command: 'x' })).toBeUndefined()
  })

  it('a missing input is a user error naming config.yaml, not a silently smaller key', async () => {
    const root = await makeProject('missing')
    await expect(generatorInputsDigest(Workspace.open(root, { cacheDir: false }), { command: 'x', inputs: ['runer'] }))
      .rejects.toMatchObject({ code: 'FILE_NOT_FOUND', file: '.modelops-bundle/config.yaml', message: expect.stringContaining('"runer"') })
    await expect(foldGeneratorInputs({ r: 'absent' }, ['r'])).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
  })
})
