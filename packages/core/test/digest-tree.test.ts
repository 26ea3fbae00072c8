// tree1 directory digests: the documented pre-image, ordering, and what happens to unusual entries.
import { execFileSync } from 'node:child_process'
import { mkdirSync, renameSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { blake2b } from '@noble/hashes/blake2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { digestPaths } from '../src/digest/engine.js'
import { hashBytes } from '../src/digest/bytes.js'
import { treeDigest } from '../src/digest/tree.js'
import { makeProject, tempDir, write } from './digest-helpers.js'
import type { Project } from '../src/project/project.js'

let root: string
let cleanup: () => void
let project: Project
beforeEach(() => {
  ;({ dir: root, cleanup } = tempDir())
  project = makeProject(root)
})
afterEach(() => cleanup())

const dirDigest = async (rel = 'data') => {
  const { results, warnings } = await digestPaths(project, [{ rel, mode: 'data' }], { cacheDir: false })
  return { digest: results.get(`data\0${rel}`)!.digest, warnings }
}

const enc = new TextEncoder()
const nobleTree = (entries: [string, string][]) => `tree1:${bytesToHex(blake2b(enc.encode(`modelops-bundle:tree1\0${entries.map(([p, d]) => `${p}\0${d}\0`).join('')}`), { dkLen: 32 }))}`

describe('tree1', () => {
  it('is BLAKE2b-256 of the documented pre-image, paths in code-point order', async () => {
    write(root, 'data/b.csv', 'b')
    write(root, 'data/a/x.csv', 'x')
    write(root, 'data/a-b.csv', 'ab')
    write(root, 'data/\u{E000}.csv', 'pua')
    write(root, 'data/😀.csv', 'emoji')
    const { digest } = await dirDigest()
    // '-' (0x2D) < '/' (0x2F); U+E000 < U+1F600 by code point although UTF-16 puts the surrogate pair first.
    const expected = nobleTree([
      ['a-b.csv', await hashBytes('ab')],
      ['a/x.csv', await hashBytes('x')],
      ['b.csv', await hashBytes('b')],
      ['\u{E000}.csv', await hashBytes('pua')],
      ['😀.csv', await hashBytes('emoji')],
    ])
    expect(digest).toBe(expected)
  })

  it('an empty directory has the digest of the bare tag', async () => {
    mkdirSync(join(root, 'data'))
    expect((await dirDigest()).digest).toBe(nobleTree([]))
    expect(await treeDigest([])).toBe(nobleTree([]))
  })

  it('changes with content, names and moves; not with empty directories or ignored tool files', async () => {
    write(root, 'data/a.csv', '1')
    write(root, 'data/sub/b.csv', '2')
    const base = (await dirDigest()).digest
    mkdirSync(join(root, 'data/empty'))
    write(root, 'data/.DS_Store', 'finder')
    write(root, 'data/sub/__pycache__/m.cpython-311.pyc', 'bytecode')
    write(root, 'data/.git/HEAD', 'ref')
    expect((await dirDigest()).digest).toBe(base)

    write(root, 'data/.hidden', 'h') // hidden files count
    const hidden = (await dirDigest()).digest
    expect(hidden).not.toBe(base)

    write(root, 'data/a.csv', '3')
    const edited = (await dirDigest()).digest
    expect(edited).not.toBe(hidden)

    renameSync(join(root, 'data/a.csv'), join(root, 'data/sub/a.csv'))
    expect((await dirDigest()).digest).not.toBe(edited)
  })

  it('follows symlinks, and records dangling links, cycles and FIFOs with a token and a warning', async () => {
    write(root, 'data/real.csv', 'r')
    write(root, 'elsewhere/shared.csv', 's')
    symlinkSync(join(root, 'elsewhere/shared.csv'), join(root, 'data/link.csv'))
    symlinkSync(join(root, 'nowhere.csv'), join(root, 'data/dangling.csv'))
    symlinkSync('..', join(root, 'data/loop'))
    execFileSync('mkfifo', [join(root, 'data/pipe')])
    const { digest, warnings } = await dirDigest()
    expect(digest).toBe(
      nobleTree([
        ['dangling.csv', 'absent'],
        ['link.csv', await hashBytes('s')],
        ['loop', 'cycle'],
        ['pipe', 'special'],
        ['real.csv', await hashBytes('r')],
      ]),
    )
    expect(warnings.map((w) => [w.code, w.file])).toEqual([
      ['TREE_UNREADABLE', 'data/dangling.csv'],
      ['TREE_CYCLE', 'data/loop'],
      ['TREE_SPECIAL', 'data/pipe'],
    ])
  })

  it('mutual directory links terminate', async () => {
    write(root, 'data/a.csv', 'a')
    write(root, 'other/o.csv', 'o')
    symlinkSync(join(root, 'other'), join(root, 'data/to-other'))
    symlinkSync(join(root, 'data'), join(root, 'other/to-data'))
    const { digest, warnings } = await dirDigest()
    expect(digest).toBe(nobleTree([['a.csv', await hashBytes('a')], ['to-other/o.csv', await hashBytes('o')], ['to-other/to-data', 'cycle']]))
    expect(warnings).toEqual([expect.objectContaining({ code: 'TREE_CYCLE', file: 'data/to-other/to-data' })])
  })

  it('a missing directory is absent', async () => {
    expect((await dirDigest('nope')).digest).toBe('absent')
  })
})
