// `mops-bundle hash`'s engine: files named on a command line, Python on the parse pool when there is enough of it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hashFile } from '../src/digest/bytes.js'
import { digestLooseFiles } from '../src/digest/loose.js'
import { closeParsePools, PARSE_POOL_MIN_BYTES, sharedParsePool } from '../src/python/pool.js'
import { semanticDigest } from '../src/python/semantic.js'
import { tempDir, write } from './digest-helpers.js'

const { dir, cleanup } = tempDir('mops-loose-')
afterAll(async () => {
  await closeParsePools()
  cleanup()
})

const isPy = (f: string) => f.endsWith('.py')
// A module of ~64 KiB: twelve of them are past the pool threshold.
const module = (i: number) => Array.from({ length: 1500 }, (_, k) => `def f_${i}_${k}(x):\n    return x + ${k}  # c\n`).join('\n')

describe('digestLooseFiles', () => {
  it('many Python files run on the parse pool and give the in-thread digests, in input order', async () => {
    const files = Array.from({ length: 12 }, (_, i) => {
      write(dir, `pkg/m${i}.py`, module(i))
      return join(dir, `pkg/m${i}.py`)
    })
    const total = files.reduce((n, f) => n + readFileSync(f).length, 0)
    expect(total).toBeGreaterThan(PARSE_POOL_MIN_BYTES)
    const before = sharedParsePool().completed
    const got = await digestLooseFiles(files, isPy)
    expect(sharedParsePool().completed - before).toBe(files.length)
    const want = await Promise.all(files.map(async (f) => ({ path: f, ...(await semanticDigest(readFileSync(f), f)) })))
    expect(got).toEqual(want)
  })

  it('a few small files stay in this thread; data gets bytes; errors are per file', async () => {
    write(dir, 'one.py', 'x = 1\n')
    write(dir, 'data.csv', 'a,b\n')
    const before = sharedParsePool().completed
    const got = await digestLooseFiles([join(dir, 'one.py'), join(dir, 'missing.py'), join(dir, 'data.csv'), dir], isPy)
    expect(sharedParsePool().completed).toBe(before)
    expect(got[0]).toMatchObject({ kind: 'semantic', digest: expect.stringMatching(/^pysem1:/) })
    expect(got[1]).toMatchObject({ error: expect.objectContaining({ code: 'FILE_NOT_FOUND' }) })
    expect(got[2]).toEqual({ path: join(dir, 'data.csv'), kind: 'bytes', digest: await hashFile(join(dir, 'data.csv')) })
    expect(got[3]).toMatchObject({ error: expect.objectContaining({ code: 'PATH_INVALID' }) })
  })
})
