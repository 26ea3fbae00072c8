// Crashes: SIGKILL at awkward moments. No partial cache entry survives; the registry is never torn.
import { readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { parse as parseYaml } from 'yaml'
import { describe, expect } from 'vitest'
import { fault } from './support/record.js'
import { cli, firstLines, sleep, stackLine, type RunResult } from './support/run.js'
import { build, buildWorld, expectGoodOutputs, findEntry, generations } from './support/build.js'
import { makeProject, listFiles } from './support/project.js'
import { pyYamlLoad } from './support/python.js'

const G = 'crash'

/** Deterministic pseudo-random numbers: a failing kill schedule can be replayed with FAULTS_SEED. */
function rng(seed: number) {
  let s = seed >>> 0
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 }
}
const SEED = Number(process.env.FAULTS_SEED ?? 20261127)

describe('crashes', () => {
  fault(G, 'build SIGKILLed while holding a cache lock', { fault: 'an esbuild build is SIGKILLed while its (slow) generator runs under the cache key\'s lock; the next build starts at once', expected: 'the next build takes over the dead build\'s lock within seconds (pid gone on this host), not after the 30 s stale period, and emits good bytes' }, async (ctx) => {
    const w = buildWorld(1)
    const locks = join(w.cacheDir, 'outputs-v1', 'locks')
    const first = build(w, { mode: 'slow', onSpawn: (child) => {
      const t = setInterval(() => {
        // The generator started: the build holds the key's lock (and wrote its owner file).
        if (readFileSync(w.log, 'utf8').includes(' start ') && existsSync(locks) && readdirSync(locks).some((n) => n.endsWith('.owner'))) { clearInterval(t); child.kill('SIGKILL') }
      }, 20)
      child.on('exit', () => clearInterval(t))
    } })
    const a = await first
    expect(a.r.signal, a.r.stderr).toBe('SIGKILL')
    const b = await build(w)
    expect(b.r.code, b.r.stderr).toBe(0)
    expectGoodOutputs(w, b.outDir)
    // The stale rule alone would wait 25-30 s for the lock; the build itself takes a few seconds.
    expect(b.r.ms, 'second build time (ms)').toBeLessThan(20_000)
    ctx.observe(`next build ${(b.r.ms / 1000).toFixed(1)} s (the mtime rule alone: ≥ 25 s wait)`)
  })

  fault(G, 'generator SIGKILLed mid-write', { fault: 'the generator writes half of result.txt, then SIGKILLs itself', expected: 'build fails naming the model; no entry committed; the next build regenerates' }, async (ctx) => {
    const w = buildWorld(1)
    const a = await build(w, { mode: 'killself' })
    expect(a.r.code, 'a killed generator fails the build').not.toBe(0)
    expect(a.r.timedOut).toBe(false)
    expect(a.r.stderr).toMatch(/m0_m0|models\.m0:M0/)
    expect(findEntry(w, 'm0_m0'), 'no cache entry holds the full artifact').toBeUndefined()
    const half = readFileSync(join(w.p.root, '..', 'gen.log'), 'utf8')
    expect(half).toContain('m0_m0 start')
    // No file in the cache holds the half-written bytes under any name.
    for (const f of listFiles(w.cacheDir)) expect(readFileSync(f).length === w.size >> 1 && readFileSync(f).toString().startsWith('m0_m0'), `partial file in the cache: ${f}`).toBe(false)
    ctx.observe(`build exit ${a.r.code}: \`${firstLines(a.r.stderr, 1)}\``)
    const b = await build(w)
    expect(b.r.code, b.r.stderr).toBe(0)
    expectGoodOutputs(w, b.outDir)
    expect(generations(w)).toEqual({ m0_m0: 2 })
    ctx.observe('next build regenerated and emitted good bytes')
  })

  fault(G, 'build process SIGKILLed at random points', { fault: 'esbuild build with a 4 MB artifact, SIGKILLed at a random point: half the tries after a random delay from spawn in [0, 1.3 × build time], half within 0-150 ms after the generator finished (the commit window); new cache key each try', expected: 'the next build succeeds with good bytes; a third is a cache hit (no partial entry survived)', timeout: 600_000 }, async (ctx) => {
    const w = buildWorld(1, { size: 4 << 20 })
    const warm = await build(w)
    expect(warm.r.code, warm.r.stderr).toBe(0)
    const full = warm.r.ms
    const rand = rng(SEED)
    const tries = Number(process.env.FAULTS_KILL_BUILDS ?? 10)
    const phases: Record<string, number> = {}
    let failed = 0
    const failures: string[] = []
    for (let i = 0; i < tries; i++) {
      w.nonce = randomBytes(6).toString('hex')
      writeFileSync(w.log, '')
      const afterGen = i % 2 === 1
      const delay = Math.floor(afterGen ? rand() * 150 : rand() * full * 1.3)
      const killed = await build(w, {
        onSpawn: (child) => {
          if (!afterGen) { setTimeout(() => child.kill('SIGKILL'), delay); return }
          // Poll the generator log; kill the build `delay` ms after the generator wrote its last byte.
          const t = setInterval(() => {
            if (readFileSync(w.log, 'utf8').includes(' done ')) { clearInterval(t); setTimeout(() => child.kill('SIGKILL'), delay) }
          }, 5)
          child.on('exit', () => clearInterval(t))
        },
      })
      const log = readFileSync(w.log, 'utf8')
      const phase = killed.r.code === 0 ? 'finished before the kill' : !log.includes('start') ? 'before generating' : !log.includes('done') ? 'while generating' : 'after generating (commit/emit)'
      phases[phase] = (phases[phase] ?? 0) + 1
      await sleep(200) // an orphaned generator finishes or dies
      const next = await build(w)
      const third = await build(w)
      try {
        expect(next.r.code, next.r.stderr).toBe(0)
        expectGoodOutputs(w, next.outDir)
        const gens = generations(w).m0_m0 ?? 0
        expect(third.r.code, third.r.stderr).toBe(0)
        expectGoodOutputs(w, third.outDir)
        expect(generations(w).m0_m0 ?? 0, 'third build is a hit').toBe(gens)
      } catch (err) {
        failed++
        failures.push(`try ${i} (delay ${delay} ms, ${phase}): ${(err as Error).message.split('\n')[0]}`)
      }
    }
    // Leftovers of killed builds must not be entries: every entry folder has an index.
    const store = join(w.cacheDir, 'outputs-v1', 'entries')
    if (existsSync(store)) {
      const { readdirSync } = await import('node:fs')
      for (const shard of readdirSync(store)) for (const key of readdirSync(join(store, shard))) {
        if (!existsSync(join(store, shard, key, 'index.json'))) failures.push(`entry ${shard}/${key} has no index.json`)
      }
    }
    ctx.tries(tries, failed)
    ctx.observe(`build time ${(full / 1000).toFixed(1)} s; kills landed ${Object.entries(phases).map(([k, v]) => `${v}× ${k}`).join(', ')}; all next builds good`)
    expect(failures, failures.join('\n')).toEqual([])
  })

  fault(G, 'register-model suspended mid-write', { fault: 'a `register-model` stopped with SIGSTOP (Ctrl-Z, a closed laptop lid) while it holds the project lock and its temp registry file exists (it has read the registry); a second `register-model` on another file runs; then the first resumes (SIGCONT)', expected: 'the second waits and fails with a clear lock message, or takes over; either way, after the first resumes no finished registration is lost', timeout: 300_000 }, async (ctx) => {
    const p = makeProject(2, { register: false })
    const dir = join(p.root, '.modelops-bundle')
    const known = new Set(['registry.yaml', 'project.lock', 'config.yaml'])
    const seed = await cli(['register-model', 'models/m0.py'], { cwd: p.root })
    expect(seed.code, seed.stderr).toBe(0)
    let first: Promise<RunResult> | undefined
    let pid = 0
    let stopped = ''
    for (let attempt = 0; attempt < 15 && !stopped; attempt++) {
      first = cli(['register-model', 'models/m0.py', '--data', 'data/d0.csv'], { cwd: p.root, timeoutMs: 240_000, onSpawn: (c) => { pid = c.pid! } })
      // Busy-poll: the write window is a few milliseconds. A new file named after the registry is the writer's temp file
      // (the lock's own temp file is not: the lock is not held yet while it exists).
      const deadline = Date.now() + 3000
      while (Date.now() < deadline) {
        const extra = readdirSync(dir).find((n) => !known.has(n) && n.includes('registry'))
        if (extra) { process.kill(pid, 'SIGSTOP'); stopped = extra; break }
      }
      if (!stopped) await first
    }
    if (!stopped) { ctx.observe('never caught inside the write window in 15 tries'); return }
    const second = await cli(['register-model', 'models/m1.py'], { cwd: p.root, timeoutMs: 120_000 })
    process.kill(pid, 'SIGCONT')
    const firstResult = await first!
    expect(second.timedOut, 'the second run hung behind a suspended lock holder').toBe(false)
    expect(stackLine(second.stderr), second.stderr).toBeUndefined()
    if (second.code !== 0) expect(second.stderr, 'a lock failure names the lock').toMatch(/lock/i)
    const reg = await pyYamlLoad(p.registry)
    const ids = Object.keys(reg.models ?? {})
    ctx.observe(`stopped at ${stopped.replace(/\.\d+\.[0-9a-f]+\.tmp$/, '.<pid>.<random>.tmp')}; second: exit ${second.code} after ${(second.ms / 1000).toFixed(0)} s${second.code ? ` \`${firstLines(second.stderr, 1)}\`` : ''}; first after SIGCONT: exit ${firstResult.code}; registry holds ${ids.join(', ') || 'nothing'}`)
    if (second.code === 0) expect(ids, 'the second registration was lost when the suspended first one resumed').toContain('m1_m1')
    expect(ids).toContain('m0_m0')
    if (firstResult.code === 0) expect(reg.models.m0_m0.data, 'the first registration (exit 0) kept its --data').toEqual(['data/d0.csv'])
  })

  fault(G, 'register-model SIGKILLed at random points', { fault: '200 `register-model` runs (2 at a time, 10 model files), each SIGKILLed after a random delay in [0, 1.2 × run time]', expected: 'registry.yaml always loads (yaml and PyYAML) with complete entries; no model registered by a finished run is lost; a final unkilled run per file succeeds', timeout: 600_000 }, async (ctx) => {
    const files = 10
    const p = makeProject(files, { register: false })
    const t0 = await cli(['register-model', 'models/m0.py'], { cwd: p.root })
    expect(t0.code, t0.stderr).toBe(0)
    const runMs = t0.ms
    const rand = rng(SEED + 1)
    const total = Number(process.env.FAULTS_KILL_RUNS ?? 200)
    const budgetMs = Number(process.env.FAULTS_KILL_BUDGET_MS ?? 300_000)
    const start = performance.now()
    const committed = new Set<string>(['m0_m0'])
    const problems: string[] = []
    let tried = 0
    let completed = 0
    let failedOther = 0
    const checkFile = (when: string) => {
      if (!existsSync(p.registry)) { problems.push(`${when}: registry.yaml vanished`); return }
      const text = readFileSync(p.registry, 'utf8')
      try {
        const reg = parseYaml(text, { uniqueKeys: true })
        if (!reg || typeof reg !== 'object' || typeof reg.models !== 'object') throw new Error('no models map')
        for (const [id, m] of Object.entries(reg.models as Record<string, any>)) {
          if (!m || typeof m.entrypoint !== 'string' || typeof m.path !== 'string' || !('model_digest' in m)) throw new Error(`incomplete entry ${id}`)
        }
        for (const id of committed) if (!(id in reg.models)) throw new Error(`lost ${id}`)
      } catch (err) {
        problems.push(`${when}: ${(err as Error).message.split('\n')[0]} (${text.length} bytes)`)
      }
    }
    const one = async (i: number) => {
      const k = i % files
      const delay = Math.floor(rand() * runMs * 1.2)
      const r: RunResult = await cli(['register-model', `models/m${k}.py`], { cwd: p.root, timeoutMs: 60_000, onSpawn: (c) => { setTimeout(() => c.kill('SIGKILL'), delay) } })
      tried++
      if (r.code === 0) { completed++; committed.add(`m${k}_m${k}`) }
      else if (r.signal !== 'SIGKILL' || r.timedOut) { failedOther++; problems.push(`run ${i}: exit ${r.code}${r.timedOut ? ' (hung)' : ''}: ${firstLines(r.stderr, 2)}`) }
      checkFile(`after run ${i}`)
    }
    for (let i = 0; i < total && performance.now() - start < budgetMs; i += 2) await Promise.all([one(i), one(i + 1)])
    // Everything recovers: stale locks of killed runs do not block a normal run.
    for (let k = 0; k < files; k++) {
      const r = await cli(['register-model', `models/m${k}.py`], { cwd: p.root, timeoutMs: 120_000 })
      if (r.code !== 0) problems.push(`final run m${k}: exit ${r.code}: ${firstLines(r.stderr, 2)}`)
    }
    const reg = await pyYamlLoad(p.registry)
    expect(Object.keys(reg.models).sort()).toEqual(Array.from({ length: files }, (_, k) => `m${k}_m${k}`).sort())
    ctx.tries(tried, problems.length)
    ctx.observe(`${tried} runs in ${((performance.now() - start) / 1000).toFixed(0)} s (one run ${(runMs / 1000).toFixed(2)} s): ${completed} finished before the kill, ${tried - completed - failedOther} killed, ${failedOther} failed otherwise; the file loaded after every run`)
    expect(tried, `only ${tried} runs fit the time budget`).toBeGreaterThanOrEqual(Math.min(total, 50))
    expect(problems, problems.slice(0, 20).join('\n')).toEqual([])
  })
})
