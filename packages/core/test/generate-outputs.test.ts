import { execFile } from 'node:child_process'
import { appendFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalStore } from '../src/cache/local-store.js'
import { resolveOutputs } from '../src/generate/outputs.js'
import type { DigestReport } from '../src/digest/types.js'
import { Workspace, type WorkspaceSettings } from '../src/workspace/workspace.js'

const run = promisify(execFile)
const here = path.dirname(fileURLToPath(import.meta.url))
let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'mops-outputs-'))
  await mkdir(path.join(tmp, '.modelops-bundle'))
})
/** The project in `tmp` (generators run there), with its cache in `cacheDir`. */
const wsAt = (cacheDir: string, settings: WorkspaceSettings = {}) => Workspace.open(tmp, { cacheDir, ...settings })
afterAll(async () => { await rm(tmp, { recursive: true, force: true }) })

function report(digests: Record<string, string>): DigestReport {
  const models: DigestReport['models'] = {}
  for (const [id, d] of Object.entries(digests)) {
    models[id] = { digest: `composite1:${d.repeat(64)}`, entrypoint: `models.m:${id}`, path: 'models/m.py', class_name: id, outputs: ['o'], components: [], missing: [] }
  }
  return { bundle_digest: 'bundle1:x', environment: { digest: 'env1:x', python_version: '3', platform: 'p', dependencies: {}, container_image: null, cuda_version: null, rng_algorithm: 'r', thread_count: 1 }, models, targets: {}, warnings: [] }
}

/** A command generator that logs each run to `log` and writes one output. */
const gen = (log: string, extra = '') => ({ command: `echo "$MODELOPS_MODEL_ID" >> ${JSON.stringify(log)}; ${extra} printf "%s" "$MODELOPS_MODEL_DIGEST" > "$MODELOPS_OUT_DIR/out.txt"` })
const lines = async (f: string) => (await readFile(f, 'utf8').catch(() => '')).split('\n').filter(Boolean).sort()

