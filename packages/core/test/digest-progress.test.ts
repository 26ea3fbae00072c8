// Progress of hashing (issue 17 item 6): one optional callback, totals from the stats already taken, the last report
// equal to the totals, byte counts crossing from the hash workers, and digests the same with or without it.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hashFile } from '../src/digest/bytes.js'
import { digestFiles } from '../src/digest/compute.js'
import { digestPaths } from '../src/digest/engine.js'
import { digestLooseFiles, isPythonSource } from '../src/digest/loose.js'
import { HashPool } from '../src/digest/pool.js'
import { describeProgress, progressAfterMs, PROGRESS_AFTER_MS, ProgressMeter, type HashProgress } from '../src/digest/progress.js'
import { LocalStore } from '../src/cache/local-store.js'
import { PARSE_POOL_MIN_BYTES, sharedParsePool } from '../src/python/pool.js'
import { makeProject, tempDir, write } from './digest-helpers.js'

const MiB = 1 << 20
const made: Array<() => void> = []
afterEach(() => made.splice(0).forEach((f) => f()))

function project() {
  const { dir, cleanup } = tempDir('mops-progress-')
  made.push(cleanup)
  return { dir, project: makeProject(dir) }
}

describe('ProgressMeter', () => {
  it('caps a file at its stat size, credits the rest once on done, and ends with the totals', () => {
    const seen: HashProgress[] = []
    const meter = new ProgressMeter((p) => seen.push(p), 30, 2, 0)
    const a = meter.file(10)
    const b = meter.file(20)
    a.add(4)
    a.add(100) // grew since the stat: capped at 10
    a.done()
    a.done() // a redo after a failed worker counts nothing twice
    b.add(5)
    b.done() // shrank since the stat: credited in full
    meter.finish()
    meter.finish()
    expect(seen.map((p) => [p.bytesDone, p.filesDone, p.done])).toEqual([
      [4, 0, false],
      [10, 0, false],
      [10, 1, false],
      [15, 1, false],
      [30, 2, false],
      [30, 2, true],
    ])
    expect(seen.every((p) => p.bytesTotal === 30 && p.filesTotal === 2)).toBe(true)
  })

  it('reports the first credit at once, then at most once per interval, and always the last report', () => {
    const seen: HashProgress[] = []
    // An interval no run reaches: the first report and the final one come through.
    const meter = new ProgressMeter((p) => seen.push(p), 1000, 100, 1e9)
    for (let i = 0; i < 100; i++) {
      const f = meter.file(10)
      f.add(10)
      f.done()
    }
    meter.finish()
    expect(seen).toHaveLength(2)
    expect(seen[0]).toMatchObject({ bytesDone: 10, filesDone: 0, done: false })
    expect(seen[1]).toMatchObject({ bytesDone: 1000, bytesTotal: 1000, filesDone: 100, filesTotal: 100, done: true })
  })

  it('describes a report in one line; MODELOPS_PROGRESS_AFTER_MS overrides the threshold', () => {
    const p = { bytesDone: 512 * MiB, bytesTotal: 2048 * MiB, filesDone: 3, filesTotal: 10, elapsedMs: 2000, done: false }
    expect(describeProgress(p)).toBe('512.0 MiB / 2.0 GiB (25%), 256.0 MiB/s, 3/10 files')
    expect(describeProgress({ ...p, bytesTotal: 0, bytesDone: 0, elapsedMs: 0 }, 'entries')).toBe('0 B / 0 B (100%), 0 B/s, 3/10 entries')
    expect(progressAfterMs({})).toBe(PROGRESS_AFTER_MS)
    expect(progressAfterMs({ MODELOPS_PROGRESS_AFTER_MS: '0' })).toBe(0)
    expect(progressAfterMs({ MODELOPS_PROGRESS_AFTER_MS: '250' })).toBe(250)
    expect(progressAfterMs({ MODELOPS_PROGRESS_AFTER_MS: ' ' })).toBe(PROGRESS_AFTER_MS)
    expect(progressAfterMs({ MODELOPS_PROGRESS_AFTER_MS: '2s' })).toBe(2000)
    // A bad value is refused as every MODELOPS_* duration is (util/units.ts), naming the variable.
    expect(() => progressAfterMs({ MODELOPS_PROGRESS_AFTER_MS: 'soon' })).toThrow('MODELOPS_PROGRESS_AFTER_MS: must be a duration such as 500ms, 30s, 10m or 1h (or a number of milliseconds), got "soon"')
    expect(() => progressAfterMs({ MODELOPS_PROGRESS_AFTER_MS: '-1' })).toThrow(/^MODELOPS_PROGRESS_AFTER_MS: must be a duration/)
  })
})

describe('hash workers post byte counts', () => {
  it('every chunk a worker hashes reaches the caller, and the digest is the in-thread one', async () => {
    const { dir } = project()
    const size = 5 * MiB + 123
    write(dir, 'big.bin', randomBytes(size))
    const pool = new HashPool(1)
    pool.progressIntervalMs = 0 // every chunk is posted: the sum is exact, whatever the machine's speed
    try {
      const counts: number[] = []
      const hex = await pool.hashFile(join(dir, 'big.bin'), (n) => counts.push(n))
      expect(`blake2b256:${hex}`).toBe(await hashFile(join(dir, 'big.bin')))
      expect(counts.reduce((a, b) => a + b, 0)).toBe(size)
      expect(counts.length).toBe(6)
      expect(pool.completed).toBe(1)
    } finally {
      await pool.close()
    }
  })
})

