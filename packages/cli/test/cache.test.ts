// `mops-bundle cache verify`: the built CLI as a child process on a real store made by the core's LocalStore.
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LocalStore } from '@modelops-bundle/core'
import { describe, expect, it } from 'vitest'
import { run, show, tempDir } from './helpers.js'

const key = (c: string) => c.repeat(64)

/** A store with entries `a` and `b` (two files each), committed the way a build commits them. */
async function store(dir: string): Promise<{ store: LocalStore; file: (k: string, rel: string) => string }> {
  const s = new LocalStore(dir)
  for (const [k, id] of [[key('a'), 'm_a'], [key('b'), 'm_b']] as const) {
    const st = await s.stage(k)
    writeFileSync(join(st.outDir, 'result.txt'), `${id} `.repeat(5000))
    writeFileSync(join(st.outDir, 'small.json'), `{"id":"${id}"}\n`)
    await st.commit({ model_id: id, entrypoint: `models.m:${id}`, digest: 'composite1:x', generator: { command: 'x' } })
  }
  return { store: s, file: (k, rel) => join(s.dir, 'entries', k.slice(0, 2), k, 'files', rel) }
}

describe('cache verify', { timeout: 120_000 }, () => {
  it('hashes every entry, drops one whose bytes changed behind a restored mtime, exit 1; then exit 0', async () => {
    const cacheDir = tempDir()
    const { store: s, file } = await store(cacheDir)
    // The case stat stamps cannot see: same size, same inode, mtime put back.
    const f = file(key('b'), 'result.txt')
    const st = statSync(f)
    const bytes = readFileSync(f)
    bytes[100] = bytes[100]! ^ 0x01
    writeFileSync(f, bytes)
    utimesSync(f, st.atime, st.mtime)

    const r = await run(['cache', 'verify', '--cache-dir', cacheDir], { cwd: cacheDir })
    expect(r.code, show(r)).toBe(1)
    expect(r.stdout).toMatch(/bbbbbbbbbbbb\s+m_b\s+dropped: result\.txt has digest blake2b256:[0-9a-f]{64}, index says/)
    expect(r.stderr).toContain('Verified 2 entries')
    expect(r.stderr).toContain('1 intact, 1 corrupt dropped')
    const info = await s.info()
    expect(info.list.map((e) => e.model_id)).toEqual(['m_a'])

    const again = await run(['cache', 'verify', '--cache-dir', cacheDir, '--json'], { cwd: cacheDir })
    expect(again.code, show(again)).toBe(0)
    const json = JSON.parse(again.stdout)
    expect(json).toMatchObject({ checked: 1, ok: 1, dropped: 0, busy: 0 })
    expect(json.entries).toEqual([{ key: key('a'), model_id: 'm_a', bytes: expect.any(Number), status: 'ok' }])
  })

  it('a garbled index is dropped; an entry whose lock a build holds is skipped (busy), not dropped', async () => {
    const cacheDir = tempDir()
    const { store: s } = await store(cacheDir)
    writeFileSync(join(s.dir, 'entries', 'aa', key('a'), 'index.json'), '{"schema": garbage')
    let r!: Awaited<ReturnType<typeof run>>
    await s.withLock(key('b'), async () => {
      r = await run(['cache', 'verify', '--cache-dir', cacheDir, '--json'], { cwd: cacheDir })
    })
    expect(r.code, show(r)).toBe(1)
    const json = JSON.parse(r.stdout)
    expect(json).toMatchObject({ checked: 1, ok: 0, dropped: 1, busy: 1 })
    expect(json.entries.find((e: { key: string }) => e.key === key('a'))).toMatchObject({ status: 'dropped', reason: 'index.json is not valid JSON' })
    expect(json.entries.find((e: { key: string }) => e.key === key('b'))).toMatchObject({ status: 'busy' })
    expect((await s.info()).list.map((e) => e.model_id)).toEqual(['m_b'])
  })
})