describe('resolveOutputs', () => {
  it('generates on a miss, reuses verified entries, regenerates only changed models', async () => {
    const dir = path.join(tmp, 'basic')
    const log = path.join(tmp, 'basic.log')
    const ws = wsAt(dir)
    const store = ws.outputs.local
    const r1 = await resolveOutputs(ws, { report: report({ a: '1', b: '2' }), generator: gen(log) })
    expect([r1.generated, r1.cached]).toEqual([2, 0])
    const r2 = await resolveOutputs(ws, { report: report({ a: '1', b: '2' }), generator: gen(log) })
    expect([r2.generated, r2.cached]).toEqual([0, 2])
    const r3 = await resolveOutputs(ws, { report: report({ a: '1', b: '3' }), generator: gen(log), previous: r2.outputs })
    expect([r3.generated, r3.cached]).toEqual([1, 1])
    expect(r3.outputs.get('a')!.source).toBe('memo')
    // A cache clear under a watcher does not pull its outputs away: they are held.
    await store.clear()
    expect((await store.info()).entries).toBe(0)
    expect(await readFile(r3.outputs.get('b')!.entry.filePath('out.txt'), 'utf8')).toBe(`composite1:${'3'.repeat(64)}`)
    const r3b = await resolveOutputs(ws, { report: report({ a: '1', b: '3' }), generator: gen(log), previous: r3.outputs })
    expect([r3b.generated, r3b.cached]).toEqual([0, 2])
    // A memo whose files vanished (the hold released, files deleted by hand) is looked up again, not trusted.
    await r3.hold.release()
    await r2.hold.release()
    const r3c = await resolveOutputs(ws, { report: report({ a: '1', b: '3' }), generator: gen(log), previous: r3.outputs })
    expect([r3c.generated, r3c.cached]).toEqual([2, 0])
    expect(await lines(log)).toEqual(['a', 'a', 'b', 'b', 'b'])
    expect(await readFile(r3c.outputs.get('b')!.entry.filePath('out.txt'), 'utf8')).toBe(`composite1:${'3'.repeat(64)}`)
    // Same digests under another generator: a separate entry.
    const r4 = await resolveOutputs(ws, { report: report({ a: '1' }), generator: gen(log, 'true;') })
    expect(r4.generated).toBe(1)
  })

  it('a failing generator fails the call, aborts the rest and commits nothing', async () => {
    const dir = path.join(tmp, 'fail')
    const log = path.join(tmp, 'fail.log')
    const ws = wsAt(dir)
    const store = ws.outputs.local
    const failing = { command: `if [ "$MODELOPS_MODEL_ID" = b ]; then echo "b is broken" >&2; exit 1; fi; sleep 0.2; echo x > "$MODELOPS_OUT_DIR/o"` }
    await expect(resolveOutputs(ws, { report: report({ a: '1', b: '2' }), generator: failing, concurrency: 2 }))
      .rejects.toMatchObject({ code: 'GENERATOR_FAILED', message: expect.stringContaining('b is broken') })
    const info = await store.info()
    expect(info.list.map((e) => e.model_id)).not.toContain('b')
    // A good run afterwards still works (no stuck locks, no half entries).
    const ok = await resolveOutputs(ws, { report: report({ a: '1', b: '2' }), generator: gen(log) })
    expect(ok.generated + ok.cached).toBe(2)
  })

  it('drops a corrupted entry with a warning and regenerates it', async () => {
    const ws = wsAt(path.join(tmp, 'corrupt'))
    const log = path.join(tmp, 'corrupt.log')
    const r1 = await resolveOutputs(ws, { report: report({ a: '1' }), generator: gen(log) })
    await appendFile(r1.outputs.get('a')!.entry.filePath('out.txt'), 'garbage')
    const warnings: string[] = []
    const r2 = await resolveOutputs(ws, { report: report({ a: '1' }), generator: gen(log), onWarning: (m) => warnings.push(m) })
    expect(r2.generated).toBe(1)
    expect(warnings.join('\n')).toMatch(/cache entry of model a is corrupt \(out\.txt has \d+ bytes/)
    expect(await readFile(r2.outputs.get('a')!.entry.filePath('out.txt'), 'utf8')).toBe(`composite1:${'1'.repeat(64)}`)
    expect(await lines(log)).toEqual(['a', 'a'])
  })

  it('a warm lookup trusts stat stamps instead of re-hashing; an edited artifact is still regenerated', async () => {
    const ws = wsAt(path.join(tmp, 'stamps'))
    const store = ws.outputs.local
    const log = path.join(tmp, 'stamps.log')
    const r1 = await resolveOutputs(ws, { report: report({ a: '1' }), generator: gen(log) })
    // The entry's file (the hold links it: same inode), aged past the racy margin as on a later day.
    const k = r1.outputs.get('a')!.key
    const entryFile = path.join(store.dir, 'entries', k.slice(0, 2), k, 'files', 'out.txt')
    const old = new Date(Date.UTC(2026, 0, 1))
    await utimes(entryFile, old, old)
    const hashed = () => store.stats.hashed
    let h = hashed()
    const r2 = await resolveOutputs(ws, { report: report({ a: '1' }), generator: gen(log) })
    expect([r2.cached, hashed() - h]).toEqual([1, 1])
    h = hashed()
    const trusted = store.stats.trusted
    const r3 = await resolveOutputs(ws, { report: report({ a: '1' }), generator: gen(log) })
    expect([r3.cached, hashed() - h, store.stats.trusted - trusted]).toEqual([1, 0, 1])
    // Same size, other bytes, written in place (mtime changes): hashed, dropped, regenerated.
    const text = await readFile(entryFile, 'utf8')
    await writeFile(entryFile, text.replace('composite1', 'COMPOSITE1'))
    const warnings: string[] = []
    const r4 = await resolveOutputs(ws, { report: report({ a: '1' }), generator: gen(log), onWarning: (m) => warnings.push(m) })
    expect(r4.generated).toBe(1)
    expect(warnings.join('\n')).toMatch(/cache entry of model a is corrupt \(out\.txt has digest/)
    expect(await readFile(r4.outputs.get('a')!.entry.filePath('out.txt'), 'utf8')).toBe(text)
    for (const r of [r1, r2, r3, r4]) await r.hold.release()
  })

  it('watch mode: a reused (memo) entry is re-checked like a new lookup; bytes changed in place are regenerated', async () => {
    const ws = wsAt(path.join(tmp, 'memo-recheck'))
    const store = ws.outputs.local
    const log = path.join(tmp, 'memo-recheck.log')
    const hold = store.hold()
    const r1 = await resolveOutputs(ws, { report: report({ a: '1', b: '2' }), generator: gen(log), hold })
    const held = r1.outputs.get('a')!.entry.filePath('out.txt')
    const good = await readFile(held, 'utf8')
    // Aged past the racy margin, then reused: trusted by its stamp, nothing hashed.
    const k = r1.outputs.get('a')!.key
    const old = new Date(Date.UTC(2026, 0, 1))
    await utimes(path.join(store.dir, 'entries', k.slice(0, 2), k, 'files', 'out.txt'), old, old)
    const r2 = await resolveOutputs(ws, { report: report({ a: '1', b: '3' }), generator: gen(log), hold, previous: r1.outputs })
    expect(r2.outputs.get('a')!.source).toBe('memo')
    const [h, t] = [store.stats.hashed, store.stats.trusted]
    const r3 = await resolveOutputs(ws, { report: report({ a: '1', b: '3' }), generator: gen(log), hold, previous: r2.outputs })
    // a by its stamp; b (generated by r2, too fresh to be stamped) hashed once.
    expect([r3.outputs.get('a')!.source, r3.outputs.get('b')!.source, store.stats.trusted - t, store.stats.hashed - h]).toEqual(['memo', 'memo', 1, 1])
    // One byte flipped in place (same size and inode, new mtime), then another model's data edited.
    await writeFile(held, good.replace('composite1', 'composiTe1'))
    const warnings: string[] = []
    const r4 = await resolveOutputs(ws, { report: report({ a: '1', b: '4' }), generator: gen(log), hold, previous: r3.outputs, onWarning: (m) => warnings.push(m) })
    expect(r4.outputs.get('a')!.source).toBe('generated')
    expect(warnings.join('\n')).toMatch(/outputs of model a changed on disk since the last build \(out\.txt has digest/)
    expect(await readFile(r4.outputs.get('a')!.entry.filePath('out.txt'), 'utf8')).toBe(good)
    expect(await lines(log)).toEqual(['a', 'a', 'b', 'b', 'b'])
    await hold.release()
  })

  it('two processes sharing a cache folder both succeed and generate each key once', async () => {
    const dir = path.join(tmp, 'shared')
    const log = path.join(tmp, 'shared.log')
    const script = path.join(tmp, 'child.mts')
    const src = (p: string) => JSON.stringify(pathToFileURL(path.join(here, '../src', p)).href)
    await writeFile(script, `
      import { Workspace } from ${src('workspace/workspace.ts')}
      import { resolveOutputs } from ${src('generate/outputs.ts')}
      const report = ${JSON.stringify(report({ a: '1', b: '2', c: '3', d: '4' }))}
      const r = await resolveOutputs(Workspace.open(${JSON.stringify(tmp)}, { cacheDir: ${JSON.stringify(dir)} }), { report, concurrency: 2,
        generator: { command: ${JSON.stringify(gen(log, 'sleep 0.3;').command)} } })
      console.log(JSON.stringify({ generated: r.generated, cached: r.cached }))
    `)
    const tsx = path.join(here, '../../../node_modules/tsx/dist/esm/index.mjs')
    const child = () => run(process.execPath, ['--import', pathToFileURL(tsx).href, script], { cwd: tmp })
    const [x, y] = await Promise.all([child(), child()])
    const rx = JSON.parse(x.stdout)
    const ry = JSON.parse(y.stdout)
    expect(rx.generated + ry.generated).toBe(4)
    expect(rx.generated + rx.cached).toBe(4)
    expect(ry.generated + ry.cached).toBe(4)
    expect(await lines(log)).toEqual(['a', 'b', 'c', 'd'])
    expect((await new LocalStore(dir).info()).entries).toBe(4)
  })

  it('outputs stay readable through clear, prune and another build\'s eviction until the hold lets go', async () => {
    const dir = path.join(tmp, 'held')
    const log = path.join(tmp, 'held.log')
    const ws = wsAt(dir)
    const store = ws.outputs.local
    const hold = store.hold()
    const r = await resolveOutputs(ws, { report: report({ a: '1', b: '2' }), generator: gen(log), hold })
    const files = [...r.outputs.values()].map((o) => o.entry.filePath('out.txt'))
    // Another process's view of the same folder: a CLI clear, a prune to 0, a build evicting under maxCacheSize.
    const other = new LocalStore(dir)
    await other.prune({ maxBytes: 0 })
    await other.clear()
    expect((await other.info()).entries).toBe(0)
    for (const f of files) expect(await readFile(f, 'utf8')).toMatch(/^composite1:/)
    // Hits are held as well: regenerate into the store, look up with a hold, clear, read.
    const hold2 = store.hold()
    await resolveOutputs(ws, { report: report({ a: '1', b: '2' }), generator: gen(log) })
    const hit = await resolveOutputs(ws, { report: report({ a: '1', b: '2' }), generator: gen(log), hold: hold2 })
    expect(hit.cached).toBe(2)
    await other.clear()
    expect(await readFile(hit.outputs.get('a')!.entry.filePath('out.txt'), 'utf8')).toBe(`composite1:${'1'.repeat(64)}`)
    await hold.release()
    await hold2.release()
    for (const f of files) await expect(readFile(f)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('a cache folder that is a file: outputs generated outside it with one warning, nothing thrown', async () => {
    const cacheDir = path.join(tmp, 'is-a-file')
    await writeFile(cacheDir, 'not a folder\n')
    const log = path.join(tmp, 'file.log')
    const warnings: string[] = []
    const ws = wsAt(cacheDir)
    const r = await resolveOutputs(ws, { report: report({ a: '1', b: '2', c: '3' }), generator: gen(log), onWarning: (m) => warnings.push(m), concurrency: 3 })
    expect(r.generated).toBe(3)
    expect(r.noCache).toContain('is a file, not a folder')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(cacheDir)
    const f = r.outputs.get('b')!.entry.filePath('out.txt')
    expect(f.startsWith(tmpdir())).toBe(true)
    expect(f.startsWith(cacheDir)).toBe(false)
    expect(await readFile(f, 'utf8')).toBe(`composite1:${'2'.repeat(64)}`)
    expect(await readFile(cacheDir, 'utf8')).toBe('not a folder\n')
    await r.hold.release()
    await expect(readFile(f)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
