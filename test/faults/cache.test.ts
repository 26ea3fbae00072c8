// Cache faults: a damaged entry is detected on restore, dropped with a warning, regenerated, never served.
import { appendFileSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { fault } from './support/record.js'
import { cli, firstLines, sleep, stackLine } from './support/run.js'
import { build, buildWorld, cacheRelative, cacheWarning, emitted, expectGoodOutputs, findEntry, generations, type BuildWorld, type CachedEntry } from './support/build.js'
import { listFiles } from './support/project.js'

const G = 'cache'

interface Damage {
  name: string
  fault: string
  /** Damage the entry of m0_m0; return false when the layout does not have the part (the case then fails: the index must exist). */
  apply: (e: CachedEntry, w: BuildWorld) => void
  /** The damage adds an extra file; it must not reach the output. */
  extra?: string
}

const flip = (f: string, at: (n: number) => number) => {
  const b = readFileSync(f)
  const i = at(b.length)
  b[i] = b[i]! ^ 0x01
  writeFileSync(f, b)
}
const needIndex = (e: CachedEntry) => {
  expect(e.index, 'the cache entry has an index file naming result.txt (issue 5)').toBeDefined()
  return e.index!
}

const DAMAGES: Damage[] = [
  { name: 'truncated artifact', fault: 'result.txt cut to half its size', apply: (e) => truncateSync(e.artifact, Math.floor(readFileSync(e.artifact).length / 2)) },
  { name: 'empty artifact', fault: 'result.txt truncated to 0 bytes', apply: (e) => truncateSync(e.artifact, 0) },
  { name: 'flipped byte', fault: 'one bit flipped in the middle of result.txt (size unchanged)', apply: (e) => flip(e.artifact, (n) => n >> 1) },
  { name: 'flipped last byte', fault: 'one bit flipped in the last byte of result.txt', apply: (e) => flip(e.artifact, (n) => n - 1) },
  { name: 'appended bytes', fault: '`evil()` appended to result.txt', apply: (e) => appendFileSync(e.artifact, 'evil()') },
  { name: 'missing artifact', fault: 'result.txt deleted from the entry', apply: (e) => rmSync(e.artifact) },
  { name: 'entry folder missing a file', fault: 'series/s.csv deleted from the entry', apply: (e) => { expect(e.series, 'series/s.csv found in the cache').toBeDefined(); rmSync(e.series!) } },
  { name: 'entry folder emptied', fault: 'every file of the entry deleted except its index', apply: (e) => { for (const f of listFiles(e.dir)) if (f !== e.index) rmSync(f); if (e.series) rmSync(e.series, { force: true }); rmSync(e.artifact, { force: true }) } },
  { name: 'extra file in the entry', fault: 'evil.js added next to result.txt', apply: (e) => writeFileSync(join(e.artifact, '..', 'evil.js'), 'alert(1)\n'), extra: 'evil.js' },
  { name: 'missing index', fault: 'the entry index deleted', apply: (e) => rmSync(needIndex(e)) },
  { name: 'garbled index', fault: 'the entry index overwritten with 512 random bytes', apply: (e) => writeFileSync(needIndex(e), Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 151 + 7) & 0xff))) },
  { name: 'truncated index', fault: 'the entry index cut to half', apply: (e) => { const f = needIndex(e); truncateSync(f, readFileSync(f).length >> 1) } },
  { name: 'empty-object index', fault: 'the entry index replaced by `{}`', apply: (e) => writeFileSync(needIndex(e), '{}') },
  { name: 'index lying about the artifact', fault: 'result.txt damaged AND its size/digest in the index edited to match nothing (a forged index)', apply: (e) => { const f = needIndex(e); writeFileSync(f, readFileSync(f, 'utf8').replace(/[0-9a-f]{64}/g, '0'.repeat(64))); truncateSync(e.artifact, 10) } },
]

