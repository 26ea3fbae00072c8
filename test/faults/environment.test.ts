// Environment faults: read-only or full cache folder → the build succeeds without caching, with a warning;
// a missing generator → a clear error.
import { execFileSync } from 'node:child_process'
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { fault } from './support/record.js'
import { CLI_BIN, cli, expectUserError, firstLines, GEN, run, stackLine } from './support/run.js'
import { build, buildWorld, cacheWarning, expectGoodOutputs, generations, type BuildWorld } from './support/build.js'
import { listFiles, makeProject, snapshot, tempDir } from './support/project.js'

const G = 'env'
const withoutCaches = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([k]) => !k.startsWith('node_modules/')))

/** tmpfs mounts need root and a mount that works (containers may refuse); tests say how they ran. */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false
  try {
    const d = join(buildWorld(0).p.root, '..', 'probe')
    mkdirSync(d)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', d], { stdio: 'ignore' })
    execFileSync('umount', [d], { stdio: 'ignore' })
    return true
  } catch { return false }
}
const MOUNT = canMount()

async function withMount<T>(dir: string, options: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true })
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir])
  try { return await fn() } finally { execFileSync('umount', ['-l', dir]) }
}

/** Two builds on a broken cache folder: both succeed with good bytes and a warning, generating every time. */
async function noCacheBuilds(w: BuildWorld, ctx: { observe(t: string): void }) {
  const scratch = () => readdirSync(tmpdir()).filter((n) => n.startsWith('modelops-bundle-nocache-')).length
  const scratchBefore = scratch()
  const a = await build(w)
  expect(a.r.code, `build on a broken cache folder:\n${a.r.stderr}`).toBe(0)
  expect(stackLine(a.r.stderr), a.r.stderr).toBeUndefined()
  expectGoodOutputs(w, a.outDir)
  const warning = cacheWarning(a.r)
  expect(warning, `a warning that the cache is not usable; output:\n${a.r.stderr}\n${a.r.stdout}`).toBeDefined()
  // One warning about the output cache, naming the folder, the reason and what to do.
  const outputCache = a.r.stderr.split('\n').filter((l) => /output cache/.test(l))
  expect(outputCache, a.r.stderr).toHaveLength(1)
  expect(outputCache[0]).toContain(w.cacheDir)
  expect(outputCache[0]).toMatch(/read-only|no space|not a folder/)
  expect(outputCache[0]).toMatch(/cacheDir/)
  const b = await build(w)
  expect(b.r.code, b.r.stderr).toBe(0)
  expectGoodOutputs(w, b.outDir)
  expect(scratch(), 'the temporary output folders are removed when the build ends').toBe(scratchBefore)
  ctx.observe(`builds succeed; warning \`${firstLines(outputCache[0]!, 1)}\`; generations ${JSON.stringify(generations(w))}`)
}

