// What a generator writes must be publishable: names with a backslash, control characters or invalid UTF-8 are
// refused at commit (one message naming all of them, nothing committed, later runs unaffected); a generator that
// writes nothing fails a model that declares outputs and is a warning otherwise.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveOutputs } from '../src/generate/outputs.js'
import type { DigestReport } from '../src/digest/types.js'
import { Workspace } from '../src/workspace/workspace.js'

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'mops-gennames-'))
  await mkdir(path.join(tmp, '.modelops-bundle'))
})
afterAll(async () => { await rm(tmp, { recursive: true, force: true }) })

function report(outputs: Record<string, string[]>): DigestReport {
  const models: DigestReport['models'] = {}
  for (const [id, o] of Object.entries(outputs)) {
    models[id] = { digest: `composite1:${'7'.repeat(64)}`, entrypoint: `models.m:${id}`, path: 'models/m.py', class_name: id, outputs: o, components: [], missing: [] }
  }
  return { bundle_digest: 'bundle1:x', environment: { digest: 'env1:x', python_version: '3', platform: 'p', dependencies: {}, container_image: null, cuda_version: null, rng_algorithm: 'r', thread_count: 1 }, models, targets: {}, warnings: [] }
}

/** A node generator writing `names` (raw bytes, so invalid UTF-8 is possible) into $MODELOPS_OUT_DIR. */
async function generator(tag: string, names: Buffer[]) {
  const script = path.join(tmp, `gen-${tag}.mjs`)
  await writeFile(script, `import { writeFileSync } from 'node:fs'
const out = Buffer.from(process.env.MODELOPS_OUT_DIR + '/')
for (const hex of ${JSON.stringify(names.map((n) => n.toString('hex')))}) writeFileSync(Buffer.concat([out, Buffer.from(hex, 'hex')]), 'x')
`)
  return { command: [process.execPath, script] }
}

async function entries(cacheDir: string): Promise<string[]> {
  const dir = path.join(cacheDir, 'outputs-v1', 'entries')
  const shards = await readdir(dir).catch(() => [] as string[])
  return (await Promise.all(shards.map((s) => readdir(path.join(dir, s))))).flat()
}

describe('unsafe output names', () => {
  it('are refused at commit with one message naming each of them; nothing is committed; a fixed generator then works', async () => {
    const cacheDir = path.join(tmp, 'cache-unsafe')
    const ws = Workspace.open(tmp, { cacheDir })
    const bad = [Buffer.from('back\\slash.txt'), Buffer.from('new\nline.txt'), Buffer.from('tab\there.txt'), Buffer.from([0x62, 0xff, 0x2e, 0x74]), Buffer.from('trailing. ')]
    const err = await resolveOutputs(ws, { report: report({ m: ['o'] }), generator: await generator('bad', [Buffer.from('ok.txt'), ...bad]) }).then(() => undefined, (e: Error) => e)
    expect(err).toMatchObject({ code: 'GENERATOR_FAILED' })
    expect(err!.message).toMatch(/^the generator of model m wrote 5 file names that cannot be published: /)
    for (const shown of ['"back\\\\slash.txt" contains a backslash', '"new\\nline.txt" contains a control character', '"tab\\there.txt" contains a control character', 'is not valid UTF-8', '"trailing. " has a segment ending in a dot or a space']) {
      expect(err!.message).toContain(shown)
    }
    expect(err!.message).not.toContain('ok.txt')
    expect(await entries(cacheDir), 'nothing committed').toEqual([])
    // The next run with a fixed generator is unaffected.
    const good = await resolveOutputs(ws, { report: report({ m: ['o'] }), generator: await generator('good', [Buffer.from('ok.txt'), Buffer.from('ünï ?#%.txt')]) })
    expect(good.outputs.get('m')!.entry.files.map((f) => f.path)).toEqual(['ok.txt', 'ünï ?#%.txt'])
    expect(await entries(cacheDir)).toHaveLength(1)
  })
})

describe('a generator that writes nothing', () => {
  it('fails a model that declares outputs, naming it; nothing is cached', async () => {
    const cacheDir = path.join(tmp, 'cache-empty')
    const ws = Workspace.open(tmp, { cacheDir })
    const err = await resolveOutputs(ws, { report: report({ sir: ['incidence', 'prevalence'] }), generator: await generator('none', []) }).then(() => undefined, (e: Error) => e)
    expect(err).toMatchObject({ code: 'GENERATOR_FAILED', message: 'the generator wrote no files for model sir, which declares outputs (incidence, prevalence); nothing was cached' })
    expect(await entries(cacheDir)).toEqual([])
  })

  it('warns for a model without declared outputs and caches the empty result', async () => {
    const cacheDir = path.join(tmp, 'cache-empty2')
    const ws = Workspace.open(tmp, { cacheDir })
    const warnings: string[] = []
    const r = await resolveOutputs(ws, { report: report({ plain: [] }), generator: await generator('none2', []), onWarning: (m) => warnings.push(m) })
    expect(r.outputs.get('plain')!.entry.files).toEqual([])
    expect(warnings).toEqual(['modelops-bundle: the generator wrote no files for model plain; cached as an empty result (the model declares no outputs)'])
    // Cached: the next run neither generates nor warns again.
    const again: string[] = []
    const r2 = await resolveOutputs(ws, { report: report({ plain: [] }), generator: await generator('none2', []), onWarning: (m) => again.push(m) })
    expect([r2.generated, r2.cached, again]).toEqual([0, 1, []])
  })
})
