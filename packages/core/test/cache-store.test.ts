import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile, mkdir, symlink } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalStore } from '../src/cache/local-store.js'
import { cacheKey } from '../src/cache/key.js'
import { hashBytes } from '../src/digest/bytes.js'

let tmp: string
beforeAll(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'mops-cache-')) })
afterAll(async () => { await rm(tmp, { recursive: true, force: true }) })

const meta = (id = 'm') => ({ model_id: id, entrypoint: `pkg.mod:${id}`, digest: 'composite1:' + '0'.repeat(64), generator: { command: 'x' } })
const key = (n: number) => n.toString(16).padStart(64, '0')
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`

async function put(store: LocalStore, k: string, files: Record<string, string>) {
  const st = await store.stage(k)
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(st.outDir, rel)), { recursive: true })
    await writeFile(path.join(st.outDir, rel), text)
  }
  return st.commit(meta())
}

describe('cacheKey', () => {
  it('separates entrypoints, digests and generators', async () => {
    const base = { entrypoint: 'a.b:One', digest: 'composite1:' + 'a'.repeat(64), generator: { command: 'gen' } }
    const k = await cacheKey(base)
    expect(k).toMatch(/^[0-9a-f]{64}$/)
    expect(await cacheKey({ ...base })).toBe(k)
    expect(await cacheKey({ ...base, entrypoint: 'a.b:Two' })).not.toBe(k)
    expect(await cacheKey({ ...base, digest: 'composite1:' + 'b'.repeat(64) })).not.toBe(k)
    expect(await cacheKey({ ...base, generator: { command: 'gen2' } })).not.toBe(k)
  })
})

describe('LocalStore', () => {
  it('commits a staged folder atomically and restores it verified', async () => {
    const store = new LocalStore(path.join(tmp, 'a'))
    expect((await store.get(key(1))).status).toBe('miss')
    const entry = await put(store, key(1), { 'out.csv': 'a,b\n1,2\n', 'sub/x.json': '{}' })
    expect(entry.files).toEqual([
      { path: 'out.csv', bytes: 8, digest: await hashBytes('a,b\n1,2\n'), sha256: sha256('a,b\n1,2\n') },
      { path: 'sub/x.json', bytes: 2, digest: await hashBytes('{}'), sha256: sha256('{}') },
    ])
    const got = await store.get(key(1))
    expect(got.status).toBe('hit')
    if (got.status !== 'hit') return
    expect(await readFile(got.entry.filePath('sub/x.json'), 'utf8')).toBe('{}')
    expect(got.entry.meta.model_id).toBe('m')
    // Nothing left behind in staging.
    expect(await readdir(path.join(store.dir, 'staging'))).toEqual([])
  })

  it('reports a modified, truncated or missing file as corrupt, never as a hit', async () => {
    const store = new LocalStore(path.join(tmp, 'b'))
    const e = await put(store, key(2), { 'a.txt': 'hello', 'b.txt': 'world' })
    await writeFile(e.filePath('a.txt'), 'HELLO') // same size, other bytes
    expect(await store.get(key(2))).toMatchObject({ status: 'corrupt', reason: expect.stringContaining('a.txt has digest') })
    await writeFile(e.filePath('a.txt'), 'hell')
    expect(await store.get(key(2))).toMatchObject({ status: 'corrupt', reason: expect.stringContaining('a.txt has 4 bytes') })
    await rm(e.filePath('b.txt'))
    await writeFile(e.filePath('a.txt'), 'hello')
    expect(await store.get(key(2))).toMatchObject({ status: 'corrupt', reason: 'b.txt is missing' })
    await store.remove(key(2))
    expect((await store.get(key(2))).status).toBe('miss')
  })

  it('treats a folder without index or with a bad index as corrupt', async () => {
    const store = new LocalStore(path.join(tmp, 'c'))
    const e = await put(store, key(3), { 'a.txt': 'x' })
    const dir = path.dirname(path.dirname(e.filePath('a.txt')))
    await writeFile(path.join(dir, 'index.json'), '{"schema":')
    expect((await store.get(key(3))).status).toBe('corrupt')
    const idx = { schema: 'modelops-bundle/cache-entry@1', key: key(3), ...meta(), bytes: 1, files: [{ path: '../../escape', bytes: 1, digest: 'x' }] }
    await writeFile(path.join(dir, 'index.json'), JSON.stringify(idx))
    expect(await store.get(key(3))).toMatchObject({ status: 'corrupt', reason: expect.stringContaining('unsafe path') })
    await rm(path.join(dir, 'index.json'))
    expect(await store.get(key(3))).toMatchObject({ status: 'corrupt', reason: 'index.json is missing' })
  })

  it('refuses symlinks written by a generator and leaves nothing committed', async () => {
    const store = new LocalStore(path.join(tmp, 'd'))
    const st = await store.stage(key(4))
    await symlink('/etc/hostname', path.join(st.outDir, 'link'))
    await expect(st.commit(meta())).rejects.toMatchObject({ code: 'GENERATOR_FAILED' })
    await st.discard()
    expect((await store.get(key(4))).status).toBe('miss')
  })

  it('commits with `expect` only a folder that matches the index it came with (another tier\'s claim)', async () => {
    const store = new LocalStore(path.join(tmp, 'expect'))
    const claim = [
      { path: 'a.txt', bytes: 5, digest: await hashBytes('hello') },
      { path: 'b.txt', bytes: 5, digest: await hashBytes('world') },
    ]
    const attempt = async (files: Record<string, string>) => {
      const st = await store.stage(key(6))
      for (const [rel, text] of Object.entries(files)) await writeFile(path.join(st.outDir, rel), text)
      try {
        return await st.commit(meta(), { expect: claim })
      } finally {
        await st.discard()
      }
    }
    await expect(attempt({ 'a.txt': 'HELLO', 'b.txt': 'world' })).rejects.toMatchObject({ code: 'CACHE', message: expect.stringContaining('a.txt has digest') })
    await expect(attempt({ 'a.txt': 'hello' })).rejects.toMatchObject({ code: 'CACHE', message: expect.stringContaining('b.txt is missing') })
    await expect(attempt({ 'a.txt': 'hello', 'b.txt': 'world', 'c.txt': '' })).rejects.toMatchObject({ code: 'CACHE', message: expect.stringContaining('"c.txt" is not in the index') })
    await expect(attempt({ 'a.txt': 'hell', 'b.txt': 'world' })).rejects.toMatchObject({ code: 'CACHE', message: expect.stringContaining('a.txt has 4 bytes') })
    // Nothing of the refused attempts was committed or left in staging.
    expect((await store.get(key(6))).status).toBe('miss')
    expect(await readdir(path.join(store.dir, 'staging'))).toEqual([])
    const entry = await attempt({ 'a.txt': 'hello', 'b.txt': 'world' })
    expect(entry.files).toEqual(claim.map((f, i) => ({ ...f, sha256: sha256(['hello', 'world'][i]!) })))
    expect((await store.get(key(6))).status).toBe('hit')
  })

  it('keeps the first commit when the same key is committed twice', async () => {
    const store = new LocalStore(path.join(tmp, 'e'))
    const s1 = await store.stage(key(5))
    const s2 = await store.stage(key(5))
    await writeFile(path.join(s1.outDir, 'f'), 'one')
    await writeFile(path.join(s2.outDir, 'f'), 'two')
    await s1.commit(meta())
    const e2 = await s2.commit(meta())
    expect(await readFile(e2.filePath('f'), 'utf8')).toBe('one')
  })

  it('evicts least-recently-used entries down to maxBytes, sparing kept keys; info and clear', async () => {
    const store = new LocalStore(path.join(tmp, 'f'))
    for (let i = 10; i < 14; i++) {
      const e = await put(store, key(i), { data: 'x'.repeat(100) })
      const idx = path.join(path.dirname(path.dirname(e.filePath('data'))), 'index.json')
      const t = new Date(Date.UTC(2026, 0, 1 + i)) // key(10) oldest
      await utimes(idx, t, t)
    }
    // A hit refreshes the LRU time: key(10) becomes the newest.
    expect((await store.get(key(10))).status).toBe('hit')
    const info = await store.info()
    expect(info).toMatchObject({ entries: 4, bytes: 400 })
    expect(info.list.map((e) => e.key)).toEqual([key(11), key(12), key(13), key(10)])
    const pruned = await store.prune({ maxBytes: 250, keep: [key(11)] })
    expect(pruned).toMatchObject({ removed: 2, freed: 200 })
    expect((await store.info()).list.map((e) => e.key).sort()).toEqual([key(10), key(11)])
    expect(await store.clear()).toMatchObject({ removed: 2, freed: 200 })
    expect((await store.info()).entries).toBe(0)
  })

  it('a hold keeps one folder per key: looked up again it is reused, and re-linked when the entry was replaced', async () => {
    const store = new LocalStore(path.join(tmp, 'repin'))
    await put(store, key(30), { 'a.txt': 'first', 'sub/b.txt': 'b' })
    const hold = store.hold()
    const one = await store.get(key(30), { hold })
    const two = await store.get(key(30), { hold })
    if (one.status !== 'hit' || two.status !== 'hit') throw new Error('expected hits')
    expect(two.entry.filePath('a.txt')).toBe(one.entry.filePath('a.txt'))
    const ino = (await stat(one.entry.filePath('a.txt'))).ino
    // Regenerated under the same key (dropped as corrupt, committed again): new inodes, so the hold links them anew.
    await store.remove(key(30))
    await put(store, key(30), { 'a.txt': 'again', 'sub/b.txt': 'b' })
    const three = await store.get(key(30), { hold })
    if (three.status !== 'hit') throw new Error('expected a hit')
    expect(three.entry.filePath('a.txt')).toBe(one.entry.filePath('a.txt'))
    expect(await readFile(three.entry.filePath('a.txt'), 'utf8')).toBe('again')
    expect((await stat(three.entry.filePath('a.txt'))).ino).not.toBe(ino)
    const holdDir = path.dirname(path.dirname(three.entry.filePath('a.txt')))
    await expect.poll(() => readdir(holdDir)).toEqual([key(30)])
    await hold.release()
  })

  it('prune and clear remove the holds of dead processes, never a live one', async () => {
    const store = new LocalStore(path.join(tmp, 'holds'))
    await put(store, key(20), { 'a.txt': 'a' })
    const hold = store.hold()
    const hit = await store.get(key(20), { hold })
    expect(hit.status).toBe('hit')
    const held = path.join(tmp, 'holds', 'outputs-v1', 'held')
    // A build killed with SIGKILL left its hold behind (pid 2^22+1 is above Linux's pid_max).
    const dead = path.join(held, `${hostname()}.4194305.deadbeef`)
    await mkdir(path.join(dead, key(20)), { recursive: true })
    await store.clear()
    const left = await readdir(held)
    expect(left).not.toContain(path.basename(dead))
    expect(left).toHaveLength(1)
    expect(await readFile((hit as { entry: { filePath(p: string): string } }).entry.filePath('a.txt'), 'utf8')).toBe('a')
    await hold.release()
    expect(await readdir(held)).toEqual([])
  })
})

