// Stat stamps of a cache entry's files (`stamps.json` beside index.json): "the file with this identity had this
// digest when it was last hashed", so a warm lookup can trust a file by one stat instead of re-hashing it.
// Advisory, like the input stat cache: a missing, stale or unreadable sidecar only costs a re-hash.
import { readFileSync, statSync, type BigIntStats } from 'node:fs'
import path from 'node:path'
import { DEFAULT_RACY_MARGIN_MS } from '../digest/stat-cache.js'
import { replaceFileSync } from '../project/atomic.js'

export const STAMPS_FILE = 'stamps.json'
export const STAMPS_SCHEMA = 'modelops-bundle/cache-stamps@1'

/**
 * Racy rule, as for the input files (digest/stat-cache.ts): a file modified less than this long before its stat was
 * taken could still change without changing its mtime (coarse timestamp ticks, clock skew), so its stamp is not recorded.
 */
export const STAMP_RACY_MARGIN_NS = BigInt(DEFAULT_RACY_MARGIN_MS) * 1_000_000n

/** size, mtime (ns), digest. ctime is left out on purpose: every hold's link() changes it. */
type Stamp = [size: string, mtimeNs: string, digest: string]

/** Keyed by `<dev>:<ino>`, not by path: the claim "this inode, at this size and mtime, has this digest" holds under any name. */
export class Stamps {
  private constructor(private readonly rows: Map<string, Stamp>) {}

  static empty(): Stamps {
    return new Stamps(new Map())
  }

  /** The sidecar of `entryDir`; a missing or foreign file is empty. */
  static read(entryDir: string): Stamps {
    const rows = new Map<string, Stamp>()
    try {
      const doc = JSON.parse(readFileSync(path.join(entryDir, STAMPS_FILE), 'utf8')) as { schema?: unknown; stamps?: unknown }
      if (doc.schema === STAMPS_SCHEMA && doc.stamps && typeof doc.stamps === 'object') {
        for (const [id, row] of Object.entries(doc.stamps as Record<string, unknown>)) {
          if (Array.isArray(row) && row.length === 3 && row.every((v) => typeof v === 'string')) rows.set(id, row as Stamp)
        }
      }
    } catch {
      // Absent (entries of older tools, racy at commit), half-written by a crash, garbled: hash instead.
    }
    return new Stamps(rows)
  }

  /** Does `st` (of a file whose index digest is `digest`) carry exactly the recorded stamp? */
  matches(st: BigIntStats, digest: string): boolean {
    const row = this.rows.get(identity(st))
    return !!row && row[0] === st.size.toString() && row[1] === st.mtimeNs.toString() && row[2] === digest
  }

  /**
   * Record that the file `st` has `digest`, if its stat can be trusted: taken at `statNs` (wall clock, ns, read before
   * the stat) with the file's mtime at least the racy margin older. Returns whether it was recorded.
   */
  record(st: BigIntStats, digest: string, statNs: bigint): boolean {
    if (st.mtimeNs >= statNs - STAMP_RACY_MARGIN_NS) return false
    this.rows.set(identity(st), [st.size.toString(), st.mtimeNs.toString(), digest])
    return true
  }

  /**
   * Record `digest` for the file at `abs`, hashed between the stat `st` (taken at `statNs`) and now, if a fresh stat
   * shows it did not change meanwhile (and record's racy rule allows). Returns whether it was recorded.
   */
  recordHashed(abs: string, st: BigIntStats, digest: string, statNs: bigint): boolean {
    let after: BigIntStats | undefined
    try {
      after = statSync(abs, { bigint: true, throwIfNoEntry: false })
    } catch {
      return false
    }
    return !!after && sameStat(st, after) && this.record(st, digest, statNs)
  }

  /** Copy the stamp of `st` from `other` (a file trusted by it). */
  keep(other: Stamps, st: BigIntStats): void {
    const id = identity(st)
    const row = other.rows.get(id)
    if (row) this.rows.set(id, row)
  }

  equals(other: Stamps): boolean {
    if (this.rows.size !== other.rows.size) return false
    for (const [id, row] of this.rows) {
      const o = other.rows.get(id)
      if (!o || o[0] !== row[0] || o[1] !== row[1] || o[2] !== row[2]) return false
    }
    return true
  }

  get size(): number {
    return this.rows.size
  }

  /**
   * Write the sidecar atomically (temp file + rename; two builds racing write equally true stamps, so either wins).
   * Best effort, no fsync: a sidecar lost or torn by a crash is just absent next time. Returns false if it could not.
   */
  write(entryDir: string): boolean {
    const stamps: Record<string, Stamp> = {}
    for (const id of [...this.rows.keys()].sort()) stamps[id] = this.rows.get(id)!
    // Read-only or full cache, or the entry removed meanwhile: false; the stamps are only an optimisation.
    return replaceFileSync(path.join(entryDir, STAMPS_FILE), `${JSON.stringify({ schema: STAMPS_SCHEMA, stamps })}\n`)
  }
}

/** Wall clock in ns, for the racy rule (mtimes are wall-clock times). */
export function wallNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n
}

/** The same file, unchanged, across two stats (taken around a hash)? */
export function sameStat(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs
}

function identity(st: BigIntStats): string {
  return `${st.dev}:${st.ino}`
}
