// The per-key cross-process locks of the local store (proper-lockfile folders beside an owner file), so concurrent
// builds generate or pull each key once, and a killed build's lock is taken over without waiting out its staleness.
import { readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { lock as LockFn } from 'proper-lockfile'
import { ModelopsError } from '../errors.js'
import { pidAlive } from '../util/process.js'

let lockModule: Promise<typeof LockFn> | undefined
/** proper-lockfile (and the graceful-fs it patches in) loads only when a key must be generated: ~17 ms a warm build never pays. */
function properLockfile(): Promise<typeof LockFn> {
  lockModule ??= import('proper-lockfile').then((m) => (m.default ?? m).lock)
  return lockModule
}

/**
 * Run `fn` holding `key`'s cross-process lock in the folder `locks` (waiting for another holder up to `timeout`), so
 * concurrent builds generate each key once. A lock taken over while held (its holder looked dead) is reported through
 * `onWarning` after `fn`.
 */
export async function withKeyLock<T>(locks: string, key: string, fn: () => Promise<T>, options: { signal?: AbortSignal; timeout?: number; onWarning?: (message: string) => void } = {}): Promise<T> {
  await mkdir(locks, { recursive: true })
  const target = path.join(locks, key)
  const deadline = Date.now() + (options.timeout ?? 30 * 60 * 1000)
  let release: (() => Promise<void>) | undefined
  let compromised: Error | undefined
  // `<key>.lock.owner` names the lock's holder: a holder on this host whose pid is gone (kill -9) is taken over
  // at once, not after the 30 s stale period; a live holder never is, and holders on other hosts keep the mtime rule.
  let holderDead = false
  for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
    options.signal?.throwIfAborted()
    try {
      release = await (await properLockfile())(target, {
        realpath: false,
        lockfilePath: `${target}.lock`,
        // The holder refreshes the lock every 5 s (2 s once it took a dead one's) while it generates; a lock untouched
        // for 30 s belongs to a dead process. A dead holder's lock counts as stale after 2 s without a refresh.
        stale: holderDead ? 2_000 : 30_000,
        update: holderDead ? 1_000 : 5_000,
        onCompromised: (err) => { compromised = err },
      })
      writeOwner(`${target}.lock`)
      break
    } catch (err) {
      if ((err as { code?: string }).code !== 'ELOCKED') throw err
      holderDead = lockHolderDead(`${target}.lock`)
      if (Date.now() > deadline) {
        throw new ModelopsError('LOCK_TIMEOUT', `timed out waiting for another build to generate cache entry ${key.slice(0, 12)}`, {
          file: `${target}.lock`,
          hint: 'If no other build is running, remove the lock folder.',
        })
      }
      await sleep(wait + Math.random() * wait)
    }
  }
  try {
    return await fn()
  } finally {
    // Owner first: a waiter must never read our pid beside a lock someone else holds by then.
    await rm(`${target}.lock.owner`, { force: true }).catch(() => {})
    await release().catch(() => {})
    if (compromised) options.onWarning?.(`cache lock for ${key.slice(0, 12)} was taken over while held: ${compromised.message}`)
  }
}

/** Run `fn` under `key`'s lock if nobody holds it right now; undefined (fn not run) if a build does. */
export async function tryKeyLock<T>(locks: string, key: string, fn: () => Promise<T>): Promise<T | undefined> {
  const target = path.join(locks, key)
  await mkdir(path.dirname(target), { recursive: true })
  let release: () => Promise<void>
  try {
    release = await (await properLockfile())(target, { realpath: false, lockfilePath: `${target}.lock`, stale: 30_000, onCompromised: () => {} })
  } catch {
    return undefined
  }
  try {
    return await fn()
  } finally {
    await release().catch(() => {})
  }
}

/**
 * Record this process as the holder of the lock folder `lockDir` in `<lockDir>.owner` (beside it: proper-lockfile
 * removes its folder with rmdir). Best effort: without it, waiters use the mtime rule.
 */
function writeOwner(lockDir: string): void {
  try {
    writeFileSync(`${lockDir}.owner`, `${JSON.stringify({ pid: process.pid, host: hostname() })}\n`)
  } catch {
    // A read-only or full cache: waiters fall back to the 30 s stale rule.
  }
}

/** Is the lock `lockDir` held by a process of this host that no longer runs? Unknown holders are not dead. */
function lockHolderDead(lockDir: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(`${lockDir}.owner`, 'utf8')) as { pid?: unknown; host?: unknown }
    return typeof owner.pid === 'number' && owner.host === hostname() && !pidAlive(owner.pid)
  } catch {
    return false
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
