// composite1 / bundle1: the reference layout with our prefixed strings, and domain separation.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { bundleDigest, compositeDigest, compositeDigestHex, compositePreimage } from '../src/digest/composite.js'
import { computeDigests } from '../src/digest/compute.js'
import { closeHashPool } from '../src/digest/pool.js'
import { makeProject, model, registry, tempDir, write } from './digest-helpers.js'
import type { Component } from '../src/digest/types.js'
import { Workspace } from '../src/workspace/workspace.js'

const ENV = 'env1:db1c9e2e476568cbe441c329689723ede1f74b7f9f299162f9a22e723a9c5669'
const D = (c: string) => `blake2b256:${c.repeat(64)}`

afterAll(() => closeHashPool())

describe('composite1', () => {
  it('is the reference layout over the full env1: string and prefixed component digests', async () => {
    const cs: Component[] = [
      { kind: 'MODEL_CODE', path: 'models/sir.py', digest: D('a') },
      { kind: 'DATA', path: 'data', digest: `tree1:${'b'.repeat(64)}` },
      { kind: 'DATA', path: 'data/gone.csv', digest: 'absent' },
    ]
    const d = await compositeDigest(cs, ENV)
    expect(d).toBe(`composite1:${await compositeDigestHex(cs, ENV)}`)
    const pre = Buffer.from(compositePreimage(cs, ENV)).toString('latin1')
    expect(pre).toBe(`\0ENV\0${ENV}\0` + `\0DATA\0data\0tree1:${'b'.repeat(64)}\0` + `\0DATA\0data/gone.csv\0absent\0` + `\0MODEL_CODE\0models/sir.py\0${D('a')}\0`)
  })

  it('sorts components by code point (astral paths after U+E000..U+FFFF)', () => {
    const cs = [
      { kind: 'DATA', path: '😀.csv', digest: 'x' },
      { kind: 'DATA', path: '\u{FF5E}.csv', digest: 'y' },
    ]
    const pre = new TextDecoder().decode(compositePreimage(cs, 'e'))
    expect(pre.indexOf('\u{FF5E}')).toBeLessThan(pre.indexOf('😀'))
  })

  it('moving a byte between fields changes the digest', async () => {
    const a = await compositeDigest([{ kind: 'DATA', path: 'ab', digest: 'cd' }], ENV)
    const b = await compositeDigest([{ kind: 'DATA', path: 'a', digest: 'bcd' }], ENV)
    const c = await compositeDigest([{ kind: 'DATA', path: 'abc', digest: 'd' }], ENV)
    expect(new Set([a, b, c]).size).toBe(3)
  })

  it('refuses a lone surrogate in any field, as Python\'s encode("utf-8") does, even at a field\'s edge', () => {
    // A high surrogate ending one field and a low one starting the next must not pair up across the NUL.
    expect(() => compositePreimage([{ kind: 'DATA', path: 'a\uD83D', digest: '\uDE00b' }], ENV)).toThrow(/not valid Unicode/)
    expect(() => compositePreimage([{ kind: 'DATA', path: 'ok', digest: 'x' }], 'env\uDC00')).toThrow(/not valid Unicode/)
    expect(() => compositePreimage([{ kind: 'DATA', path: '😀', digest: 'x' }], ENV)).not.toThrow()
  })

  it('refuses NUL in any field, unknown kinds and bundle kinds', async () => {
    await expect(compositeDigest([{ kind: 'DATA', path: 'a\0b', digest: 'x' }], ENV)).rejects.toThrow(/NUL/)
    await expect(compositeDigest([{ kind: 'DATA', path: 'a', digest: 'x' }], 'env\0')).rejects.toThrow(/NUL/)
    await expect(compositeDigest([{ kind: 'MODEL' as never, path: 'a', digest: 'x' }], ENV)).rejects.toThrow(/kind/)
  })
})

describe('bundle1', () => {
  const m = (digest: string) => ({ digest })
  it('is the same layout over ("MODEL", id, composite) and ("TARGET", id, composite)', async () => {
    const models = { sir: m(`composite1:${'1'.repeat(64)}`) }
    const targets = { prev: m(`composite1:${'2'.repeat(64)}`) }
    const hex = await compositeDigestHex(
      [
        { kind: 'MODEL', path: 'sir', digest: models.sir.digest },
        { kind: 'TARGET', path: 'prev', digest: targets.prev.digest },
      ],
      ENV,
    )
    expect(await bundleDigest({ models, targets }, ENV)).toBe(`bundle1:${hex}`)
  })

  it('separates models from targets, ids from digests, and is order-independent', async () => {
    const c = `composite1:${'3'.repeat(64)}`
    const asModel = await bundleDigest({ models: { x: m(c) }, targets: {} }, ENV)
    const asTarget = await bundleDigest({ models: {}, targets: { x: m(c) } }, ENV)
    const renamed = await bundleDigest({ models: { y: m(c) }, targets: {} }, ENV)
    expect(new Set([asModel, asTarget, renamed]).size).toBe(3)
    const ab = await bundleDigest({ models: { a: m(c), b: m(D('4')) }, targets: {} }, ENV)
    const ba = await bundleDigest({ models: { b: m(D('4')), a: m(c) }, targets: {} }, ENV)
    expect(ab).toBe(ba)
  })
})

describe('worker pool inside computeDigests', () => {
  it('hashes several large files on workers with the same digests as in-thread', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const project = makeProject(dir)
      for (const n of ['a', 'b', 'c']) write(dir, `data/${n}.bin`, randomBytes(300_000))
      write(dir, 'm.py', 'x = 1\n')
      const reg = registry({ m: model('m.py', { data: ['data/a.bin', 'data/b.bin', 'data/c.bin'] }) })
      await closeHashPool()
      const opts = { largeFileBytes: 100_000 }
      const ws = Workspace.of(project, { cacheDir: false })
      // Too few bytes in total to repay starting workers: in-thread.
      const small = await computeDigests(ws, reg, { ...opts, poolMinBytes: 1_000_000 })
      expect(small.stats).toMatchObject({ hashed: 4, pooled: 0 })
      const pooled = await computeDigests(ws, reg, { ...opts, poolMinBytes: 500_000 })
      expect(pooled.stats).toMatchObject({ hashed: 4, pooled: 3 })
      // The shared pool is running now: any two large files use it.
      const warm = await computeDigests(ws, reg, { ...opts, poolMinBytes: 1_000_000 })
      expect(warm.stats).toMatchObject({ hashed: 4, pooled: 3 })
      const inThread = await computeDigests(ws, reg, { ...opts, poolMinBytes: 0, concurrency: 1 })
      expect(inThread.stats).toMatchObject({ hashed: 4, pooled: 0 })
      expect(pooled.models).toEqual(inThread.models)
      expect(small.models).toEqual(inThread.models)
    } finally {
      cleanup()
    }
  })
})

const dist = fileURLToPath(new URL('../dist/internal.js', import.meta.url))
describe.skipIf(!existsSync(fileURLToPath(new URL('../dist/hash-worker.js', import.meta.url))))('built package', () => {
  it('loads dist/hash-worker.js and does not hang the process', () => {
    const { dir, cleanup } = tempDir()
    try {
      const script = `
        import { sharedHashPool } from ${JSON.stringify(dist)}
        import { writeFileSync } from 'node:fs'
        writeFileSync(${JSON.stringify(`${dir}/f`)}, 'abc')
        console.log(await sharedHashPool().hashFile(${JSON.stringify(`${dir}/f`)}))
      `
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })
      expect(out.trim()).toBe('bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319')
    } finally {
      cleanup()
    }
  })
})
