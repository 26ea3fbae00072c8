// Races: concurrent CLI registrations, concurrent builds on one cache folder, Vite client + SSR in one process, a file
// changing under the progress line.
import { appendFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { describe, expect } from 'vitest'
import { fault } from './support/record.js'
import { CLI_BIN, cli, escapeRe, firstLines, run, sleep, type RunResult } from './support/run.js'
import { build, buildWorld, expectGoodOutputs, generations, emitted } from './support/build.js'
import { makeProject, listFiles, tempDir } from './support/project.js'
import { pyYamlLoad } from './support/python.js'

const G = 'race'

describe('races', () => {
  fault(G, '8 concurrent register-model on different files', { fault: '8 `register-model models/m<i>.py` started at once, while `list --json` reads in a loop; 3 rounds', expected: '8 models registered every round, every read succeeds' }, async (ctx) => {
    const rounds = 3
    const problems: string[] = []
    let reads = 0
    for (let round = 0; round < rounds; round++) {
      const p = makeProject(8, { register: false })
      await cli(['list', '--json'], { cwd: p.root }) // warm the file system caches; the registry does not exist yet
      let done = false
      const reader = (async () => {
        while (!done) {
          const r = await cli(['list', '--json'], { cwd: p.root, timeoutMs: 60_000 })
          reads++
          if (r.code !== 0) problems.push(`round ${round}: list exit ${r.code}: ${firstLines(r.stderr, 2)}`)
        }
      })()
      const runs: RunResult[] = await Promise.all(p.models.map((m) => cli(['register-model', m.file], { cwd: p.root, timeoutMs: 120_000 })))
      done = true
      await reader
      runs.forEach((r, i) => { if (r.code !== 0) problems.push(`round ${round}: register m${i} exit ${r.code}: ${firstLines(r.stderr, 2)}`) })
      const reg = await pyYamlLoad(p.registry)
      const ids = Object.keys(reg.models ?? {}).sort()
      if (ids.length !== 8) problems.push(`round ${round}: ${ids.length} models registered: ${ids.join(', ')}`)
    }
    ctx.tries(rounds, problems.length ? 1 : 0)
    ctx.observe(`${rounds} rounds × 8 registrations, ${reads} concurrent reads; ${problems.length} problems`)
    expect(problems, problems.join('\n')).toEqual([])
  })

  fault(G, '8 concurrent register-model on the same file', { fault: '8 `register-model models/m0.py --data data/d0.csv` started at once', expected: 'all succeed (or wait for the lock); one entry, loadable' }, async (ctx) => {
    const p = makeProject(1, { register: false })
    const runs = await Promise.all(Array.from({ length: 8 }, () => cli(['register-model', 'models/m0.py', '--data', 'data/d0.csv'], { cwd: p.root, timeoutMs: 120_000 })))
    const bad = runs.filter((r) => r.code !== 0)
    expect(bad.map((r) => firstLines(r.stderr, 2))).toEqual([])
    const reg = await pyYamlLoad(p.registry)
    expect(Object.keys(reg.models)).toEqual(['m0_m0'])
    expect(reg.models.m0_m0.data).toEqual(['data/d0.csv'])
    ctx.observe('8 × exit 0, one entry')
  })

  fault(G, 'builds while the registry is being rewritten', { fault: '4 esbuild builds one after another while 12 `register-model` runs (2 at a time) rewrite the registry of the same project', expected: 'every build succeeds with good bytes (it reads the old or the new registry, never a torn one)' }, async (ctx) => {
    const w = buildWorld(3)
    let writing = true
    const writers = (async () => {
      for (let i = 0; i < 12; i += 2) {
        await Promise.all([0, 1].map((k) => cli(['register-model', `models/m${(i + k) % 3}.py`, '--data', `data/d${(i + k) % 3}.csv`], { cwd: w.p.root, timeoutMs: 120_000 })))
      }
      writing = false
    })()
    const problems: string[] = []
    let builds = 0
    let during = 0
    while (builds < 4) {
      const busy = writing
      const b = await build(w)
      builds++
      if (busy) during++
      if (b.r.code !== 0) problems.push(`build ${builds}: exit ${b.r.code}: ${firstLines(b.r.stderr, 2)}`)
      else try { expectGoodOutputs(w, b.outDir) } catch (err) { problems.push(`build ${builds}: ${(err as Error).message.split('\n')[0]}`) }
    }
    await writers
    ctx.observe(`${builds} builds, ${during} started while registrations ran; ${problems.length} problems`)
    expect(problems, problems.join('\n')).toEqual([])
  })

  fault(G, 'two builds sharing one cache folder', { fault: 'two esbuild builds of one project started at once on one cacheDir, slow generator (1.5 s), 3 models; 2 rounds', expected: 'both succeed with good bytes; each model generated once per round' }, async (ctx) => {
    const w = buildWorld(3)
    const problems: string[] = []
    for (let round = 0; round < 2; round++) {
      w.nonce = randomBytes(6).toString('hex')
      const [a, b] = await Promise.all([build(w, { mode: 'slow' }), build(w, { mode: 'slow' })])
      for (const [name, x] of [['a', a], ['b', b]] as const) {
        if (x.r.code !== 0) { problems.push(`round ${round} build ${name}: exit ${x.r.code}: ${firstLines(x.r.stderr, 3)}`); continue }
        try { expectGoodOutputs(w, x.outDir) } catch (err) { problems.push(`round ${round} build ${name}: ${(err as Error).message.split('\n')[0]}`) }
      }
      const gens = generations(w)
      const want = round + 1
      for (const m of w.p.models) if (gens[m.id] !== want) problems.push(`round ${round}: ${m.id} generated ${(gens[m.id] ?? 0) - round} times`)
    }
    ctx.tries(2, problems.length ? 1 : 0)
    ctx.observe(`generations ${JSON.stringify(generations(w))}`)
    expect(problems, problems.join('\n')).toEqual([])
  })

  fault(G, 'cache clear and prune during a build', { fault: '`mops-bundle cache clear` and `cache prune --max-size 0` run in a loop while a build with a slow generator (3 models) generates and commits', expected: 'the build succeeds with good bytes (entries it uses are not pulled from under it, or it recovers); the next build succeeds with good bytes' }, async (ctx) => {
    const w = buildWorld(3)
    let running = true
    let sweeps = 0
    const sweeper = (async () => {
      while (running) {
        await cli(['cache', 'clear', '--cache-dir', w.cacheDir], { cwd: w.p.root })
        await cli(['cache', 'prune', '--max-size', '0', '--cache-dir', w.cacheDir], { cwd: w.p.root })
        sweeps++
      }
    })()
    const a = await build(w, { mode: 'slow' })
    running = false
    await sweeper
    expect(a.r.code, a.r.stderr).toBe(0)
    expectGoodOutputs(w, a.outDir)
    const b = await build(w)
    expect(b.r.code, b.r.stderr).toBe(0)
    expectGoodOutputs(w, b.outDir)
    const rescued = /vanished/.test(a.r.stderr) ? 'the emit had to regenerate a vanished file' : 'every emitted file was held'
    ctx.observe(`${sweeps} clear+prune rounds during the build; both builds good (${rescued}); generations ${JSON.stringify(generations(w))}`)
  })

  fault(G, 'eviction by another build during a build', { fault: 'while a build with a slow generator (3 models) generates, builds of other generator variants with `maxCacheSize: 0` run in a loop on the same cacheDir (each evicts every entry but its own after generating)', expected: 'every build succeeds with good bytes (entries a build uses are not pulled from under it)' }, async (ctx) => {
    const w = buildWorld(3)
    let running = true
    let evictions = 0
    const problems: string[] = []
    const evictor = (async () => {
      while (running) {
        const other = { ...w, nonce: randomBytes(6).toString('hex') }
        const b = await build(other, { options: { maxCacheSize: 0 } })
        evictions++
        if (b.r.code !== 0) problems.push(`evicting build: exit ${b.r.code}: ${firstLines(b.r.stderr, 3)}`)
        else try { expectGoodOutputs(other, b.outDir) } catch (err) { problems.push(`evicting build: ${(err as Error).message.split('\n')[0]}`) }
      }
    })()
    const a = await build(w, { mode: 'slow' })
    running = false
    await evictor
    expect(a.r.code, a.r.stderr).toBe(0)
    expectGoodOutputs(w, a.outDir)
    expect(problems, problems.join('\n')).toEqual([])
    expect(evictions).toBeGreaterThan(0)
    ctx.observe(`${evictions} evicting builds during the build; all good${/vanished/.test(a.r.stderr) ? ' (the emit regenerated a vanished file)' : ' (every emitted file was held)'}`)
  })

  fault(G, 'Vite and esbuild at once on one cache folder', { fault: 'a Vite build and an esbuild build of one project started together, shared cacheDir', expected: 'both succeed; each model generated once; byte-identical manifests' }, async (ctx) => {
    const w = buildWorld(2)
    const [a, b] = await Promise.all([build(w, { mode: 'slow', bundler: 'vite' }), build(w, { mode: 'slow' })])
    expect(a.r.code, a.r.stderr).toBe(0)
    expect(b.r.code, b.r.stderr).toBe(0)
    expectGoodOutputs(w, a.outDir)
    expectGoodOutputs(w, b.outDir)
    expect(generations(w)).toEqual({ m0_m0: 1, m1_m1: 1 })
    const man = (d: string) => readFileSync(listFiles(d).find((f) => f.endsWith('modelops-manifest.json'))!)
    expect(man(a.outDir).equals(man(b.outDir)), 'same manifest bytes from Vite and esbuild').toBe(true)
    ctx.observe('both succeed, one generation each, identical manifests')
  })

  fault(G, 'Vite client + SSR builds in one process', { fault: 'Vite environment API: client and ssr environments built by one builder with one plugin instance', expected: 'both environments build; each model generated once; a manifest in each outDir, same bytes' }, async (ctx) => {
    const w = buildWorld(2)
    const { r, outDir } = await build(w, { bundler: 'vite-ssr' })
    expect(r.code, r.stderr).toBe(0)
    expect(generations(w)).toEqual({ m0_m0: 1, m1_m1: 1 })
    const client = join(outDir, 'client')
    const server = join(outDir, 'server')
    const manifests = listFiles(outDir).filter((f) => f.endsWith('modelops-manifest.json'))
    expect(manifests.filter((f) => f.startsWith(client + '/')), 'one manifest in the client outDir').toHaveLength(1)
    expect(manifests.filter((f) => f.startsWith(server + '/')), 'at most one manifest in the server outDir').not.toHaveLength(2)
    expectGoodOutputs(w, client)
    const bytes = manifests.map((f) => readFileSync(f).toString())
    expect(new Set(bytes).size, 'every emitted manifest has the same bytes').toBe(1)
    expect(emitted(client, 'm0_m0', 'result.txt')).toBeDefined()
    // A second client+SSR build in a new process is all hits.
    const again = await build(w, { bundler: 'vite-ssr' })
    expect(again.r.code, again.r.stderr).toBe(0)
    expect(generations(w)).toEqual({ m0_m0: 1, m1_m1: 1 })
    ctx.observe(`manifests: ${manifests.map((f) => f.slice(outDir.length + 1)).join(', ')}; one generation per model`)
  })
  fault(G, 'a file growing and shrinking while `hash` draws progress', { fault: '`mops-bundle hash` of a 64 MiB file on a terminal (util-linux `script`), progress from 0 ms (MODELOPS_PROGRESS_AFTER_MS=0), while this process appends 1 MiB blocks to the file every 5 ms, then cuts it to 1 MiB; 3 rounds', expected: 'each run exits 0 with its digest line; no progress line says more than 100 % or more bytes done than the total; the line is cleared before the result' }, async (ctx) => {
    const dir = tempDir('mops-progress-race-')
    const file = join(dir, 'big.bin')
    const MiB = 1 << 20
    const lines: string[] = []
    for (let round = 0; round < 3; round++) {
      writeFileSync(file, '')
      truncateSync(file, 64 * MiB)
      const command = [process.execPath, CLI_BIN, 'hash', file].map((a) => `'${a}'`).join(' ')
      let ticks = 0
      const writer = setInterval(() => {
        ticks++
        if (ticks === 40) truncateSync(file, MiB)
        else appendFileSync(file, randomBytes(MiB))
      }, 5)
      let r: RunResult
      try {
        r = await run('script', ['-qfec', command, '/dev/null'], { cwd: dir, env: { MODELOPS_PROGRESS_AFTER_MS: '0', CI: '', TERM: 'xterm' } })
      } finally {
        clearInterval(writer)
      }
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
      const drawn = r.stdout.split('\r\u001B[2K')
      const result = drawn.pop()!
      expect(result, r.stdout).toMatch(new RegExp(`^blake2b256:[0-9a-f]{64}  bytes  ${escapeRe(file)}\r\n$`))
      for (const l of drawn.filter((d) => d.startsWith('hashing '))) {
        const m = /^hashing ([\d.]+) (B|KiB|MiB) \/ ([\d.]+) (B|KiB|MiB) \((\d+)%\)/.exec(l)
        expect(m, l).not.toBeNull()
        const bytes = (n: string, unit: string) => Number(n) * ({ B: 1, KiB: 1024, MiB: MiB } as Record<string, number>)[unit]!
        expect(Number(m![5])).toBeLessThanOrEqual(100)
        expect(bytes(m![1]!, m![2]!)).toBeLessThanOrEqual(bytes(m![3]!, m![4]!))
        lines.push(l)
      }
    }
    expect(lines.length).toBeGreaterThan(0)
    ctx.tries(3, 0)
    ctx.observe(`3 runs exit 0 with a digest line; ${lines.length} progress lines, none past 100 % or its total; last: ${lines.at(-1)}`)
  })
})