describe('damaged cache entries', () => {
  for (const d of DAMAGES) {
    fault(G, d.name, { fault: d.fault, expected: 'detected on restore, warning, regenerated, damaged bytes never emitted; the next build is a hit' }, async (ctx) => {
      const w = buildWorld(2)
      const first = await build(w)
      expect(first.r.code, `first build:\n${first.r.stderr}`).toBe(0)
      expectGoodOutputs(w, first.outDir)
      expect(generations(w)).toEqual({ m0_m0: 1, m1_m1: 1 })
      const e = findEntry(w, 'm0_m0')
      expect(e, `cache entry of m0_m0 under ${w.cacheDir}: ${listFiles(w.cacheDir).map((f) => cacheRelative(w, f)).join(', ')}`).toBeDefined()
      d.apply(e!, w)

      const second = await build(w)
      expect(second.r.code, `build after damage:\n${second.r.stderr}`).toBe(0)
      expect(stackLine(second.r.stderr), second.r.stderr).toBeUndefined()
      expectGoodOutputs(w, second.outDir)
      if (d.extra) expect(listFiles(second.outDir).some((f) => f.endsWith(d.extra!)), `${d.extra} must not be emitted`).toBe(false)
      const gen = generations(w)
      const warning = cacheWarning(second.r)
      if (!d.extra) {
        expect(gen, 'damaged m0_m0 regenerated once; m1_m1 still a hit').toEqual({ m0_m0: 2, m1_m1: 1 })
        expect(warning, `a warning about the damaged entry; output was:\n${second.r.stderr}\n${second.r.stdout}`).toBeDefined()
      }
      ctx.observe(`index at ${cacheRelative(w, e!.index)}`)
      ctx.observe(d.extra ? `extra file not emitted; generations ${JSON.stringify(gen)}` : `regenerated; warning \`${firstLines(warning ?? '', 1)}\``)

      const third = await build(w)
      expect(third.r.code, third.r.stderr).toBe(0)
      expectGoodOutputs(w, third.outDir)
      expect(generations(w), 'the regenerated entry was committed: third build is a hit').toEqual(gen)
    })
  }

  for (const bundler of ['vite', 'vite-ssr'] as const) {
    fault(G, `flipped byte, ${bundler === 'vite' ? 'Vite build' : 'Vite client + SSR'}`, { fault: `one bit flipped in result.txt between two ${bundler} builds`, expected: 'detected, warning, regenerated once, good bytes emitted' }, async (ctx) => {
      const w = buildWorld(2)
      const out = (o: string) => (bundler === 'vite' ? o : join(o, 'client'))
      const a = await build(w, { bundler })
      expect(a.r.code, a.r.stderr).toBe(0)
      expectGoodOutputs(w, out(a.outDir))
      flip(findEntry(w, 'm0_m0')!.artifact, (n) => n >> 1)
      const b = await build(w, { bundler })
      expect(b.r.code, b.r.stderr).toBe(0)
      expectGoodOutputs(w, out(b.outDir))
      expect(generations(w)).toEqual({ m0_m0: 2, m1_m1: 1 })
      const warning = cacheWarning(b.r)
      expect(warning, b.r.stderr + b.r.stdout).toBeDefined()
      ctx.observe(`regenerated once; warning \`${firstLines(warning!, 1)}\``)
    })
  }

  fault(G, 'flipped byte in a stamped entry', { fault: 'one bit flipped in result.txt of an entry that earlier builds verified and stamped (stat stamps, docs/cache.md)', expected: 'the write changed the mtime: stamp mismatch, full hash, detected, warning, regenerated once' }, async (ctx) => {
    const w = buildWorld(2)
    const a = await build(w)
    expect(a.r.code, a.r.stderr).toBe(0)
    // Past the 2 s racy margin, a hit records stamps; the next hit trusts them without hashing.
    await sleep(2500)
    const b = await build(w)
    expect(b.r.code, b.r.stderr).toBe(0)
    const e = findEntry(w, 'm0_m0')!
    expect(listFiles(e.dir).some((f) => f.endsWith('stamps.json')), `stamps recorded in ${cacheRelative(w, e.dir)}`).toBe(true)
    flip(e.artifact, (n) => n >> 1)
    const c = await build(w)
    expect(c.r.code, c.r.stderr).toBe(0)
    expect(stackLine(c.r.stderr), c.r.stderr).toBeUndefined()
    expectGoodOutputs(w, c.outDir)
    expect(generations(w)).toEqual({ m0_m0: 2, m1_m1: 1 })
    const warning = cacheWarning(c.r)
    expect(warning, c.r.stderr + c.r.stdout).toBeDefined()
    ctx.observe(`stamped entry; regenerated once; warning \`${firstLines(warning!, 1)}\``)
  })

  fault(G, 'flipped byte under vite build --watch', { fault: 'vite build --watch: after the first build, one bit flipped in place in m0\'s cached result.txt (mtime changes), then data/d1.csv edited', expected: 'the rebuild re-checks m0\'s reused outputs as a new lookup would (stamps, else a hash): warning, m0 regenerated, emitted bytes match the manifest' }, async (ctx) => {
    const w = buildWorld(2)
    const a = await build(w, { bundler: 'vite-watch', watch: { damage: { model: 'm0_m0', file: 'result.txt' }, edit: { file: 'data/d1.csv', text: '2,9\n' } } })
    expect(a.r.code, a.r.stderr).toBe(0)
    expect(stackLine(a.r.stderr), a.r.stderr).toBeUndefined()
    expectGoodOutputs(w, a.outDir)
    expect(generations(w), 'm0 regenerated (damaged), m1 regenerated (data edit)').toEqual({ m0_m0: 2, m1_m1: 2 })
    const warning = cacheWarning(a.r) ?? (a.r.stderr + a.r.stdout).split('\n').find((l) => /changed on disk/.test(l))
    expect(warning, a.r.stderr + a.r.stdout).toBeDefined()
    ctx.observe(`rebuild regenerated m0; warning \`${firstLines(warning!, 1)}\``)
  })

  fault(G, 'byte flipped behind a restored mtime, cache verify', { fault: 'one bit flipped in result.txt of a stamped entry, then its mtime restored with utimes (stat stamps cannot see it); then `mops-bundle cache verify`', expected: 'cache verify hashes every entry, drops the corrupt one, exit 1 naming it; the next build regenerates it and emits good bytes; a second verify exits 0' }, async (ctx) => {
    const w = buildWorld(2)
    const a = await build(w)
    expect(a.r.code, a.r.stderr).toBe(0)
    await sleep(2500) // past the racy margin: the next hit stamps the files
    const b = await build(w)
    expect(b.r.code, b.r.stderr).toBe(0)
    const e = findEntry(w, 'm0_m0')!
    const st = statSync(e.artifact)
    flip(e.artifact, (n) => n >> 1)
    utimesSync(e.artifact, st.atime, st.mtime)
    const v = await cli(['cache', 'verify', '--cache-dir', w.cacheDir], { cwd: w.p.root })
    expect(v.code, v.stdout + v.stderr).toBe(1)
    expect(stackLine(v.stderr), v.stderr).toBeUndefined()
    expect(v.stdout, v.stdout).toMatch(/m0_m0\s+dropped: result\.txt has digest/)
    const c = await build(w)
    expect(c.r.code, c.r.stderr).toBe(0)
    expectGoodOutputs(w, c.outDir)
    expect(generations(w)).toEqual({ m0_m0: 2, m1_m1: 1 })
    const v2 = await cli(['cache', 'verify', '--cache-dir', w.cacheDir, '--json'], { cwd: w.p.root })
    expect(v2.code, v2.stdout + v2.stderr).toBe(0)
    expect(JSON.parse(v2.stdout)).toMatchObject({ checked: 2, ok: 2, dropped: 0 })
    ctx.observe(`cache verify exit 1: \`${firstLines(v.stdout.split('\n').find((l) => l.includes('dropped')) ?? '', 1).slice(0, 120)}…\`; regenerated by the next build; verify again exit 0`)
  })

  const manifestOf = (outDir: string) => JSON.parse(readFileSync(listFiles(outDir).find((f) => f.endsWith('modelops-manifest.json'))!, 'utf8'))
  const statCaches = (w: BuildWorld) => [...listFiles(w.cacheDir), ...listFiles(join(w.p.root, 'node_modules'))].filter((f) => /stat/i.test(f))

  fault(G, 'garbled stat cache', { fault: 'every stat-cache file overwritten with garbage between two builds', expected: 'digests recomputed (same manifest), a warning at most, nothing regenerated' }, async (ctx) => {
    const w = buildWorld(2)
    // Files changed within the racy margin (2 s) are not trusted to a stat cache (git's racy rule); ctime cannot be aged.
    await sleep(2500)
    const a = await build(w)
    expect(a.r.code, a.r.stderr).toBe(0)
    const files = statCaches(w)
    expect(files.length, 'a stat cache file exists after a build').toBeGreaterThan(0)
    for (const f of files) writeFileSync(f, '{"version":1,"entries":{"models/m0.py":[1,2,3]}}garbage\u0000')
    const b = await build(w)
    expect(b.r.code, b.r.stderr).toBe(0)
    expect(stackLine(b.r.stderr), b.r.stderr).toBeUndefined()
    expect(manifestOf(b.outDir)).toEqual(manifestOf(a.outDir))
    expect(generations(w)).toEqual({ m0_m0: 1, m1_m1: 1 })
    ctx.observe(`${files.map((f) => cacheRelative(w, f)).join(', ')} garbled; same manifest; ${firstLines(cacheWarning(b.r) ?? b.r.stderr, 1) || 'no warning'}`)
  })

  fault(G, 'edit hidden from the stat cache', { fault: 'data/d0.csv rewritten with different bytes of the same size, then its mtime restored with utimes (as cp -p, rsync -t or a checkout can do)', expected: 'the change is seen (ctime/inode), m0 regenerated, m1 untouched' }, async (ctx) => {
    const w = buildWorld(2)
    await sleep(2500) // past the racy margin, so the first build records data/d0.csv in the stat cache
    const a = await build(w)
    expect(a.r.code, a.r.stderr).toBe(0)
    expect(statCaches(w).some((f) => readFileSync(f, 'utf8').includes('data/d0.csv')), 'data/d0.csv is in the stat cache').toBe(true)
    const data = join(w.p.root, 'data/d0.csv')
    const st = statSync(data)
    const old = readFileSync(data, 'utf8')
    const edited = old.replace('0,0', '0,9')
    expect(edited.length).toBe(old.length)
    writeFileSync(data, edited)
    utimesSync(data, st.atime, st.mtime)
    const b = await build(w)
    expect(b.r.code, b.r.stderr).toBe(0)
    const ma = manifestOf(a.outDir)
    const mb = manifestOf(b.outDir)
    expect(mb.models.m0_m0.digest, 'm0 digest changed').not.toBe(ma.models.m0_m0.digest)
    expect(mb.models.m1_m1.digest, 'm1 digest unchanged').toBe(ma.models.m1_m1.digest)
    expect(generations(w)).toEqual({ m0_m0: 2, m1_m1: 1 })
    ctx.observe('edit detected despite the restored mtime; only m0 regenerated')
  })

  fault(G, 'control: an intact entry is served', { fault: 'none', expected: 'second build generates nothing and emits the same bytes' }, async (ctx) => {
    const w = buildWorld(2)
    const a = await build(w)
    expect(a.r.code, a.r.stderr).toBe(0)
    const b = await build(w)
    expect(b.r.code, b.r.stderr).toBe(0)
    expectGoodOutputs(w, b.outDir)
    expect(generations(w)).toEqual({ m0_m0: 1, m1_m1: 1 })
    expect(readFileSync(emitted(b.outDir, 'm0_m0', 'result.txt')!).length).toBe(w.size)
    ctx.observe('hit, nothing generated')
  })
})
