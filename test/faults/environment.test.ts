// Environment faults: read-only or full cache folder → the build succeeds without caching, with a warning;
// a missing generator → a clear error.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs'
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