describe('environment faults', () => {
  fault(G, 'read-only cache folder', { fault: 'cacheDir is a read-only tmpfs mount (root ignores chmod, so a mount it is)', expected: 'build succeeds without caching, with a warning' }, async (ctx) => {
    if (!MOUNT) { ctx.observe('not run: needs root and tmpfs mounts'); return }
    const w = buildWorld(2)
    await withMount(w.cacheDir, 'ro,size=1m', () => noCacheBuilds(w, ctx))
  })

  fault(G, 'full cache folder', { fault: 'cacheDir is a 256 KiB tmpfs; each artifact is 1 MiB (ENOSPC on commit)', expected: 'build succeeds without caching, with a warning; nothing half-written served later' }, async (ctx) => {
    if (!MOUNT) { ctx.observe('not run: needs root and tmpfs mounts'); return }
    const w = buildWorld(2, { size: 1 << 20 })
    await withMount(w.cacheDir, 'size=256k', async () => {
      await noCacheBuilds(w, ctx)
      // Whatever the store left behind, a third build still emits good bytes.
      const c = await build(w)
      expect(c.r.code, c.r.stderr).toBe(0)
      expectGoodOutputs(w, c.outDir)
    })
  })

  fault(G, 'cache folder path is a file', { fault: 'cacheDir names an existing regular file (ENOTDIR)', expected: 'build succeeds without caching, with a warning; the file untouched' }, async (ctx) => {
    const w = buildWorld(2)
    writeFileSync(w.cacheDir, 'not a folder\n')
    await noCacheBuilds(w, ctx)
    expect(readFileSync(w.cacheDir, 'utf8')).toBe('not a folder\n')
  })

  fault(G, 'CLI cache folder is a file', { fault: 'a Python project (no node_modules) where `.modelops-bundle/cache`, the CLI\'s cache folder, is a regular file; status, verify, digest, cache info', expected: 'every command works as without a cache (exit codes as usual, no stack); the file untouched; no node_modules created' }, async (ctx) => {
    const p = makeProject(2)
    const file = join(p.root, '.modelops-bundle/cache')
    writeFileSync(file, 'not a folder\n')
    const codes: string[] = []
    for (const args of [['status'], ['verify'], ['digest', '--json'], ['cache', 'info', '--json']]) {
      const r = await cli(args, { cwd: p.root, timeoutMs: 60_000 })
      expect(stackLine(r.stderr), r.stderr).toBeUndefined()
      // verify: the fixture's registry records no digests, so it is stale (1); everything else succeeds.
      expect(r.code, `${args.join(' ')}:\n${r.stderr}`).toBe(args[0] === 'verify' ? 1 : 0)
      codes.push(`${args[0]} ${r.code}`)
    }
    expect(readFileSync(file, 'utf8')).toBe('not a folder\n')
    expect(listFiles(p.root).some((f) => f.includes('node_modules')), 'no node_modules').toBe(false)
    ctx.observe(`exit codes ${codes.join(', ')}; the file untouched`)
  })

  fault(G, 'read-only registry folder', { fault: '.modelops-bundle/ bind-mounted read-only; register-model, then list', expected: 'register-model exit 1 naming the folder, registry unchanged; list still works' }, async (ctx) => {
    if (!MOUNT) { ctx.observe('not run: needs root and mounts'); return }
    const p = makeProject(2)
    const dir = join(p.root, '.modelops-bundle')
    const before = readFileSync(p.registry, 'utf8')
    execFileSync('mount', ['--bind', dir, dir])
    try {
      execFileSync('mount', ['-o', 'remount,ro,bind', dir])
      const r = await cli(['register-model', 'models/m0.py'], { cwd: p.root, timeoutMs: 60_000 })
      expectUserError(r, '.modelops-bundle')
      expect(readFileSync(p.registry, 'utf8')).toBe(before)
      const l = await cli(['list', '--json'], { cwd: p.root })
      expect(l.code, l.stderr).toBe(0)
      ctx.observe(`register-model exit ${r.code}: \`${firstLines(r.stderr, 1)}\`; list exit 0`)
    } finally {
      execFileSync('umount', ['-l', dir])
    }
  })

  fault(G, 'current directory deleted', { fault: 'mops-bundle list run in a folder removed after the shell entered it', expected: 'a non-zero exit with a message, no stack trace, no hang' }, async (ctx) => {
    const gone = join(tempDir(), 'gone')
    mkdirSync(gone)
    const r = await run('/bin/sh', ['-c', `cd "${gone}" && rmdir "${gone}" && exec "${process.execPath}" "${CLI_BIN}" list`], { timeoutMs: 60_000 })
    expect(r.timedOut).toBe(false)
    expect(r.code).not.toBe(0)
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    expect(r.stderr.trim().length).toBeGreaterThan(0)
    ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 2)}\``)
  })

  fault(G, 'missing generator executable', { fault: "generate.command = ['mops-no-such-generator-xyz']", expected: 'build fails with a clear error naming the command; nothing cached' }, async (ctx) => {
    const w = buildWorld(1)
    const { r } = await build(w, { generate: { command: ['mops-no-such-generator-xyz', '--flag'] } })
    expect(r.timedOut).toBe(false)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('mops-no-such-generator-xyz')
    expect(r.stderr).toMatch(/not found|ENOENT|no such file|cannot find|could not (start|run|spawn)/i)
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    expect(listFiles(w.cacheDir).filter((f) => !/stat|digest|[/\\]parse-[a-z-]+\.json$/i.test(f)), 'no cache entry committed').toEqual([])
    ctx.observe(`exit 1: \`${firstLines(r.stderr.replace(/^BUILD FAILED: /m, ''), 2)}\``)
  })

  fault(G, 'generator not executable', { fault: 'generate.command = a script without the x bit', expected: 'build fails with a clear error naming the script' }, async (ctx) => {
    const w = buildWorld(1)
    const script = join(w.p.root, 'gen.sh')
    writeFileSync(script, '#!/bin/sh\nexit 0\n')
    chmodSync(script, 0o644)
    const { r } = await build(w, { generate: { command: [script] } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('gen.sh')
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    ctx.observe(`exit 1: \`${firstLines(r.stderr.replace(/^BUILD FAILED: /m, ''), 2)}\``)
  })

  fault(G, 'generator that hangs', { fault: 'generator sleeps 1.5 s with generate.timeout = 300 ms', expected: 'build fails naming the timeout; nothing cached; no hang' }, async (ctx) => {
    const w = buildWorld(1)
    const before = snapshot(w.p.root)
    const { r } = await build(w, { mode: 'slow', generate: undefined, options: { generate: { command: [process.execPath, GEN, w.log, w.nonce, 'slow', '4096'], timeout: 300 } } })
    expect(r.timedOut).toBe(false)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/time/i)
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    expect(listFiles(w.cacheDir).filter((f) => readFileSync(f).toString().startsWith('m0_m0 ')), 'no entry').toEqual([])
    expect(withoutCaches(snapshot(w.p.root)), 'the project is untouched').toEqual(withoutCaches(before))
    ctx.observe(`exit 1: \`${firstLines(r.stderr.replace(/^BUILD FAILED: /m, ''), 2)}\``)
  })

  fault(G, 'generator timeout beyond Node\'s timer limit', { fault: 'config.yaml `generator.timeout: 600h` (Node timers hold at most 2^31 - 1 ms; a longer one fires at once); then the plugin option `generate.timeout` = 600 h; then 596 h', expected: 'refused before any generator runs, naming config.yaml:line (and the option), no stack; 596 h builds normally' }, async (ctx) => {
    const w = buildWorld(1)
    const config = join(w.p.root, '.modelops-bundle/config.yaml')
    const command = JSON.stringify([process.execPath, GEN, w.log, w.nonce, 'ok', '4096'])
    writeFileSync(config, `generator:\n  command: ${command}\n  timeout: 600h\n`)
    const a = await build(w, { options: { generate: undefined } })
    expectUserError(a.r, '.modelops-bundle/config.yaml', { line: 3 })
    expect(a.r.stderr).toMatch(/generator\.timeout: 2160000000 ms \(25\.0 days\) is longer than the longest timer Node can set/)
    expect(generations(w), 'no generator ran').toEqual({})
    const b = await build(w, { options: { generate: { command: JSON.parse(command), timeout: 600 * 3_600_000 } } })
    expect(b.r.code, b.r.stderr).toBe(1)
    expect(b.r.stderr).toMatch(/`generate\.timeout`: 2160000000 ms/)
    expect(generations(w), 'no generator ran').toEqual({})
    writeFileSync(config, `generator:\n  command: ${command}\n  timeout: 596h\n`)
    const c = await build(w, { options: { generate: undefined } })
    expect(c.r.code, c.r.stderr).toBe(0)
    expectGoodOutputs(w, c.outDir)
    ctx.observe(`\`${firstLines(a.r.stderr.replace(/^BUILD FAILED: /m, ''), 1)}\`; option: \`${firstLines(b.r.stderr.replace(/^BUILD FAILED: /m, ''), 1).slice(0, 140)}\`; 596h builds`)
  })

  fault(G, 'generator that fails', { fault: 'generator exits 3 (MODELOPS_OUT_DIR unset is simulated by a failing command)', expected: 'build fails with the tail of its stderr; earlier good entries still served' }, async (ctx) => {
    const w = buildWorld(1)
    const ok = await build(w)
    expect(ok.r.code, ok.r.stderr).toBe(0)
    const bad = await build(w, { generate: { command: [process.execPath, '-e', 'process.stderr.write("boom: the model diverged\\n"); process.exit(3)'] } })
    expect(bad.r.code).toBe(1)
    expect(bad.r.stderr).toContain('boom: the model diverged')
    expect(stackLine(bad.r.stderr), bad.r.stderr).toBeUndefined()
    const again = await build(w)
    expect(again.r.code, again.r.stderr).toBe(0)
    expectGoodOutputs(w, again.outDir)
    expect(generations(w)).toEqual({ m0_m0: 1 })
    ctx.observe(`exit 1 with the generator's stderr; the earlier entry is still a hit`)
  })
})

