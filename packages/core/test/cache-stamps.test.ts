// Stat stamps: a warm lookup trusts a file whose (device, inode, size, mtime) is the one recorded when it was last
// hashed, hashes everything else, and never records a stamp whose mtime is within the racy margin.
import { existsSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalStore, type LocalStoreStats } from '../src/cache/local-store.js'
import { STAMPS_FILE } from '../src/cache/stamps.js'

let tmp: string
beforeAll(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'mops-stamps-')) })
afterAll(async () => { await rm(tmp, { recursive: true, force: true }) })

const meta = { model_id: 'm', entrypoint: 'pkg.mod:M', digest: 'composite1:' + '0'.repeat(64), generator: { command: 'x' } }
const key = (n: number) => n.toString(16).padStart(64, '0')
/** Whole seconds, so utimes restores the exact mtime (ns) a stamp recorded. */
const longAgo = new Date(Date.UTC(2026, 0, 1, 12, 0, 0))

async function put(store: LocalStore, k: string, files: Record<string, string>) {
  const st = await store.stage(k)
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(st.outDir, rel)), { recursive: true })
    await writeFile(path.join(st.outDir, rel), text)
  }
  const entry = await st.commit(meta)
  const entryDir = path.dirname(path.dirname(entry.filePath(Object.keys(files)[0]!)))
  return { entry, entryDir, file: (rel: string) => entry.filePath(rel) }
}

/** What a lookup did, as the change of the store's counters. */
async function lookup(store: LocalStore, k: string, hold?: ReturnType<LocalStore['hold']>) {
  const before: LocalStoreStats = { ...store.stats }
  const result = await store.get(k, hold ? { hold } : {})
  const d = (f: keyof LocalStoreStats) => store.stats[f] - before[f]
  return { result, trusted: d('trusted'), hashed: d('hashed'), hashedBytes: d('hashedBytes'), stampWrites: d('stampWrites') }
}

