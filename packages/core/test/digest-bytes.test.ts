// File-byte digests: our WASM BLAKE2b (hot path) against @noble/hashes (independent reference), hash-wasm's own loader and b2sum.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { blake2b } from '@noble/hashes/blake2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashBytes, hashFile, hashFileHex, READ_CHUNK } from '../src/digest/bytes.js'
import { blake2bBackend } from '../src/digest/blake2b.js'
import { HashPool } from '../src/digest/pool.js'
import { tempDir } from './digest-helpers.js'

const noble = (b: Uint8Array) => bytesToHex(blake2b(b, { dkLen: 32 }))

let dir: string
let cleanup: () => void
beforeAll(() => ({ dir, cleanup } = tempDir()))
afterAll(() => cleanup())

describe('the WASM BLAKE2b', () => {
  it('is our SIMD module, over our synchronous loader of hash-wasm\'s module (a hash-wasm release that changes its build shows up here)', async () => {
    expect(blake2bBackend()).toBe('simd')
    const { blake2bModule } = await import('../src/digest/blake2b.js')
    expect(blake2bModule()).not.toBeNull()
  })

  it('SIMD and scalar agree with @noble/hashes on block edges, run edges (64 KiB) and uneven pieces', async () => {
    const { acquireHasher, releaseHasher, scalarHasher } = await import('../src/digest/blake2b.js')
    const sizes = [0, 1, 127, 128, 129, 255, 256, 257, 65535, 65536, 65537, 65536 + 128, 3 * 65536 - 1, 3 * 65536, 3 * 65536 + 1, 1_000_003]
    for (const n of sizes) {
      const b = randomBytes(n)
      for (const h of [await acquireHasher(), await scalarHasher()]) {
        h.init()
        for (let at = 0; at < n; ) {
          const step = 1 + Math.floor(Math.random() * 150_000)
          h.update(b.subarray(at, at + step))
          at += step
        }
        expect(h.digest('hex'), `size ${n}, ${h.constructor.name}`).toBe(noble(b))
      }
    }
    const h = await acquireHasher()
    expect(h.constructor.name).toBe('SimdHasher')
    releaseHasher(h)
  })

  it('agrees with hash-wasm\'s own loader, on one update and on many uneven ones', async () => {
    const { createBLAKE2b } = await import('hash-wasm')
    const theirs = await createBLAKE2b(256)
    const { acquireHasher, releaseHasher } = await import('../src/digest/blake2b.js')
    for (const n of [0, 1, 128, 16383, 16384, 16385, 100_000, 1_000_003]) {
      const b = randomBytes(n)
      theirs.init()
      theirs.update(b)
      expect(await hashBytes(b), `size ${n}`).toBe(`blake2b256:${theirs.digest('hex')}`)
      const h = await acquireHasher()
      for (let at = 0; at < n; ) {
        const step = 1 + Math.floor(Math.random() * 40_000)
        h.update(b.subarray(at, at + step))
        at += step
      }
      expect(h.digest('hex'), `size ${n}, in pieces`).toBe(noble(b))
      releaseHasher(h)
    }
  })
})

describe('hashBytes vs @noble/hashes', () => {
  it('agrees on block edges and random sizes', async () => {
    const sizes = [0, 1, 2, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 65535, 65536, 65537]
    for (let i = 0; i < 20; i++) sizes.push(Math.floor(Math.random() * 300_000))
    for (const n of sizes) {
      const b = randomBytes(n)
      expect(await hashBytes(b), `size ${n}`).toBe(`blake2b256:${noble(b)}`)
    }
  })

  it('agrees on arbitrary inputs (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (b) => {
        expect(await hashBytes(b)).toBe(`blake2b256:${noble(b)}`)
      }),
      { numRuns: 300 },
    )
  })

  it('hashes strings as UTF-8', async () => {
    expect(await hashBytes('héllo 世界 😀')).toBe(`blake2b256:${noble(new TextEncoder().encode('héllo 世界 😀'))}`)
  })

  it('matches the BLAKE2b-256 known answer for "abc"', async () => {
    expect(await hashBytes('abc')).toBe('blake2b256:bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319')
  })
})

describe('hashFile streams across read-chunk boundaries', () => {
  it('small chunks: every boundary position agrees with one-shot noble', async () => {
    for (const n of [0, 1, 63, 64, 65, 127, 128, 129, 191, 192, 193, 1000]) {
      const b = randomBytes(n)
      const f = join(dir, `small-${n}`)
      writeFileSync(f, b)
      for (const chunk of [1, 7, 64, 128, 129]) expect(await hashFileHex(f, chunk), `size ${n} chunk ${chunk}`).toBe(noble(b))
    }
  })

  it('default chunk: sizes around READ_CHUNK multiples, and b2sum agrees', async () => {
    for (const n of [READ_CHUNK - 1, READ_CHUNK, READ_CHUNK + 1, 2 * READ_CHUNK + 129]) {
      const b = randomBytes(n)
      const f = join(dir, `big-${n}`)
      writeFileSync(f, b)
      const ours = await hashFile(f)
      expect(ours).toBe(`blake2b256:${noble(b)}`)
      expect(execFileSync('b2sum', ['-l', '256', f], { encoding: 'utf8' }).split(' ')[0]).toBe(ours.slice('blake2b256:'.length))
    }
  })

  it('several files hashed concurrently do not interfere', async () => {
    const files = Array.from({ length: 12 }, (_, i) => {
      const b = randomBytes(1000 + i * 50_000)
      const f = join(dir, `conc-${i}`)
      writeFileSync(f, b)
      return { f, expected: noble(b) }
    })
    const got = await Promise.all(files.map((x) => hashFileHex(x.f, 4096)))
    expect(got).toEqual(files.map((x) => x.expected))
  })

  it('a missing file rejects with ENOENT', async () => {
    await expect(hashFile(join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('HashPool (worker_threads)', () => {
  it('hashes files on workers with the same result, and reports per-file errors', async () => {
    const pool = new HashPool(2)
    try {
      const files = Array.from({ length: 6 }, (_, i) => {
        const b = randomBytes(200_000 + i)
        const f = join(dir, `pool-${i}`)
        writeFileSync(f, b)
        return { f, expected: noble(b) }
      })
      expect(await Promise.all(files.map((x) => pool.hashFile(x.f)))).toEqual(files.map((x) => x.expected))
      await expect(pool.hashFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' })
      // Still usable after an error.
      expect(await pool.hashFile(files[0]!.f)).toBe(files[0]!.expected)
    } finally {
      await pool.close()
    }
  })

  it('a worker that cannot start fails its jobs with poolFailure (callers then hash in-thread)', async () => {
    const pool = new HashPool(1, new URL('file:///nonexistent/hash-worker.js'))
    try {
      writeFileSync(join(dir, 'pf'), 'x')
      await expect(pool.hashFile(join(dir, 'pf'))).rejects.toMatchObject({ poolFailure: true })
    } finally {
      await pool.close()
    }
  })

  it('idle workers do not keep a process alive', () => {
    // A child process that uses the pool and never closes it must still exit on its own.
    const script = `
      import { HashPool } from ${JSON.stringify(new URL('../src/digest/pool.ts', import.meta.url).href)}
      import { writeFileSync } from 'node:fs'
      const f = ${JSON.stringify(join(dir, 'alive'))}
      writeFileSync(f, 'abc')
      const pool = new HashPool(2)
      console.log(await pool.hashFile(f))
    `
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })
    expect(out.trim()).toBe('bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319')
  })
})
