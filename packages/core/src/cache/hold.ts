import { randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import path from 'node:path'
import { pidAlive } from '../util/process.js'
import type { CacheFile } from './types.js'

/** Holds not yet released: removed on process exit (one listener for all). */
const live = new Set<OutputHold>()
let exitHooked = false

/**
 * The outputs one build (or one watcher/dev server) is using, kept readable until released whatever
 * `cache clear`, `cache prune` or another build's eviction do to the store meanwhile:
 *   - entries of the store are hard-linked (copied where links fail) into `<store>/held/<host>.<pid>.<rand>/<key>/`
 *     while they are known to be whole (after verification, or under the key's lock before commit);
 *   - outputs the cache cannot take (read-only, full, not a folder) live in a folder under os.tmpdir().
 * Released on `release()`, on process exit, and (if the process was killed) by the store's prune/clear.
 */
export class OutputHold {
  private readonly root: string | undefined
  private tempRoot: string | undefined
  private tempRootMade: Promise<string> | undefined
  /** key → folder holding that key's files. */
  private readonly held = new Map<string, string>()
  private released = false

  /** @param root folder inside the store for hard links (`undefined`: a store without one; entries are then not held). */
  constructor(root?: string) {
    // Math.random, not crypto: the suffix only tells apart holds of one pid, and the first randomBytes() of a process
    // costs ~0.2 ms of RNG setup on a warm build's path.
    const suffix = Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0')
    this.root = root === undefined ? undefined : path.join(root, `${hostname()}.${process.pid}.${suffix}`)
    live.add(this)
    if (live.size === 1 && !exitHooked) {
      exitHooked = true
      process.once('exit', () => { for (const h of live) h.releaseSync() })
    }
  }

  /** The held folder of `key`, if this hold has one. */
  folder(key: string): string | undefined {
    return this.held.get(key)
  }

  /**
   * Link `files` of `srcRoot` into the hold as `key`'s files and return the folder. Throws the link's error:
   * ENOENT means a source vanished (the entry was removed meanwhile); other errors mean the cache cannot hold it.
   */
  async pin(key: string, srcRoot: string, files: readonly CacheFile[]): Promise<string> {
    if (!this.root) throw Object.assign(new Error('this store holds nothing'), { code: 'ENOTSUP' })
    const dir = path.join(this.root, key)
    if (this.held.get(key) === dir && (path.resolve(srcRoot) === dir || sameFiles(srcRoot, dir, files))) return dir
    // A key held already is replaced in one rename (its old folder may still be read); a new one is linked in place:
    // nobody else reads this hold, and a failure removes the folder before anything names it.
    const replace = this.held.has(key)
    const target = replace ? `${dir}.${randomBytes(4).toString('hex')}.tmp` : dir
    // Synchronous metadata calls: a warm build links a few small files per entry, and each thread-pool round trip
    // costs more than the link itself. Only the copy fallback (whole file contents) stays asynchronous.
    try {
      mkdirSync(target, { recursive: true })
      const made = new Set<string>([target])
      for (const f of files) {
        const parts = f.path.split('/')
        const dest = path.join(target, ...parts)
        const parent = path.dirname(dest)
        if (!made.has(parent)) {
          mkdirSync(parent, { recursive: true })
          made.add(parent)
        }
        const src = path.join(srcRoot, ...parts)
        try {
          linkSync(src, dest)
        } catch (err) {
          // File systems without hard links (or with protected_hardlinks rules): a copy holds as well.
          if ((err as { code?: string }).code === 'ENOENT') throw err
          await copyFile(src, dest)
        }
      }
      if (replace) {
        // Out of the way by a rename, removed in the background: a recursive rm is the slowest call of this path.
        const old = `${dir}.${randomBytes(4).toString('hex')}.old`
        let moved = true
        try {
          renameSync(dir, old)
        } catch (err) {
          if ((err as { code?: string }).code !== 'ENOENT') throw err
          moved = false
        }
        renameSync(target, dir)
        if (moved) void rm(old, { recursive: true, force: true }).catch(() => {})
      }
    } catch (err) {
      try { rmSync(target, { recursive: true, force: true }) } catch {}
      throw err
    }
    this.held.set(key, dir)
    return dir
  }

  /** A fresh empty folder outside the cache (under os.tmpdir()) for outputs of `key` the cache cannot take. */
  async scratch(key: string): Promise<string> {
    // One temp root per hold, however many models ask at once.
    this.tempRootMade ??= mkdtemp(path.join(tmpdir(), 'modelops-bundle-nocache-')).then((d) => (this.tempRoot = d))
    const dir = path.join(await this.tempRootMade, `${key}.${randomBytes(4).toString('hex')}`)
    await mkdir(dir, { recursive: true })
    return dir
  }

  /** Record `dir` (from `scratch`) as the folder of `key`'s files. */
  adopt(key: string, dir: string): void {
    const old = this.held.get(key)
    this.held.set(key, dir)
    if (old && old !== dir) void rm(old, { recursive: true, force: true }).catch(() => {})
  }

  /** Let go of everything but `keys` (the outputs of the latest run). */
  async retain(keys: Iterable<string>): Promise<void> {
    const keep = new Set(keys)
    for (const [key, dir] of [...this.held]) {
      if (keep.has(key)) continue
      this.held.delete(key)
      await rm(dir, { recursive: true, force: true }).catch(() => {})
    }
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    live.delete(this)
    this.held.clear()
    for (const dir of [this.root, this.tempRoot]) if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {})
  }

  /** @internal */
  releaseSync(): void {
    if (this.released) return
    this.released = true
    for (const dir of [this.root, this.tempRoot]) {
      if (!dir) continue
      try { rmSync(dir, { recursive: true, force: true }) } catch {}
    }
  }
}

/** Are the files under `held` the very files (same inodes) of `srcRoot`? Then holding them again changes nothing. */
function sameFiles(srcRoot: string, held: string, files: readonly CacheFile[]): boolean {
  try {
    for (const f of files) {
      const parts = f.path.split('/')
      const a = statSync(path.join(srcRoot, ...parts), { bigint: true })
      const b = statSync(path.join(held, ...parts), { bigint: true })
      if (a.ino !== b.ino || a.dev !== b.dev) return false
    }
    return true
  } catch {
    return false
  }
}

/** Remove hold folders of processes that are gone (killed builds): same host and dead pid, or a week old. */
export async function sweepHolds(root: string): Promise<void> {
  let names: string[]
  try {
    names = await readdir(root)
  } catch {
    return
  }
  const host = hostname()
  for (const name of names) {
    const m = /^(.*)\.(\d+)\.[0-9a-f]{8}$/.exec(name)
    const abs = path.join(root, name)
    let dead: boolean
    if (m && m[1] === host) dead = !pidAlive(Number(m[2]))
    else {
      const st = await stat(abs).catch(() => undefined)
      dead = !!st && Date.now() - st.mtimeMs > 7 * 24 * 3600 * 1000
    }
    if (dead) await rm(abs, { recursive: true, force: true }).catch(() => {})
  }
}

