// Many files on worker threads: same digests as in-thread, input order, errors as in-thread, and idle
// workers never keep the process alive.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { closeParsePools, ParsePool, sharedParsePool } from '../src/python/pool.js'
import { semanticDigest, semanticDigestMany } from '../src/python/semantic.js'

const dir = mkdtempSync(join(tmpdir(), 'pypool-'))
const files = Array.from({ length: 24 }, (_, i) => {
  const p = join(dir, `m${i}.py`)
  writeFileSync(p, i === 5 ? 'def broken(:\n' : `def f${i}(x):\n    # comment\n    return x + ${i}\n`)
  return p
})

afterAll(() => closeParsePools())

describe('semanticDigestMany', () => {
  it('gives the in-thread digests, in input order, fallbacks included', async () => {
    const pooled = await semanticDigestMany(files, { workers: 2 })
    expect(pooled.map((r) => r.path)).toEqual(files)
    for (const [i, r] of pooled.entries()) {
      const { readFileSync } = await import('node:fs')
      expect(r.digest).toBe((await semanticDigest(readFileSync(files[i]!), files[i]!)).digest)
    }
    expect(pooled[5]).toMatchObject({ kind: 'bytes', warning: { code: 'SEMANTIC_FALLBACK', line: 1 } })
    expect(new Set(pooled.map((r) => r.digest)).size).toBe(files.length)
    expect(sharedParsePool(2).completed).toBeGreaterThanOrEqual(files.length)
  })

  it('a missing file rejects with ENOENT, as reading it in-thread would', async () => {
    await expect(semanticDigestMany([...files, join(dir, 'missing.py')], { workers: 2 })).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('idle workers do not keep the process alive', () => {
    const script = `import { semanticDigestMany } from ${JSON.stringify(new URL('../src/python/semantic.ts', import.meta.url).href)}
const r = await semanticDigestMany(${JSON.stringify(files)}, { workers: 2 })
console.log('done', r.length)`
    const t0 = Date.now()
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })
    expect(r.stdout).toContain(`done ${files.length}`)
    expect(r.status).toBe(0)
    console.log(`child exited ${Date.now() - t0} ms after start`)
  })

  it('runs under node flags a worker refuses (V8 flags such as --stack-size), on worker threads', () => {
    // Node throws ERR_WORKER_INVALID_EXEC_ARGV for these when passed on to a worker; the pool must start it without them.
    const script = `import { semanticDigestMany } from ${JSON.stringify(new URL('../src/python/semantic.ts', import.meta.url).href)}
import { sharedParsePool } from ${JSON.stringify(new URL('../src/python/pool.ts', import.meta.url).href)}
const r = await semanticDigestMany(${JSON.stringify(files)}, { workers: 2 })
console.log('done', r.length, 'by workers', sharedParsePool(2).completed)`
    const r = spawnSync(process.execPath, ['--stack-size=2000', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })
    expect(r.stderr).not.toContain('ERR_WORKER_INVALID_EXEC_ARGV')
    expect(r.stdout).toContain(`done ${files.length} by workers ${files.length}`)
    expect(r.status).toBe(0)
  })

  it('keeps every worker busy: both workers used, a second job queued behind each', async () => {
    const pool = new ParsePool(2)
    try {
      const many = Array.from({ length: 100 }, (_, i) => files[i % files.length]!)
      const out = await Promise.all(many.map((f) => pool.digest(f)))
      expect(out.map((r) => r.digest)).toEqual((await semanticDigestMany(many, { workers: 0 })).map((r) => r.digest))
      expect(pool.completed).toBe(many.length)
      expect(pool.peakInFlight).toBe(2)
    } finally {
      await pool.close()
    }
  })
})