/** The emitted result.txt of each model: its size and its head and tail lines (the sparse generator's), and the manifest's size for it. */
function expectBigOutputs(w: BuildWorld, outDir: string): void {
  const manifest = JSON.parse(readFileSync(join(outDir, 'modelops-manifest.json'), 'utf8'))
  for (const m of w.p.models) {
    const fd = openSync(join(outDir, 'modelops', m.id, 'result.txt'), 'r')
    try {
      expect(fstatSync(fd).size, `modelops/${m.id}/result.txt size`).toBe(w.size)
      const head = Buffer.from(`${m.id} ${w.nonce} head\n`)
      const tail = Buffer.from(`${m.id} ${w.nonce} tail\n`)
      const got = Buffer.alloc(tail.length)
      readSync(fd, got, 0, head.length, 0)
      expect(got.subarray(0, head.length).equals(head), `${m.id} head`).toBe(true)
      readSync(fd, got, 0, tail.length, w.size - tail.length)
      expect(got.equals(tail), `${m.id} tail`).toBe(true)
    } finally {
      closeSync(fd)
    }
    expect(manifest.models[m.id].artifacts.find((a: { path: string }) => a.path.endsWith('/result.txt')).bytes).toBe(w.size)
  }
}

const maxRssMb = (stdout: string) => Number(/MAXRSS_KB (\d+)/.exec(stdout)?.[1] ?? NaN) / 1024

