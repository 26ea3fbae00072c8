// tree1: the digest of a directory dependency (`--data data/`), which the reference crashes on.
// Pre-image: "modelops-bundle:tree1\0" then, per entry in code-point order of its path relative to the
// directory, `path \0 digest \0`. Files only: empty directories are not recorded (as in git).
import { readdir, realpath } from 'node:fs/promises'
import { statSync, type BigIntStats } from 'node:fs'
import { posix, sep } from 'node:path'
import type { Warning } from '../errors.js'
import { blake2b256Hex } from './blake2b.js'
import { compareCodePoints } from './canonical.js'

export const TREE_ALGO = 'tree1'
const TREE_TAG = 'modelops-bundle:tree1\0'

/** Names never entered or recorded: tool droppings that change without the data changing. Part of tree1. */
export const TREE_IGNORED_NAMES: ReadonlySet<string> = new Set(['.git', '__pycache__', '.DS_Store'])

/** Digest stand-ins for entries that cannot be read as files (never of the form `algo:hex`). */
export type TreeToken = 'absent' | 'cycle' | 'special'

export interface TreeFile {
  /** Path relative to the directory, POSIX. */
  name: string
  /** Project-relative POSIX path of the file (as reached through the tree, symlinks not resolved). */
  rel: string
  abs: string
  stat: BigIntStats
}

export interface TreeListing {
  files: TreeFile[]
  /** Entries recorded with a token instead of a file digest. */
  tokens: { name: string; token: TreeToken }[]
  warnings: Warning[]
}

/**
 * Every regular file under `abs` (project-relative `rel`), following symlinks. A dangling link is recorded as
 * `absent`, a link back to a directory being walked as `cycle`, a FIFO/socket/device as `special` (never opened);
 * each with a warning. Hidden files are included; only TREE_IGNORED_NAMES are left out.
 */
export async function listTree(abs: string, rel: string): Promise<TreeListing> {
  const out: TreeListing = { files: [], tokens: [], warnings: [] }
  // `chain`: real paths of the directories being read, outermost first. A symlinked directory equal to or
  // containing one of them (inside the tree or above it) would be walked forever.
  const walk = async (dirAbs: string, prefix: string, chain: string[]): Promise<void> => {
    let names: string[]
    try {
      names = (await readdir(dirAbs)).filter((n) => !TREE_IGNORED_NAMES.has(n)).sort(compareCodePoints)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (!prefix || (code !== 'EACCES' && code !== 'EPERM')) throw err
      out.tokens.push({ name: prefix, token: 'absent' })
      out.warnings.push({ code: 'TREE_UNREADABLE', file: posix.join(rel, prefix), message: `${posix.join(rel, prefix)}: permission denied; recorded as absent in the directory digest` })
      return
    }
    for (const n of names) {
      const name = prefix ? `${prefix}/${n}` : n
      const childAbs = `${dirAbs}/${n}`
      const where = posix.join(rel, name)
      let st: BigIntStats
      try {
        st = statSync(childAbs, { bigint: true }) // sync: see the stat phase in engine.ts
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code !== 'ENOENT' && code !== 'ELOOP' && code !== 'EACCES') throw err
        out.tokens.push({ name, token: 'absent' })
        out.warnings.push({ code: 'TREE_UNREADABLE', file: where, message: `${where}: ${code === 'EACCES' ? 'permission denied' : 'dangling symlink'}; recorded as absent in the directory digest` })
        continue
      }
      if (st.isDirectory()) {
        const real = await realpath(childAbs)
        const within = real.endsWith(sep) ? real : real + sep
        if (chain.some((c) => c === real || c.startsWith(within))) {
          out.tokens.push({ name, token: 'cycle' })
          out.warnings.push({ code: 'TREE_CYCLE', file: where, message: `${where}: symlink points to a directory that contains it; recorded as a cycle, not followed` })
          continue
        }
        await walk(childAbs, name, [...chain, real])
      } else if (st.isFile()) {
        out.files.push({ name, rel: where, abs: childAbs, stat: st })
      } else {
        out.tokens.push({ name, token: 'special' })
        out.warnings.push({ code: 'TREE_SPECIAL', file: where, message: `${where}: not a regular file (FIFO, socket or device); recorded as special, not read` })
      }
    }
  }
  await walk(abs, '', [await realpath(abs)])
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
