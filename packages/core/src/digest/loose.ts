// Digests of files named on a command line (`mops-bundle hash`): no project, no stat cache. Python files are
// parsed on the parse pool and large data files hashed on the hash pool when their bytes repay starting it
// (poolPaysOff in workers/pool.ts, one rule for both).
import { readFile, stat } from 'node:fs/promises'
import { ModelopsError, type Warning } from '../errors.js'
import { defaultWorkers, parsePoolPaysOff } from '../python/pool.js'
import { semanticDigest, semanticDigestMany } from '../python/semantic.js'
import { BYTES_ALGO, hashFile } from './bytes.js'
import { hashPoolPaysOff, LARGE_FILE_BYTES, sharedHashPool } from './pool.js'

export interface LooseDigest {
  /** The path as given. */
  path: string
  kind: 'semantic' | 'bytes'
  /** `pysem1:<hex>` or `blake2b256:<hex>`. */
  digest: string
  /** Set when a Python file fell back to its byte digest. */
  warning?: Warning
}

export type LooseResult = LooseDigest | { path: string; error: ModelopsError | Error }

/** Each file's digest, in input order; a file that cannot be read gets an error entry instead. */
export async function digestLooseFiles(files: readonly string[], isPython: (file: string) => boolean): Promise<LooseResult[]> {
  const results = new Array<LooseResult>(files.length)
  const sizes = new Array<number>(files.length).fill(0)
  await Promise.all(
    files.map(async (file, i) => {
      const info = await stat(file).catch(() => null)
      if (!info) results[i] = { path: file, error: new ModelopsError('FILE_NOT_FOUND', 'file not found', { file }) }
      else if (!info.isFile()) {
        results[i] = { path: file, error: new ModelopsError('PATH_INVALID', 'not a regular file', { file, hint: 'hash takes files; a folder is hashed as part of a registered dependency' }) }
      } else sizes[i] = info.size
    }),
  )
  const py: number[] = []
  const data: number[] = []
  files.forEach((file, i) => {
    if (!results[i]) (isPython(file) ? py : data).push(i)
  })
  const fail = (i: number, err: unknown) => {
    results[i] = { path: files[i]!, error: err instanceof Error ? err : new Error(String(err)) }
  }

  const semantic = async () => {
    if (parsePoolPaysOff(py.map((i) => sizes[i]!))) {
      try {
        const rs = await semanticDigestMany(py.map((i) => files[i]!), { workers: defaultWorkers() })
        rs.forEach((r, k) => (results[py[k]!] = { ...r, path: files[py[k]!]! }))
        return
      } catch {
        // A file vanished mid-run or the pool failed: redo here, where each file's error is its own.
      }
    }
    for (const i of py) {
      try {
        results[i] = { path: files[i]!, ...(await semanticDigest(await readFile(files[i]!), files[i]!)) }
      } catch (err) {
        fail(i, err)
      }
    }
  }

  const bytes = async () => {
    const large = data.filter((i) => sizes[i]! >= LARGE_FILE_BYTES)
    const pooled = new Set(hashPoolPaysOff(large.map((i) => BigInt(sizes[i]!))) ? large : [])
    const pooledDigest = async (file: string) => {
      try {
        return `${BYTES_ALGO}:${await sharedHashPool().hashFile(file)}`
      } catch (err) {
        if ((err as { poolFailure?: boolean }).poolFailure) return hashFile(file) // worker died or cannot start
        throw err
      }
    }
    const one = async (i: number) => {
      try {
        results[i] = { path: files[i]!, kind: 'bytes', digest: await (pooled.has(i) ? pooledDigest(files[i]!) : hashFile(files[i]!)) }
      } catch (err) {
        fail(i, err)
      }
    }
    await Promise.all([...pooled].map(one))
    for (const i of data) if (!pooled.has(i)) await one(i)
  }

  await Promise.all([semantic(), bytes()])
  return results
}

export { isPythonSource } from './algorithms.js'
