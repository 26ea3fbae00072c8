// The persistent stat cache: hits on unchanged files, misses on any identity change, the racy-timestamp rule.
import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { digestPaths, type EngineOptions, type PathRequest } from '../src/digest/engine.js'
import { computeDigests } from '../src/digest/compute.js'
import { hashBytes } from '../src/digest/bytes.js'
import { makeProject, model, registry, tempDir, write } from './digest-helpers.js'
import type { Project } from '../src/project/project.js'
import { Workspace } from '../src/workspace/workspace.js'

let root: string
let cleanup: () => void
let project: Project
beforeEach(() => {
  ;({ dir: root, cleanup } = tempDir())
  project = makeProject(root)
  write(root, 'data/a.csv', 'aaaa')
  write(root, 'data/b.csv', 'bbbb')
  write(root, 'data/dir/c.csv', 'cccc')
})
afterEach(() => cleanup())

const reqs: PathRequest[] = [
  { rel: 'data/a.csv', mode: 'data' },
  { rel: 'data/b.csv', mode: 'data' },
  { rel: 'data/dir', mode: 'data' },
]
// Small margin so the test need not wait seconds; files are written well before each pass.
const opts: EngineOptions = { racyMarginMs: 20 }
const ws = () => Workspace.of(project, { cacheDir: 'node_modules/.cache/modelops-bundle' })
const cacheFile = () => join(root, 'node_modules/.cache/modelops-bundle/stat-cache.json')
const treesFile = () => join(root, 'node_modules/.cache/modelops-bundle/stat-cache-trees.json')
const rowsIn = (file: string) => Object.keys(JSON.parse(readFileSync(file, 'utf8')).entries)
const run = (o: EngineOptions = opts, r = reqs) => digestPaths(project, r, { cacheDir: join(root, 'node_modules/.cache/modelops-bundle'), ...o })
const digestsOf = (res: Awaited<ReturnType<typeof run>>) => [...res.results.values()].map((d) => d.digest)