describe('onProgress of the hashing paths', () => {
  it('digestPaths: pooled, in-thread and parse-pool files add up to the stat totals; digests unchanged; a warm pass reports nothing', async () => {
    const { dir, project: p } = project()
    const sizes: Record<string, number> = { 'data/a.bin': 3 * MiB, 'data/b.bin': 2 * MiB + 7, 'data/small.csv': 1000 }
    for (const [rel, n] of Object.entries(sizes)) write(dir, rel, randomBytes(n))
    // Eight Python files, 8 × 80 KiB: enough for the parser's worker pool (PARSE_POOL_MIN_BYTES).
    const source = (i: number) => `class M${i}:\n    pass\n` + Array.from({ length: 8192 }, (_, k) => `x${k} = ${k}\n`).join('').slice(0, 80 * 1024)
    for (let i = 0; i < 8; i++) write(dir, `models/m${i}.py`, source(i))
    const pyBytes = [0, 1, 2, 3, 4, 5, 6, 7].reduce((n, i) => n + Buffer.byteLength(source(i)), 0)
    expect(pyBytes).toBeGreaterThanOrEqual(PARSE_POOL_MIN_BYTES)
    const paths = { code: ['models'], data: ['data'] }
    const requests = [{ rel: 'models', mode: 'code' as const }, { rel: 'data', mode: 'data' as const }]
    // The two ≥1 MiB files go to the hash workers (thresholds lowered so a small fixture takes that path).
    const engine = { cacheDir: false as const, concurrency: 2, largeFileBytes: MiB, poolMinBytes: 1 }
    const plain = await digestFiles(p, paths, engine)
    const seen: HashProgress[] = []
    const parsedBefore = sharedParsePool(2).completed
    const { results, stats } = await digestPaths(p, requests, { ...engine, onProgress: (x) => seen.push({ ...x }) })
    expect(stats.pooled).toBe(2)
    expect(sharedParsePool(2).completed - parsedBefore, 'the .py files went to the parse workers').toBe(8)
    expect(Object.fromEntries([...results.values()].map((r) => [r.path, r.digest]))).toEqual(plain)
    const total = Object.values(sizes).reduce((a, b) => a + b, 0) + pyBytes
    const last = seen.at(-1)!
    expect(last).toMatchObject({ bytesDone: total, bytesTotal: total, filesDone: 11, filesTotal: 11, done: true })
    expect(seen.filter((x) => x.done)).toHaveLength(1)
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytesDone).toBeGreaterThanOrEqual(seen[i - 1]!.bytesDone)

    // Everything from the stat cache: no work, no report.
    const cacheDir = join(dir, 'cache')
    await digestFiles(p, paths, { ...engine, cacheDir })
    const warm: HashProgress[] = []
    expect(await digestFiles(p, paths, { ...engine, cacheDir, onProgress: (x) => warm.push(x) })).toEqual(plain)
    expect(warm).toEqual([])
  })

  it('digestLooseFiles (`hash`): the last report is the bytes of the files it could read', async () => {
    const { dir } = project()
    write(dir, 'a.bin', randomBytes(2 * MiB))
    write(dir, 'b.py', 'x = 1\n')
    const files = [join(dir, 'a.bin'), join(dir, 'b.py'), join(dir, 'missing.bin')]
    const plain = await digestLooseFiles(files, isPythonSource)
    const seen: HashProgress[] = []
    const reported = await digestLooseFiles(files, isPythonSource, { onProgress: (x) => seen.push(x) })
    expect(reported.map((r) => ('digest' in r ? r.digest : 'error'))).toEqual(plain.map((r) => ('digest' in r ? r.digest : 'error')))
    expect(seen.at(-1)).toMatchObject({ bytesDone: 2 * MiB + 6, bytesTotal: 2 * MiB + 6, filesDone: 2, filesTotal: 2, done: true })
  })

  it('LocalStore.verifyAll (`cache verify`): entries by their indexed sizes', async () => {
    const { dir } = project()
    const store = new LocalStore(join(dir, 'store'))
    const meta = { model_id: 'm', entrypoint: 'pkg.mod:m', digest: 'composite1:' + '0'.repeat(64), generator: { command: 'x' } }
    const sizes = [MiB + 5, 2]
    for (const [i, n] of sizes.entries()) {
      const st = await store.stage(String(i).padStart(64, '0'))
      await writeFile(join(st.outDir, 'x.bin'), randomBytes(n))
      await st.commit(meta)
    }
    const seen: HashProgress[] = []
    const result = await store.verifyAll({ onProgress: (x) => seen.push(x) })
    expect(result).toMatchObject({ checked: 2, ok: 2, bytes: MiB + 7 })
    expect(seen.at(-1)).toMatchObject({ bytesDone: MiB + 7, bytesTotal: MiB + 7, filesDone: 2, filesTotal: 2, done: true })
  })
})
