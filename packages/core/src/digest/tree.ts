// tree1: the digest of a directory dependency (`--data data/`), which the reference crashes on.
// Pre-image: "modelops-bundle:tree1\0" then, per entry in code-point order of its path relative to the
// directory, `path \0 digest \0`. Files only: empty directories are not recorded (as in git).
import { createHash } from 'node:crypto'
import { lstatSync, readdirSync, realpathSync, statSync, type BigIntStats } from 'node:fs'
import { posix, sep } from 'node:path'
import { ModelopsError, type Warning } from '../errors.js'
import { blake2b256Hex } from './blake2b.js'
import { compareCodePoints } from './canonical.js'

export const TREE_ALGO = 'tree1'
const TREE_TAG = 'modelops-bundle:tree1\0'

/** Names never entered or recorded: tool droppings that change without the data changing. Part of tree1. */
export const TREE_IGNORED_NAMES: ReadonlySet<string> = new Set(['.git', '__pycache__', '.DS_Store'])

/** Digest stand-ins for entries that cannot be read as files (never of the form `algo:hex`). */
export type TreeToken = 'absent' | 'cycle' | 'special'

/** What the stat cache compares: a file's identity (BigIntStats has these, and more). */
export interface FileIdentity {
  size: bigint
  mtimeNs: bigint
  ctimeNs: bigint
  ino: bigint
  dev: bigint
}

const BIGINT_STAT = { bigint: true } as const

/** Words per file in TreeListing.ids. */
const ID_WORDS = 5

export interface TreeListing {
  /** The directory (absolute, and project-relative POSIX). */
  abs: string
  rel: string
  /** Each regular file's path relative to the directory, POSIX, in walk order. */
  names: string[]
  /**
   * Each file's identity, ID_WORDS words (size, mtime ns, ctime ns, inode, device) per name. Packed: a listing
   * of 50,000 files holds no stat objects (which the garbage collector would copy and promote, pass after pass).
   */
  ids: BigUint64Array
  /** The newest mtime or ctime of any file, ns (the racy check of a whole listing). */
  newestNs: bigint
  /** Entries recorded with a token instead of a file digest. */
  tokens: { name: string; token: TreeToken }[]
  warnings: Warning[]
}

/** File `i` of a listing: project-relative and absolute path, identity. */
export function listedFile(listing: TreeListing, i: number): { name: string; rel: string; abs: string; stat: FileIdentity } {
  const name = listing.names[i]!
  const o = i * ID_WORDS
  const w = listing.ids
  return { name, rel: `${listing.rel}/${name}`, abs: `${listing.abs}/${name}`, stat: { size: w[o]!, mtimeNs: w[o + 1]!, ctimeNs: w[o + 2]!, ino: w[o + 3]!, dev: w[o + 4]! } }
}

/**
 * Every regular file under `abs` (project-relative `rel`), following symlinks; with `rootReal` (the real project
 * root), a link whose target is outside it is refused (PATH_OUTSIDE) before anything is read. A dangling link is recorded as
 * `absent`, a link back to a directory being walked as `cycle`, a FIFO/socket/device as `special` (never opened);
 * each with a warning. Hidden files are included; only TREE_IGNORED_NAMES are left out.
 */
