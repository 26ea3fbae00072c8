// A lock file created atomically (link() of a fully written temp file, so it is never seen half-written) holding
// the owner's pid and host. A waiter breaks the lock at once when that pid is dead on this host (a killed CLI must
// not stall the next one), never while it is alive there, and after `staleMs` without a heartbeat for owners on
// another host (a shared disk).
// proper-lockfile only knows the mtime rule, so every kill would cost a full stale period.
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ModelopsError } from '../errors.js'
import { pidAlive } from '../util/process.js'
import { BUNDLE_DIR } from './constants.js'
import type { Project } from './project.js'

export const LOCK_FILE = 'project.lock'

export interface LockOptions {
  /** Give up with LOCK_TIMEOUT after waiting this long (ms). Default 30 000. */
  timeoutMs?: number
  /** A lock whose heartbeat is older than this is stale even if its owner's pid cannot be checked (ms). Default 30 000. */
  staleMs?: number
}

interface Owner {
  pid: number
  host: string
  token: string
  since: string
}

const held = new AsyncLocalStorage<Set<string>>()
const inProcess = new Map<string, Promise<unknown>>()

/** Run `fn` holding the project's cross-process lock (stale locks from killed processes are recovered). */
export async function withProjectLock<T>(project: Project, fn: () => Promise<T> | T, options: LockOptions = {}): Promise<T> {
  const lockPath = path.join(project.dir, LOCK_FILE)
  // Re-entrant within one async call chain (e.g. a command that holds the lock and calls updateRegistry).
  if (held.getStore()?.has(lockPath)) return fn()
  // Callers in one process queue here first, so the file lock only arbitrates between processes.
  const previous = inProcess.get(lockPath) ?? Promise.resolve()
  let release!: () => void
  const mine = new Promise<void>((resolve) => (release = resolve))
  const tail = previous.then(() => mine)
  inProcess.set(lockPath, tail)
  try {
    await previous.catch(() => {})
    const token = await acquire(lockPath, project, options)
    const heartbeat = setInterval(() => {
      const now = new Date()
      fs.utimes(lockPath, now, now).catch(() => {})
    }, Math.max(1000, (options.staleMs ?? 30_000) / 4))
    heartbeat.unref()
    try {
      const store = new Set(held.getStore() ?? [])
      store.add(lockPath)
      return await held.run(store, fn)
    } finally {
      clearInterval(heartbeat)
      await releaseLock(lockPath, token)
    }
  } finally {
    release()
    if (inProcess.get(lockPath) === tail) inProcess.delete(lockPath)
  }
}

async function acquire(lockPath: string, project: Project, options: LockOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 30_000
  const staleMs = options.staleMs ?? 30_000
  await fs.mkdir(path.dirname(lockPath), { recursive: true })
  const owner: Owner = { pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex'), since: new Date().toISOString() }
  const body = `${JSON.stringify(owner)}\n`
  const deadline = Date.now() + timeoutMs
  let delay = 5
  let lastOwner: Owner | undefined
  for (;;) {
    if (await tryCreate(lockPath, body)) return owner.token
    const current = await readOwner(lockPath)
    if (current === 'gone') continue
    lastOwner = current ?? lastOwner
    if (await isStale(lockPath, current, staleMs)) {
      await breakStale(lockPath, current, staleMs)
      continue
    }
    if (Date.now() >= deadline) {
      const rel = `${BUNDLE_DIR}/${LOCK_FILE}`
      const who = lastOwner ? `process ${lastOwner.pid} on ${lastOwner.host} (since ${lastOwner.since})` : 'another process'
      throw new ModelopsError('LOCK_TIMEOUT', `timed out after ${Math.round(timeoutMs / 1000)} s waiting for the project lock ${rel}, held by ${who}`, {
        file: path.join(project.root, rel),
        hint: `wait for the other mops-bundle command or build to finish; if no such process is running, delete ${path.join(project.root, rel)}`,
      })
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())) * (0.5 + Math.random()))
    delay = Math.min(delay * 2, 250)
  }
}

async function tryCreate(lockPath: string, body: string): Promise<boolean> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await fs.writeFile(tmp, body, { flag: 'wx' })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS' && code !== 'ENOSPC') throw err
    throw new ModelopsError('LOCK_TIMEOUT', `cannot create the project lock ${lockPath}: ${(err as Error).message}`, {
      file: lockPath,
      hint: `make ${path.dirname(lockPath)} writable (and check free disk space), then run the command again`,
      cause: err,
    })
  }
  try {
    await fs.link(tmp, lockPath)
    return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err
    // No hard links on this file system: exclusive create, then write (a reader may briefly see it empty).
    try {
      await fs.writeFile(lockPath, body, { flag: 'wx' })
      return true
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw err2
    }
  } finally {
    await fs.unlink(tmp).catch(() => {})
  }
}

/** The owner recorded in the lock file; null when unreadable; 'gone' when the file vanished meanwhile. */
async function readOwner(lockPath: string): Promise<Owner | null | 'gone'> {
  let text: string
  try {
    text = await fs.readFile(lockPath, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    return null
  }
  try {
    const o = JSON.parse(text) as Owner
    return typeof o.pid === 'number' && typeof o.token === 'string' ? o : null
  } catch {
    return null
  }
}

async function isStale(lockPath: string, owner: Owner | null, staleMs: number): Promise<boolean> {
  // On this host the pid decides: a live holder that stopped heartbeating (suspended with Ctrl-Z, SIGSTOP) may still
  // resume and write, so its lock is never broken; waiters time out naming it instead. The mtime rule is only for
  // owners we cannot check (another host on a shared disk, an unreadable lock file).
  if (owner && owner.host === os.hostname()) return !pidAlive(owner.pid)
  try {
    const st = await fs.stat(lockPath)
    return Date.now() - st.mtimeMs > staleMs
  } catch {
    return false
  }
}

/**
 * Remove a stale lock without ever removing a live one: breakers serialise on a second lock file and re-check,
 * under it, that the lock still holds the same stale owner.
 */
async function breakStale(lockPath: string, seen: Owner | null, staleMs: number): Promise<void> {
  const breaker = `${lockPath}.break`
  const body = `${JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'break', since: new Date().toISOString() })}\n`
  if (!(await tryCreate(breaker, body))) {
    // A breaker killed mid-way would block everyone: its own file gets the same staleness rules.
    const other = await readOwner(breaker)
    if (other !== 'gone' && (await isStale(breaker, other, Math.min(staleMs, 5000)))) await fs.unlink(breaker).catch(() => {})
    await sleep(5)
    return
  }
  try {
    const now = await readOwner(lockPath)
    if (now === 'gone') return
    const same = now === null ? seen === null : seen !== null && now.token === seen.token
    if (same && (await isStale(lockPath, now, staleMs))) await fs.unlink(lockPath).catch(() => {})
  } finally {
    await fs.unlink(breaker).catch(() => {})
  }
}

async function releaseLock(lockPath: string, token: string): Promise<void> {
  const current = await readOwner(lockPath)
  // Only remove our own lock: if it was broken as stale (heartbeat lost), someone else may hold it now.
  if (current !== 'gone' && current !== null && current.token === token) await fs.unlink(lockPath).catch(() => {})
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
