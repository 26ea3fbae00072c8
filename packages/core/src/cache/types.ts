/**
 * The output store: where generated model outputs live between builds, in tiers (docs/cache.md).
 * Tier 1, `OutputStore`, is the local disk store (folders, staging, stamps, LRU, locks). Tier 2, `RemoteTier`,
 * is shared between machines and speaks only in keys, indexes and byte streams: it never sees a local path.
 * resolveOutputs (generate/outputs.ts) looks up local -> remote (verified, committed locally) -> generate -> push.
 */

import type { OutputHold } from './hold.js'

/** One file of a cache entry, as recorded in the entry's index. */
export interface CacheFile {
  /** POSIX path relative to the entry's root (the generator's output folder). */
  path: string
  bytes: number
  /** `blake2b256:<hex>` */
  digest: string
  /**
   * `sha256:<hex>` of the same bytes, recorded when the entry was committed (hashed in the same read as the BLAKE2b,
   * or known from a verified download): a push needs it before it sends the file, and would otherwise read it twice.
   * Absent in entries committed by older versions; never part of what tiers compare.
   */
  sha256?: string
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

/** One entry of the output cache: its key, its files (with digests) and where they are on disk. */
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
  /**
   * Index the files, then make the entry visible atomically. Returns the committed (or concurrently committed) entry.
   * With `expect` (an index another tier claims), commits only if the folder matches it exactly (paths, sizes,
   * BLAKE2b digests); otherwise throws a ModelopsError 'CACHE' saying which file differs, and commits nothing.
   */
  commit(meta: CacheEntryMeta, options?: { hold?: OutputHold; expect?: readonly CacheFile[] }): Promise<CacheEntry>
  /**
   * Write one file of the entry from a stream (another tier's bytes), at `path` (POSIX, relative to `outDir`).
   * Refuses a path that would leave the folder (`..`, absolute, backslash, NUL) with a ModelopsError 'CACHE'.
   * `sha256`: the digest `data` is known to have (it errors otherwise: a verified download), recorded in the index.
   * `bytes`: the size `data` is expected to have; a large file is then hashed on a worker behind the write.
   */
  write(path: string, data: ByteStream, options?: { signal?: AbortSignal; sha256?: string; bytes?: number }): Promise<void>
  /** Remove the staging folder (after a failure). Idempotent. */
  discard(): Promise<void>
}

/** What LocalStore.info reports: the store folder, its entry count and size, and the entries least recently used first. */
export interface CacheInfo {
  /** Absolute path of the store. */
  dir: string
  entries: number
  bytes: number
  /** Entries oldest-used first. */
  list: Array<{ key: string; model_id: string; bytes: number; files: number; last_used: string }>
}

/** What LocalStore.prune and clear removed: entries, bytes freed, abandoned staging folders. */
export interface PruneResult {
  removed: number
  freed: number
  /** Abandoned staging folders (killed builds) removed. */
  staging: number
}

/** Tier 1: the local store. Only this tier knows folders (`Staging.outDir`, `CacheEntry.filePath`). */
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

/** Bytes of one file, streamed. Node's `Readable` and a WHATWG `ReadableStream` (Node 20) both are one. */
export type ByteStream = AsyncIterable<Uint8Array>

/**
 * One entry as it travels between tiers: its index and a way to read each file. No local paths: a remote tier
 * reads what it pushes through `open`, and what it fetches is read the same way by the local tier.
 */
export interface EntrySource {
  /** Bare 64-hex cache key. */
  key: string
  meta: CacheEntryMeta
  /** The entry's index: POSIX paths, sizes, `blake2b256:` digests, sorted by path. */
  files: readonly CacheFile[]
  /** Sum of the files' sizes. */
  bytes: number
  /**
   * A stream of `path`'s bytes (`path` is one of `files`). Each call opens a fresh stream. With `start`/`end`, only
   * bytes [start, end): a chunked upload sends a large file in ranges, and repeats one if the registry asks (auth).
   */
  open(path: string, options?: { signal?: AbortSignal; start?: number; end?: number }): Promise<ByteStream>
}

/**
 * An entry a remote tier found. Untrusted until the local tier has verified it: `files` is what the remote's
 * index claims; the local tier hashes every streamed file and commits only if sizes and BLAKE2b digests match
 * (generate/tiers.ts). A remote tier may verify more on its own (OCI: each blob's sha256 and size while streaming)
 * and reports a mismatch by erroring the stream.
 */
export type RemoteEntry = EntrySource

/**
 * Tier 2: an output store shared between machines (an OCI registry). Stateless towards the caller: no locks, no
 * folders. Errors (down, slow, refused, bad bytes) are thrown; resolveOutputs turns them into one warning per
 * build and carries on with the local tier alone. Never throws or logs with credentials in the message.
 */
export interface RemoteTier {
  /** For messages: e.g. `oci://ghcr.io/org/cache`, never with credentials. */
  readonly name: string
  /** Whether generated entries are pushed (settings `push`; a read-only token sets false). */
  readonly push: boolean
  /** Does the remote hold `key`? (A cheap check: OCI HEAD of the manifest.) */
  has(key: string, options?: { signal?: AbortSignal }): Promise<boolean>
  /** The entry of `key`, or undefined when the remote has none (a miss is not an error). */
  fetch(key: string, options?: { signal?: AbortSignal }): Promise<RemoteEntry | undefined>
  /** Upload an entry. Idempotent: pushing a key the remote has (or two machines at once) leaves one entry. */
  upload(entry: EntrySource, options?: { signal?: AbortSignal }): Promise<void>
  /** What `cache status` shows about this tier (reachable, entries if cheap to know). */
  status?(options?: { signal?: AbortSignal }): Promise<RemoteStatus>
  /** Release sockets and timers (end of a CLI command; a build's process exit). */
  close?(): Promise<void>
}

export interface RemoteStatus {
  name: string
  reachable: boolean
  /** Why not reachable, in words (no credentials). */
  problem?: string
  push: boolean
  /** How many entries the remote holds, when it can say cheaply (OCI: tags of the repository). */
  entries?: number
}

/** A workspace's output tiers, looked up in this order. */
export interface OutputTiers {
  local: OutputStore
  remote?: RemoteTier
}