export async function listTree(abs: string, rel: string, rootReal?: string): Promise<TreeListing> {
  const rootWithin = rootReal === undefined ? undefined : rootReal.endsWith(sep) ? rootReal : rootReal + sep
  const out: TreeListing = { abs, rel, names: [], ids: new BigUint64Array(ID_WORDS * 256), newestNs: 0n, tokens: [], warnings: [] }
  const addFile = (name: string, st: BigIntStats) => {
    const o = out.names.length * ID_WORDS
    if (o + ID_WORDS > out.ids.length) {
      const grown = new BigUint64Array(out.ids.length * 2)
      grown.set(out.ids)
      out.ids = grown
    }
    out.ids[o] = st.size
    out.ids[o + 1] = st.mtimeNs
    out.ids[o + 2] = st.ctimeNs
    out.ids[o + 3] = st.ino
    out.ids[o + 4] = st.dev
    const newest = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs
    if (newest > out.newestNs) out.newestNs = newest
    out.names.push(name)
  }
  // `chain`: real paths of the directories being read, outermost first. A symlinked directory equal to or
  // containing one of them (inside the tree or above it) would be walked forever.
  // Sync, like the stats in engine.ts: a folder of 50,000 files is thousands of calls on cached inodes, and an await
  // per readdir or realpath was a thread-pool round trip each.
  const unreadable = (err: unknown, name: string) => {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ELOOP' && code !== 'EACCES') throw err
    const where = `${rel}/${name}`
    out.tokens.push({ name, token: 'absent' })
    out.warnings.push({ code: 'TREE_UNREADABLE', file: where, message: `${where}: ${code === 'EACCES' ? 'permission denied' : 'dangling symlink'}; recorded as absent in the directory digest` })
  }
  const walk = (dirAbs: string, prefix: string, chain: string[]): void => {
    let names: string[]
    try {
      // Names only (no Dirent per entry): the lstat below says what each one is.
      // Native sort: the listing needs a stable order only (its fingerprint); treeDigest sorts by code point.
      names = readdirSync(dirAbs).sort()
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (!prefix || (code !== 'EACCES' && code !== 'EPERM')) throw err
      out.tokens.push({ name: prefix, token: 'absent' })
      out.warnings.push({ code: 'TREE_UNREADABLE', file: posix.join(rel, prefix), message: `${posix.join(rel, prefix)}: permission denied; recorded as absent in the directory digest` })
      return
    }
    for (const n of names) {
      if (TREE_IGNORED_NAMES.has(n)) continue
      const name = prefix ? `${prefix}/${n}` : n
      const childAbs = `${dirAbs}/${n}`
      // One lstat per entry: for anything but a link it is the stat (sync: see the stat phase in engine.ts).
      let st: BigIntStats
      try {
        st = lstatSync(childAbs, BIGINT_STAT)
      } catch (err) {
        unreadable(err, name)
        continue
      }
      if (st.isSymbolicLink()) {
        // A link is followed only to a place inside the project: `etc -> /etc` in a data folder is refused, unread.
        if (rootWithin) {
          let real: string | undefined
          try {
            real = realpathSync.native(childAbs)
          } catch {
            real = undefined // dangling: the stat below records it absent
          }
          if (real !== undefined && real + sep !== rootWithin && !real.startsWith(rootWithin)) {
            const where = `${rel}/${name}`
            throw new ModelopsError('PATH_OUTSIDE', `${where} is a symbolic link to ${real}, outside the project root ${rootReal}; it is not read`, {
              file: where,
              hint: 'replace the link by a copy of what it points to inside the project, or remove it from the folder',
            })
          }
        }
        try {
          st = statSync(childAbs, BIGINT_STAT)
        } catch (err) {
          unreadable(err, name)
          continue
        }
      }
      if (st.isFile()) {
        addFile(name, st)
      } else if (st.isDirectory()) {
        const where = `${rel}/${name}`
        const real = realpathSync.native(childAbs)
        const within = real.endsWith(sep) ? real : real + sep
        if (chain.some((c) => c === real || c.startsWith(within))) {
          out.tokens.push({ name, token: 'cycle' })
          out.warnings.push({ code: 'TREE_CYCLE', file: where, message: `${where}: symlink points to a directory that contains it; recorded as a cycle, not followed` })
          continue
        }
        walk(childAbs, name, [...chain, real])
      } else {
        const where = `${rel}/${name}`
        out.tokens.push({ name, token: 'special' })
        out.warnings.push({ code: 'TREE_SPECIAL', file: where, message: `${where}: not a regular file (FIFO, socket or device); recorded as special, not read` })
      }
    }
  }
  walk(abs, '', [realpathSync.native(abs)])
  out.ids = out.ids.subarray(0, out.names.length * ID_WORDS)
  return out
}

/** `tree1:<hex>` from (path relative to the directory, digest) pairs. */
export async function treeDigest(entries: ReadonlyArray<{ name: string; digest: string }>): Promise<string> {
  const sorted = [...entries].sort((a, b) => compareCodePoints(a.name, b.name))
  let pre = TREE_TAG
  for (const e of sorted) {
    if (e.name.includes('\0') || e.digest.includes('\0')) throw new TypeError(`tree digest: NUL in ${JSON.stringify(e.name)}`)
    pre += `${e.name}\0${e.digest}\0`
  }
  return `${TREE_ALGO}:${await blake2b256Hex(pre)}`
}

/**
 * What a directory's digest depends on, short of the files' bytes: every name and token, and each file's
 * identity. Equal fingerprints (with no racy file) mean equal stat-cache answers for every file, so the
 * recorded tree digest stands. sha256 (node:crypto): synchronous, and the identities go in as raw words.
 */
export function listingFingerprint(listing: TreeListing): string {
  const h = createHash('sha256').update(`${listing.names.length}\0${listing.tokens.length}\0`)
  h.update(listing.names.join('\0'))
  for (const t of listing.tokens) h.update(`\0${t.name}\0${t.token}`)
  return h.update(listing.ids).digest('base64')
}