describe('big outputs', () => {
  fault(G, '3 × 1 GB outputs', { fault: 'three models whose generator writes a 1 GB result.txt each (sparse); a Vite build', expected: 'outputs copied into the output folder, never read into memory: peak RSS of the build process ≤ 300 MB; the next build (a hit) too', timeout: 900_000 }, async (ctx) => {
    const w = buildWorld(3, { size: 1_000_000_000 })
    try {
      const rss: number[] = []
      for (const pass of ['cold', 'warm']) {
        const a = await build(w, { bundler: 'vite', mode: 'sparse', timeoutMs: 850_000 })
        expect(a.r.code, `${pass} build:\n${a.r.stderr}`).toBe(0)
        expectBigOutputs(w, a.outDir)
        rss.push(maxRssMb(a.r.stdout))
        rmSync(a.outDir, { recursive: true, force: true })
      }
      expect(generations(w)).toEqual({ m0_m0: 1, m1_m1: 1, m2_m2: 1 })
      for (const r of rss) expect(r, 'peak RSS of the build process (MB)').toBeLessThanOrEqual(300)
      ctx.observe(`peak RSS ${rss.map((r) => `${Math.round(r)} MB`).join(' (cold), ')} (warm)`)
    } finally {
      rmSync(join(w.p.root, '..'), { recursive: true, force: true })
    }
  })

  fault(G, 'an output over 2 GiB', { fault: 'a generator writes a 2.5 GiB result.txt (sparse); an esbuild build, then a second build (a hit)', expected: 'both builds succeed and emit the whole file (no `RangeError … greater than 2 GiB`)', timeout: 900_000 }, async (ctx) => {
    const w = buildWorld(1, { size: 2.5 * 2 ** 30 })
    try {
      const rss: number[] = []
      for (const pass of ['cold', 'warm']) {
        const a = await build(w, { mode: 'sparse', timeoutMs: 850_000 })
        expect(a.r.code, `${pass} build:\n${a.r.stderr}`).toBe(0)
        expect(stackLine(a.r.stderr), a.r.stderr).toBeUndefined()
        expectBigOutputs(w, a.outDir)
        rss.push(maxRssMb(a.r.stdout))
        rmSync(a.outDir, { recursive: true, force: true })
      }
      expect(generations(w)).toEqual({ m0_m0: 1 })
      ctx.observe(`both builds emit 2.5 GiB; peak RSS ${rss.map((r) => `${Math.round(r)} MB`).join(', ')}`)
    } finally {
      rmSync(join(w.p.root, '..'), { recursive: true, force: true })
    }
  })
})
