// Cache key locks across processes: a holder killed with SIGKILL is taken over at once; a live holder never is.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalStore } from '../src/cache/local-store.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const KEY = 'c'.repeat(64)
let tmp: string
beforeAll(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'mops-lock-')) })
afterAll(async () => { await rm(tmp, { recursive: true, force: true }) })

/** A child process that takes the key's lock, prints LOCKED, holds it `holdMs` (forever if 0), then prints RELEASED. */
async function holder(dir: string, holdMs: number): Promise<{ child: ChildProcess; out: () => string }> {
  const script = path.join(tmp, `holder-${holdMs}.mts`)
  const src = pathToFileURL(path.join(here, '../src/cache/local-store.ts')).href
  await writeFile(script, `
    import { LocalStore } from ${JSON.stringify(src)}
    const warnings = []
    const store = new LocalStore(${JSON.stringify(dir)}, { onWarning: (m) => warnings.push(m) })
    await store.withLock(${JSON.stringify(KEY)}, async () => {
      console.log('LOCKED')
      await new Promise((r) => setTimeout(r, ${holdMs} || 1e9))
    })
    console.log('RELEASED ' + JSON.stringify(warnings))
  `)
  const tsx = path.join(here, '../../../node_modules/tsx/dist/esm/index.mjs')
  const child = spawn(process.execPath, ['--import', pathToFileURL(tsx).href, script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d })
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => { if (out.includes('LOCKED')) { clearInterval(t); resolve() } }, 20)
    child.on('exit', (code) => { clearInterval(t); reject(new Error(`holder exited (${code}) before locking: ${out}`)) })
  })
  return { child, out: () => out }
}

describe('cache key locks', () => {
  it('a holder killed with SIGKILL on this host is taken over within seconds, not after the 30 s stale period', async () => {
    const dir = path.join(tmp, 'killed')
    const { child } = await holder(dir, 0)
    const exited = new Promise((r) => child.on('exit', r))
    child.kill('SIGKILL')
    await exited
    const start = Date.now()
    const ran = await new LocalStore(dir).withLock(KEY, async () => true)
    const waited = Date.now() - start
    expect(ran).toBe(true)
    // The stale rule alone waits 25-30 s after a kill (the lock's mtime is refreshed every 5 s); pid liveness: about 2 s.
    expect(waited).toBeLessThan(15_000)
  }, 60_000)

  it('a live holder keeps its lock: the waiter gets it only after the release, and the holder is never compromised', async () => {
    const dir = path.join(tmp, 'live')
    const { child, out } = await holder(dir, 3_000)
    const exited = new Promise((r) => child.on('exit', r))
    let sawRelease = false
    await new LocalStore(dir).withLock(KEY, async () => { sawRelease = out().includes('RELEASED') })
    await exited
    expect(sawRelease, 'the waiter ran only after the holder released').toBe(true)
    expect(out()).toContain('RELEASED []')
  }, 60_000)
})
