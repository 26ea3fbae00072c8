// One table of digest algorithms (issue 15 point 8): computeDigests, status and `hash` agree on every file.
import { afterEach, describe, expect, it } from 'vitest'
import { algorithmOf, fileAlgorithm, isPythonSource } from '../src/digest/algorithms.js'
import { digestFiles } from '../src/digest/compute.js'
import { digestLooseFiles } from '../src/digest/loose.js'
import { isForeignDigest } from '../src/digest/status.js'
import { makeProject, tempDir, write } from './digest-helpers.js'

const made: Array<() => void> = []
afterEach(() => made.splice(0).forEach((f) => f()))

describe('the algorithm table', () => {
  it('names each recorded digest: ours, the Python tool\'s sha256, R1 bare hex, unknown', () => {
    const hex = 'a'.repeat(64)
    expect(algorithmOf(`pysem1:${hex}`)?.ours).toBe(true)
    expect(algorithmOf(`blake2b256:${hex}`)?.ours).toBe(true)
    expect(algorithmOf(`tree1:${hex}`)?.ours).toBe(true)
    expect(algorithmOf(`sha256:${hex}`)).toMatchObject({ id: 'sha256', ours: false })
    expect(algorithmOf(hex)).toMatchObject({ id: 'r1-hex', ours: false })
    expect(algorithmOf(`md5:${hex}`)).toBeUndefined()
    expect(isForeignDigest(`sha256:${hex}`)).toBe(true)
    expect(isForeignDigest(`pysem1:${hex}`)).toBe(false)
  })

  it('.py and .pyi are Python everywhere: computeDigests gives the same digest as `hash`', async () => {
    const { dir, cleanup } = tempDir()
    made.push(cleanup)
    const project = makeProject(dir)
    write(dir, 'pkg/stub.pyi', 'def f(x: int) -> int: ...\n')
    write(dir, 'pkg/mod.py', 'X = 1\n')
    expect(isPythonSource('pkg/stub.pyi')).toBe(true)
    expect(fileAlgorithm('pkg/stub.pyi', 'code')).toBe('pysem1')
    expect(fileAlgorithm('pkg/stub.pyi', 'data')).toBe('blake2b256')
    const ours = await digestFiles(project, { code: ['pkg/stub.pyi', 'pkg/mod.py'], data: [] }, { cacheDir: false })
    expect(ours['pkg/stub.pyi']).toMatch(/^pysem1:/)
    const loose = await digestLooseFiles([`${dir}/pkg/stub.pyi`, `${dir}/pkg/mod.py`], isPythonSource)
    expect(loose.map((r) => ('digest' in r ? r.digest : r))).toEqual([ours['pkg/stub.pyi'], ours['pkg/mod.py']])
  })
})
