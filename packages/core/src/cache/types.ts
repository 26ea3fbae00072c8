/**
 * The output store: where generated model outputs live between builds. The plugin talks only to this
 * interface, so a remote store (HTTP, bucket) can sit behind it later. docs/cache.md describes the layout.
 */

import type { OutputHold } from './hold.js'

/** One file of a cache entry, as recorded in the entry's index. */
export interface CacheFile {
  /** POSIX path relative to the entry's root (the generator's output folder). */
  path: string
  bytes: number
  /** `blake2b256:<hex>` */
  digest: string
}

/** What the store keeps next to the files: who made them and for which inputs. */
export interface CacheEntryMeta {
  model_id: string
  entrypoint: string
  /** The model's composite digest at generation time. */
  digest: string
  /** The generator identity that went into the key (see generate/identity). */
  generator: unknown
}

export interface CacheEntry {
  /** Bare 64-hex cache key. */
  key: string
  files: CacheFile[]
  /** Sum of the files' sizes. */
  bytes: number
  meta: CacheEntryMeta
  /** Absolute path of a file of this entry, for reading or serving it. */
  filePath(rel: string): string
}

export type LookupResult =
  | { status: 'hit'; entry: CacheEntry }
  | { status: 'miss' }
  /** The entry exists but does not match its index: never serve it; drop it under the key's lock. */
  | { status: 'corrupt'; reason: string }

/** A fresh, empty folder for one generator run; `commit` moves it into the store in one step. */
export interface Staging {
  /** Empty folder the generator writes into (`MODELOPS_OUT_DIR`). */
  outDir: string
  /** Index the files, then make the entry visible atomically. Returns the committed (or concurrently committed) entry. */
  commit(meta: CacheEntryMeta, options?: { hold?: OutputHold }): Promise<CacheEntry>
  /** Remove the staging folder (after a failure). Idempotent. */
  discard(): Promise<void>
}

export interface CacheInfo {
  /** Absolute path of the store. */
  dir: string
  entries: number
  bytes: number
  /** Entries oldest-used first. */
  list: Array<{ key: string; model_id: string; bytes: number; files: number; last_used: string }>
}

export interface PruneResult {
  removed: number
  freed: number
  /** Abandoned staging folders (killed builds) removed. */
  staging: number
}

export interface OutputStore {
  /** Where the store lives (for messages). */
  readonly dir?: string
  /**
   * Look up and verify an entry (sizes and digests of every indexed file; a local store may take a digest from a
   * matching stat stamp instead of re-hashing, docs/cache.md). Refreshes its LRU time on a hit.
   * With `hold`, the entry's files are held first and the held files verified: the hit stays readable until
   * the hold lets go, whatever clear/prune/eviction do meanwhile.
   */
  get(key: string, options?: { hold?: OutputHold }): Promise<LookupResult>
  /**
   * Re-verify an entry this store returned earlier in this process (the files it points at, held or not) the way a
   * lookup would (stamps included): the reason it no longer matches its index, or undefined. Without it, callers hash.
   */
  recheck?(entry: CacheEntry): Promise<string | undefined>
  /** A hold for the entries one build uses (stores that cannot hold return a hold that keeps only scratch folders). */
  hold?(): OutputHold
  /** Run `fn` holding the key's cross-process lock, so concurrent builds generate each key once. */
  withLock<T>(key: string, fn: () => Promise<T>, options?: { signal?: AbortSignal; timeout?: number }): Promise<T>
  /** A staging folder for `key`. */
  stage(key: string): Promise<Staging>
  /** Drop an entry (corrupt or evicted). */
  remove(key: string): Promise<void>
  info(): Promise<CacheInfo>
  /** Evict least-recently-used entries until the store holds at most `maxBytes`; entries in `keep` stay. */
  prune(options?: { maxBytes?: number; keep?: Iterable<string> }): Promise<PruneResult>
  /** Remove every entry. */
  clear(): Promise<PruneResult>
}