describe('stat cache', () => {
  it('a warm pass over unchanged files reads nothing', async () => {
    await sleep(60)
    const cold = await run()
    expect(cold.stats).toEqual({ files: 3, cacheHits: 0, hashed: 3, pooled: 0 })
    expect(existsSync(cacheFile())).toBe(true)
    const warm = await run()
    expect(warm.stats).toEqual({ files: 3, cacheHits: 3, hashed: 0, pooled: 0 })
    expect(digestsOf(warm)).toEqual(digestsOf(cold))
  })

  it('any change of size, mtime or ctime is a miss (same-size edit with the old mtime restored)', async () => {
    await sleep(60)
    await run()
    const st = statSync(join(root, 'data/a.csv'))
    writeFileSync(join(root, 'data/a.csv'), 'AAAA') // same size
    utimesSync(join(root, 'data/a.csv'), st.atime, st.mtime) // mtime back; ctime moves anyway
    await sleep(60)
    const r = await run()
    expect(r.stats).toMatchObject({ cacheHits: 2, hashed: 1 })
    expect(r.results.get('data\0data/a.csv')!.digest).toBe(await hashBytes('AAAA'))
  })

  it('racy: a file modified within the margin of the pass is not trusted next time', async () => {
    // The files are younger than this margin however slow the machine is.
    const racy = { racyMarginMs: 600_000 }
    const first = await run(racy)
    expect(first.stats.hashed).toBe(3)
    const second = await run(racy)
    expect(second.stats).toMatchObject({ cacheHits: 0, hashed: 3 })
    // Once they are old enough relative to a pass, they are cached.
    await sleep(60)
    await run()
    expect((await run()).stats).toMatchObject({ cacheHits: 3, hashed: 0 })
  })

  it('racy: same size, same mtime, different content is caught when the entry was racy', async () => {
    const f = join(root, 'data/a.csv')
    const st = statSync(f)
    await run({ racyMarginMs: 600_000 }) // a.csv counts as just written: its entry must not be stored
    writeFileSync(f, 'ZZZZ')
    utimesSync(f, st.atime, st.mtime)
    const r = await run({ racyMarginMs: 600_000 })
    expect(r.results.get('data\0data/a.csv')!.digest).toBe(await hashBytes('ZZZZ'))
  })

  it('is keyed by algorithm: the same path as data (bytes) and as code (semantic) are separate entries', async () => {
    write(root, 'src/m.py', 'x = 1\n')
    await sleep(60)
    await run(opts, [{ rel: 'src/m.py', mode: 'data' }])
    const asCode = await run(opts, [{ rel: 'src/m.py', mode: 'code' }])
    expect(asCode.stats).toMatchObject({ cacheHits: 0, hashed: 1 })
  })

  it('a corrupt cache file is replaced, with a warning', async () => {
    await sleep(60)
    await run()
    writeFileSync(cacheFile(), '{ not json')
    const r = await run()
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'CACHE_RESET' })])
    // The directory's memo went with the main file; the rows of its files (the second file) still answer.
    expect(r.stats).toMatchObject({ hashed: 2, cacheHits: 1 })
    expect(JSON.parse(readFileSync(cacheFile(), 'utf8')).format).toBe('modelops-bundle/stat-cache@2')
  })

  it('honours cacheDir, and cacheDir: false writes nothing', async () => {
    await sleep(60)
    await run({ ...opts, cacheDir: join(root, 'elsewhere') })
    expect(existsSync(join(root, 'elsewhere/stat-cache.json'))).toBe(true)
    await run({ ...opts, cacheDir: false })
    expect(existsSync(cacheFile())).toBe(false)
  })

  it('concurrent passes each write a whole cache file (last one wins, nothing torn)', async () => {
    for (let i = 0; i < 20; i++) write(root, `data/many/f${i}.csv`, `${i}`)
    await sleep(60)
    const many = [...reqs, { rel: 'data/many', mode: 'data' as const }]
    const runs = await Promise.all(Array.from({ length: 6 }, () => run(opts, many)))
    for (const r of runs) expect(digestsOf(r)).toEqual(digestsOf(runs[0]!))
    expect(rowsIn(cacheFile())).toHaveLength(2)
    expect(rowsIn(treesFile())).toHaveLength(21)
    expect((await run(opts, many)).stats).toMatchObject({ cacheHits: 23, hashed: 0 })
  })

  it('computeDigests prunes rows of files no longer listed, and its warm pass is all hits', async () => {
    const reg = registry({ m: model('data/a.csv', { data: ['data/b.csv'] }) })
    await sleep(60)
    await computeDigests(ws(), reg, { racyMarginMs: 20 })
    const rows = () => Object.keys(JSON.parse(readFileSync(cacheFile(), 'utf8')).entries).map((k) => k.split('\0')[1])
    expect(rows().sort()).toEqual(['data/a.csv', 'data/b.csv'])
    reg.models.m!.data = []
    const warm = await computeDigests(ws(), reg, { racyMarginMs: 20 })
    expect(warm.stats).toMatchObject({ cacheHits: 1, hashed: 0 })
    expect(rows()).toEqual(['data/a.csv'])
  })

  it('a warm pass over an unchanged directory reads none of its files\' rows', async () => {
    await sleep(60)
    await run()
    // Unreadable rows of the files inside directories: a warm pass must not even open that file.
    writeFileSync(treesFile(), '{ not json')
    const warm = await run()
    expect(warm.stats).toEqual({ files: 3, cacheHits: 3, hashed: 0, pooled: 0 })
    expect(warm.warnings).toEqual([])
  })

  it('a directory memo misses on any change inside: same-size edit with mtime restored, a new file, a removed file', async () => {
    await sleep(60)
    const cold = await run()
    const c = join(root, 'data/dir/c.csv')
    const st = statSync(c)
    writeFileSync(c, 'CCCC')
    utimesSync(c, st.atime, st.mtime)
    await sleep(60)
    const edited = await run()
    expect(edited.stats).toMatchObject({ hashed: 1, cacheHits: 2 })
    expect(edited.results.get('data\0data/dir')!.digest).not.toBe(cold.results.get('data\0data/dir')!.digest)
    write(root, 'data/dir/d.csv', 'dddd')
    await sleep(60)
    const added = await run()
    expect(added.stats).toMatchObject({ hashed: 1 })
    expect(added.results.get('data\0data/dir')!.digest).not.toBe(edited.results.get('data\0data/dir')!.digest)
    rmSync(join(root, 'data/dir/d.csv'))
    const removed = await run()
    expect(removed.results.get('data\0data/dir')!.digest).toBe(edited.results.get('data\0data/dir')!.digest)
  })

  it('pruning keeps the rows of a directory whose memo hit', async () => {
    write(root, 'data/other/x.csv', 'xxxx')
    const both = [...reqs, { rel: 'data/other', mode: 'data' as const }]
    await sleep(60)
    await run({ ...opts, pruneCache: true }, both)
    // data/other changes (its rows are read), data/dir does not (memo hit): prune must keep data/dir's rows.
    write(root, 'data/other/y.csv', 'yyyy')
    await sleep(60)
    await run({ ...opts, pruneCache: true }, both)
    expect(rowsIn(treesFile()).map((k) => k.split('\0')[1]).sort()).toEqual(['data/dir/c.csv', 'data/other/x.csv', 'data/other/y.csv'])
    writeFileSync(join(root, 'data/dir/c.csv'), 'C2C2')
    await sleep(60)
    expect((await run(opts, both)).stats).toMatchObject({ hashed: 1 })
  })
})
