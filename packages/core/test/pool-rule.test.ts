// One rule starts every worker pool (workers/pool.ts' poolPaysOff, by bytes): the hash pool, the parse pool for
// digests (engine, `hash`) and for discovery's scans. Each side: the pool really runs, or really does not, and the
// results are those of this thread, in order.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { digestPaths } from '../src/digest/engine.js'
import { discoverFile } from '../src/python/discover.js'
import { closeParsePools, PARSE_POOL_MIN_BYTES, sharedParsePool } from '../src/python/pool.js'
import { ModuleScans } from '../src/python/scans.js'
import { semanticDigest } from '../src/python/semantic.js'
import { poolPaysOff } from '../src/workers/pool.js'
import { makeProject, tempDir, write } from './digest-helpers.js'

const { dir, cleanup } = tempDir('mops-pool-rule-')
afterAll(async () => {
  await closeParsePools()
  cleanup()
})

// ~64 KiB of Python: a dozen are past the parse pool's break-even, a dozen one-liners are far below it.
const big = (i: number) => Array.from({ length: 1500 }, (_, k) => `def f_${i}_${k}(x):\n    return x + ${k}  # c\n`).join('\n')

describe('poolPaysOff', () => {
  it('needs two files and the break-even in bytes, or a running pool', () => {
    expect(poolPaysOff([1000], 10, false)).toBe(false)
    expect(poolPaysOff([1000], 10, true)).toBe(false)
    expect(poolPaysOff([4, 5], 10, false)).toBe(false)
    expect(poolPaysOff([5, 5], 10, false)).toBe(true)
    expect(poolPaysOff([5n, 5n], 10, false)).toBe(true)
    expect(poolPaysOff([1, 1], 10, true)).toBe(true)
  })
})

describe('the engine starts the parse pool by bytes, not by file count', () => {
  const project = makeProject(join(dir, 'engine'))
  const root = project.root
  for (let i = 0; i < 12; i++) {
    write(root, `small/m${i}.py`, `x_${i} = ${i}  # tiny\n`)
    write(root, `big/m${i}.py`, big(i))
  }
  const requests = (folder: string) => Array.from({ length: 12 }, (_, i) => ({ rel: `${folder}/m${i}.py`, mode: 'code' as const }))
  const inThread = async (folder: string) => Promise.all(requests(folder).map(async (r) => (await semanticDigest(readFileSync(join(root, r.rel)), r.rel)).digest))

  it('twelve one-line files (far below the break-even) stay in this thread', async () => {
    await closeParsePools()
    const { results } = await digestPaths(project, requests('small'), { cacheDir: false, concurrency: 2 })
    expect(sharedParsePool(2).running).toBe(false)
    expect([...results.values()].map((r) => r.digest)).toEqual(await inThread('small'))
  })

  it('twelve files past the break-even go to the pool, with the same digests', async () => {
    const total = requests('big').reduce((n, r) => n + readFileSync(join(root, r.rel)).length, 0)
    expect(total).toBeGreaterThan(PARSE_POOL_MIN_BYTES)
    const before = sharedParsePool(2).completed
    const { results } = await digestPaths(project, requests('big'), { cacheDir: false, concurrency: 2 })
    expect(sharedParsePool(2).completed - before).toBe(12)
    expect([...results.values()].map((r) => r.digest)).toEqual(await inThread('big'))
  })
})

describe('discovery parses on the pool when the files repay it', () => {
  const root = join(dir, 'disc')
  const header = 'from modelops_calabaria import BaseModel, model_output, calibration_target\n'
  const files: string[] = []
  for (let i = 0; i < 10; i++) {
    // Each file imports the previous one's model: scans of imported modules go through the same run.
    const base = i === 0 ? 'BaseModel' : `Model${i - 1}`
    const imp = i === 0 ? '' : `from pkg.m${i - 1} import Model${i - 1}\n`
    write(root, `pkg/m${i}.py`, `${header}${imp}\nclass Model${i}(${base}):\n    @model_output("out${i}")\n    def o(self):\n        return 1\n\n@calibration_target(model_output="out${i}", data={"obs": "data/${i}.csv"})\ndef t${i}(x):\n    return x\n\n${big(i)}\n`)
    files.push(join(root, `pkg/m${i}.py`))
  }
  write(root, 'pkg/__init__.py', '')

  it('same results as in this thread, in order, and the workers did the parsing', async () => {
    const want = []
    for (const f of files) want.push(await discoverFile(f, { root }))
    expect(want[3]!.models.map((m) => [m.name, m.outputs])).toEqual([['Model3', ['out0', 'out1', 'out2', 'out3']]])

    const before = sharedParsePool().completed
    const scans = ModuleScans.for(files)
    const got = []
    for (const f of files) got.push(await discoverFile(f, { root, scans }))
    expect(sharedParsePool().completed - before).toBeGreaterThanOrEqual(files.length)
    expect(got).toEqual(want)
  })

  it('a few small files are parsed in this thread', async () => {
    write(root, 'one.py', `${header}class One(BaseModel):\n    pass\n`)
    await closeParsePools() // a running pool would be used for any two files
    const scans = ModuleScans.for([join(root, 'one.py'), join(root, 'pkg/__init__.py')])
    expect((await discoverFile(join(root, 'one.py'), { root, scans })).models.map((m) => m.name)).toEqual(['One'])
    expect(sharedParsePool().running).toBe(false)
  })
})