describe('stat stamps', () => {
  it('a fresh entry is racy: hashed on lookup; once its files are older than the margin, stamped and then trusted', async () => {
    const store = new LocalStore(path.join(tmp, 'a'))
    const { entryDir, file } = await put(store, key(1), { 'a.txt': 'alpha', 'sub/b.txt': 'beta' })
    // Just written: a same-tick edit could keep the mtime, so nothing is recorded (not at commit, not now).
    expect(existsSync(path.join(entryDir, STAMPS_FILE))).toBe(false)
    expect(await lookup(store, key(1))).toMatchObject({ result: { status: 'hit' }, trusted: 0, hashed: 2, stampWrites: 0 })
    expect(existsSync(path.join(entryDir, STAMPS_FILE))).toBe(false)

    for (const rel of ['a.txt', 'sub/b.txt']) utimesSync(file(rel), longAgo, longAgo)
    expect(await lookup(store, key(1))).toMatchObject({ result: { status: 'hit' }, trusted: 0, hashed: 2, hashedBytes: 9, stampWrites: 1 })
    expect(existsSync(path.join(entryDir, STAMPS_FILE))).toBe(true)
    // Warm: one stat per file, no hashing, no writes; through a hold too (its hard links share the inode).
    expect(await lookup(store, key(1))).toMatchObject({ result: { status: 'hit' }, trusted: 2, hashed: 0, stampWrites: 0 })
    const hold = store.hold()
    const held = await lookup(store, key(1), hold)
    expect(held).toMatchObject({ result: { status: 'hit' }, trusted: 2, hashed: 0, stampWrites: 0 })
    if (held.result.status === 'hit') expect(readFileSync(held.result.entry.filePath('sub/b.txt'), 'utf8')).toBe('beta')
    await hold.release()
  })

  it('an artifact edited in place (same size, new mtime) is hashed and reported corrupt', async () => {
    const store = new LocalStore(path.join(tmp, 'b'))
    const { file } = await put(store, key(2), { 'a.txt': 'hello', 'b.txt': 'world' })
    for (const rel of ['a.txt', 'b.txt']) utimesSync(file(rel), longAgo, longAgo)
    expect(await lookup(store, key(2))).toMatchObject({ result: { status: 'hit' }, stampWrites: 1 })
    writeFileSync(file('a.txt'), 'HELLO') // same inode, same size, mtime now
    const got = await lookup(store, key(2))
    expect(got.result).toMatchObject({ status: 'corrupt', reason: expect.stringContaining('a.txt has digest') })
    expect(got.hashed).toBe(1)
    // An edit whose mtime is old but not the stamped one is caught as well.
    utimesSync(file('a.txt'), new Date(longAgo.getTime() + 1000), new Date(longAgo.getTime() + 1000))
    expect((await store.get(key(2))).status).toBe('corrupt')
  })

  it('trusts an edit that restores size, inode and the exact stamped mtime (documented); verify: digest catches it', async () => {
    const dir = path.join(tmp, 'c')
    const store = new LocalStore(dir)
    const { file } = await put(store, key(3), { 'a.txt': 'hello' })
    utimesSync(file('a.txt'), longAgo, longAgo)
    expect(await lookup(store, key(3))).toMatchObject({ result: { status: 'hit' }, stampWrites: 1 })
    const ino = statSync(file('a.txt')).ino
    writeFileSync(file('a.txt'), 'HELLO')
    utimesSync(file('a.txt'), longAgo, longAgo)
    expect(statSync(file('a.txt')).ino).toBe(ino)
    // The stat rule cannot see this (as for input files, and git): served as a hit, without hashing.
    const trusted = await lookup(store, key(3))
    expect(trusted).toMatchObject({ result: { status: 'hit' }, trusted: 1, hashed: 0 })
    if (trusted.result.status === 'hit') expect(readFileSync(trusted.result.entry.filePath('a.txt'), 'utf8')).toBe('HELLO')
    // A store that hashes every lookup does not trust stamps.
    const strict = new LocalStore(dir, { verify: 'digest' })
    expect(await lookup(strict, key(3))).toMatchObject({ result: { status: 'corrupt', reason: expect.stringContaining('a.txt has digest') }, hashed: 1 })
  })

  it('a file replaced by another inode is hashed again; a racy re-stamp drops the old stamp', async () => {
    const store = new LocalStore(path.join(tmp, 'd'))
    const { entryDir, file } = await put(store, key(4), { 'a.txt': 'same' })
    utimesSync(file('a.txt'), longAgo, longAgo)
    await lookup(store, key(4))
    const before = readFileSync(path.join(entryDir, STAMPS_FILE), 'utf8')
    // Same bytes, same mtime, new inode (an editor's save-by-rename, a restore from backup).
    writeFileSync(`${file('a.txt')}.new`, 'same')
    utimesSync(`${file('a.txt')}.new`, longAgo, longAgo)
    renameSync(`${file('a.txt')}.new`, file('a.txt'))
    expect(await lookup(store, key(4))).toMatchObject({ result: { status: 'hit' }, trusted: 0, hashed: 1, stampWrites: 1 })
    expect(readFileSync(path.join(entryDir, STAMPS_FILE), 'utf8')).not.toBe(before)
    expect(await lookup(store, key(4))).toMatchObject({ trusted: 1, hashed: 0 })
    // Touched now: hashed, and its stamp (racy) removed rather than refreshed.
    writeFileSync(file('a.txt'), 'same')
    expect(await lookup(store, key(4))).toMatchObject({ result: { status: 'hit' }, hashed: 1, stampWrites: 1 })
    expect(JSON.parse(readFileSync(path.join(entryDir, STAMPS_FILE), 'utf8')).stamps).toEqual({})
    expect(await lookup(store, key(4))).toMatchObject({ hashed: 1, stampWrites: 0 })
  })

  it('a stamp vouches only for the digest it was recorded with; a garbled sidecar is ignored', async () => {
    const store = new LocalStore(path.join(tmp, 'e'))
    const { entryDir, file } = await put(store, key(5), { 'a.txt': 'one' })
    utimesSync(file('a.txt'), longAgo, longAgo)
    await lookup(store, key(5))
    const sidecar = path.join(entryDir, STAMPS_FILE)
    // A stamp carrying another digest than the index (a forged or stale sidecar) is not a match.
    writeFileSync(sidecar, readFileSync(sidecar, 'utf8').replace(/blake2b256:[0-9a-f]{64}/, `blake2b256:${'0'.repeat(64)}`))
    expect(await lookup(store, key(5))).toMatchObject({ result: { status: 'hit' }, trusted: 0, hashed: 1, stampWrites: 1 })
    expect(await lookup(store, key(5))).toMatchObject({ trusted: 1, hashed: 0 })
    writeFileSync(sidecar, '{"schema": garbage')
    expect(await lookup(store, key(5))).toMatchObject({ result: { status: 'hit' }, trusted: 0, hashed: 1, stampWrites: 1 })
    expect(await lookup(store, key(5))).toMatchObject({ trusted: 1, hashed: 0 })
  })

  it('a file with an mtime in the future is never stamped', async () => {
    const store = new LocalStore(path.join(tmp, 'f'))
    const { entryDir, file } = await put(store, key(6), { 'a.txt': 'later' })
    const future = new Date(Date.now() + 3600_000)
    utimesSync(file('a.txt'), future, future)
    expect(await lookup(store, key(6))).toMatchObject({ result: { status: 'hit' }, hashed: 1, stampWrites: 0 })
    expect(await lookup(store, key(6))).toMatchObject({ hashed: 1 })
    expect(existsSync(path.join(entryDir, STAMPS_FILE))).toBe(false)
  })

  it('a commit stamps files whose mtime is already old (e.g. copied with cp -p)', async () => {
    const store = new LocalStore(path.join(tmp, 'g'))
    const st = await store.stage(key(7))
    writeFileSync(path.join(st.outDir, 'old.txt'), 'kept')
    utimesSync(path.join(st.outDir, 'old.txt'), longAgo, longAgo)
    writeFileSync(path.join(st.outDir, 'new.txt'), 'fresh')
    const before = store.stats.stampWrites
    await st.commit(meta)
    expect(store.stats.stampWrites - before).toBe(1)
    expect(await lookup(store, key(7))).toMatchObject({ result: { status: 'hit' }, trusted: 1, hashed: 1, stampWrites: 0 })
  })
})
