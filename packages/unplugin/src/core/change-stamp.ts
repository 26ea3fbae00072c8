import { mkdirSync, readdirSync, rmSync, watch, type FSWatcher } from 'node:fs'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { writeFileAtomic } from '@modelops-bundle/core/internal'

/** Files above this size are watched by us, not handed to a bundler that reads every file it watches (esbuild). */
export const LARGE_WATCH_FILE = 1024 * 1024

/**
 * One small file whose content changes whenever one of the paths it stands for changes, for a bundler that can only
 * watch files by reading them in full on every build (esbuild: plugin `watchFiles`, also in one-shot builds).
 *
 * `relay(paths)` splits a run's watched paths: small files are returned for the bundler to watch itself; large files
 * (in place, replaced, deleted) and folders (anything added, changed or removed below them) are watched here with
 * `fs.watch` on their folders (unref'd: never keeps the process alive), and the stamp is rewritten — atomically,
 * so its inode changes too — on each change. The bundler watches the stamp and rebuilds.
 */
export class ChangeStamp {
  /** Incremented on every change seen; `changedSince(g)` tells whether one arrived after `g` was read. */
  generation = 0
  readonly file: string
  /** Watched folder → the names in it that matter, or 'all' (a registered folder or one below it). */
  private wanted = new Map<string, Set<string> | 'all'>()
  private watchers = new Map<string, FSWatcher>()
  /** Registered folder → the folders below it, as walked at `generation`. */
  private walks = new Map<string, { generation: number; folders: string[] }>()
  private writing: Promise<void> = Promise.resolve()
  private written = false
  private closed = false

  private folder: string

  /**
   * `cacheDir`: the stamp lives in its `watch/` folder. Events below `cacheDir` are ignored: the stamp and the cache's
   * own writes must not trigger rebuilds when a registered folder contains the cache.
   */
  constructor(private cacheDir: string, private limit = LARGE_WATCH_FILE) {
    this.folder = path.join(cacheDir, 'watch')
    this.file = path.join(this.folder, `${process.pid}-${randomBytes(4).toString('hex')}.stamp`)
  }

  /** Start watching what `paths` need (and stop what they no longer need); returns what the bundler should watch. */
  async relay(paths: readonly string[], kinds: ReadonlyMap<string, WatchKind>): Promise<string[]> {
    const direct: string[] = []
    const wanted = new Map<string, Set<string> | 'all'>()
    const want = (dir: string, name: string | 'all') => {
      const had = wanted.get(dir)
      if (name === 'all' || had === 'all') wanted.set(dir, 'all')
      else wanted.set(dir, (had ?? new Set<string>()).add(name))
    }
    const walks = new Map<string, { generation: number; folders: string[] }>()
    for (const p of paths) {
      // The run that named these paths stat'ed each one already: its kinds spare a second stat per build.
      const st = kinds.get(p)
      if (st?.dir) for (const d of this.foldersOf(p, walks)) want(d, 'all')
      else if (st && st.size > this.limit) want(path.dirname(p), path.basename(p))
      // Small and missing files: the bundler watches them itself (a missing one by its appearance).
      else direct.push(p)
    }
    this.walks = walks
    const unwatchable = this.rewatch(wanted)
    if (this.watchers.size === 0) return [...direct, ...unwatchable]
    if (!this.written) {
      try {
        await this.write()
        this.written = true
      } catch {
        // No stamp without a usable cache folder (a file there, read-only, full): the bundler watches every path
        // itself again, slow on large files but never blind to a change.
        this.rewatch(new Map())
        return [...paths]
      }
    }
    return [...direct, ...unwatchable, this.file]
  }

  /**
   * `dir` and the folders below it. Walked again only after a change: every folder of the last walk is watched with
   * 'all', so a folder added, removed or renamed below `dir` bumps the generation (a 5,000-file data folder cost
   * every build a full readdir walk).
   */
  private foldersOf(dir: string, walks: Map<string, { generation: number; folders: string[] }>): string[] {
    const last = this.walks.get(dir)
    const fresh = last && last.generation === this.generation && last.folders.every((f) => this.watchers.has(f))
    const walk = fresh ? last : { generation: this.generation, folders: foldersBelow(dir) }
    walks.set(dir, walk)
    return walk.folders
  }

  /** Has a change been seen since `generation` was `g`? */
  changedSince(g: number): boolean {
    return this.generation !== g
  }

  /** Rewrite the stamp (a change the bundler may have missed: it read the stamp after the change). */
  bump(): Promise<void> {
    this.generation++
    return this.write()
  }

  /** Stop watching and remove the stamp (also after a write still in flight). */
  close(): void {
    this.closed = true
    for (const w of this.watchers.values()) w.close()
    this.watchers.clear()
    this.wanted.clear()
    this.walks.clear()
    const remove = () => {
      try {
        rmSync(this.file, { force: true })
      } catch {
        // Nothing to remove where the cache folder is unusable; close must never throw (it runs in esbuild's dispose).
      }
    }
    remove()
    void this.writing.then(remove, remove)
  }

  /** Watch exactly the folders in `wanted`; returns the paths that could not be watched (the bundler watches those). */
  private rewatch(wanted: Map<string, Set<string> | 'all'>): string[] {
    for (const [dir, w] of this.watchers) {
      if (!wanted.has(dir)) {
        w.close()
        this.watchers.delete(dir)
      }
    }
    const failed: string[] = []
    for (const [dir, names] of wanted) {
      if (this.watchers.has(dir)) continue
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => this.onEvent(dir, name))
        // A watched folder removed or a watch that broke: count it as a change (the next run rewatches).
        w.on('error', () => {
          w.close()
          this.watchers.delete(dir)
          void this.bump().catch(() => {})
        })
        this.watchers.set(dir, w)
      } catch {
        // e.g. ENOSPC (inotify limit): correct but slow, the bundler reads those files itself.
        if (names !== 'all') for (const n of names) failed.push(path.join(dir, n))
      }
    }
    this.wanted = wanted
    return failed
  }

  private onEvent(dir: string, name: string | Buffer | null): void {
    if (this.closed) return
    const names = this.wanted.get(dir)
    if (!names) return
    if (name !== null) {
      const full = path.join(dir, String(name))
      if (full === this.cacheDir || full.startsWith(this.cacheDir + path.sep)) return
      if (names !== 'all' && !names.has(String(name))) return
    }
    void this.bump().catch(() => {})
  }

  private write(): Promise<void> {
    // Serialised: the last write carries the latest generation.
    this.writing = this.writing.catch(() => {}).then(async () => {
      if (this.closed) return
      mkdirSync(this.folder, { recursive: true })
      await writeFileAtomic(this.file, `${this.generation}\n`)
    })
    return this.writing
  }
}

/** `dir` and every folder below it (a change in any of them must be seen; fs.watch is not recursive everywhere). */
function foldersBelow(dir: string): string[] {
  const out = [dir]
  for (let i = 0; i < out.length; i++) {
    let entries
    try {
      entries = readdirSync(out[i]!, { withFileTypes: true })
    } catch {
      continue
    }
    for (const e of entries) if (e.isDirectory()) out.push(path.join(out[i]!, e.name))
  }
  return out
}

/** A watched path as the stamp needs it: a folder, or a file and its size. */
export interface WatchKind { dir: boolean; size: number }
