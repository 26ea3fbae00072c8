// Digests of files named on a command line (`mops-bundle hash`): no project, no stat cache. Python files are
// parsed on the parse pool and large data files hashed on the hash pool when their bytes repay starting it
// (poolPaysOff in workers/pool.ts, one rule for both).
import { readFile, stat } from 'node:fs/promises'
import { ModelopsError, type Warning } from '../errors.js'
import { defaultWorkers, parsePoolPaysOff } from '../python/pool.js'
import { semanticDigest, semanticDigestMany } from '../python/semantic.js'
import { BYTES_ALGO, hashFile } from './bytes.js'
import { hashPoolPaysOff, LARGE_FILE_BYTES, sharedHashPool } from './pool.js'
import { NO_PROGRESS, progressMeter, type ProgressCallback } from './progress.js'

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

export interface LooseOptions {
  /** Progress of the files read (totals from their stats), as for computeDigests; default none. */
  onProgress?: ProgressCallback
}

/** Each file's digest, in input order; a file that cannot be read gets an error entry instead. */
export async function digestLooseFiles(files: readonly string[], isPython: (file: string) => boolean, options: LooseOptions = {}): Promise<LooseResult[]> {
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
  const meter = progressMeter(options.onProgress, [...py, ...data].map((i) => sizes[i]!))
  const progress = files.map((_, i) => meter?.file(sizes[i]!) ?? NO_PROGRESS)
  const fail = (i: number, err: unknown) => {
    results[i] = { path: files[i]!, error: err instanceof Error ? err : new Error(String(err)) }
  }

  const semantic = async () => {
    if (parsePoolPaysOff(py.map((i) => sizes[i]!))) {
      try {
        const rs = await semanticDigestMany(py.map((i) => files[i]!), { workers: defaultWorkers(), sizes: py.map((i) => sizes[i]!), ...(meter ? { onFileDone: (k: number) => progress[py[k]!]!.done() } : {}) })
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
      progress[i]!.done()
    }
  }

  const bytes = async () => {
    const large = data.filter((i) => sizes[i]! >= LARGE_FILE_BYTES)
    const pooled = new Set(hashPoolPaysOff(large.map((i) => BigInt(sizes[i]!))) ? large : [])
    const pooledDigest = async (file: string, onBytes: (n: number) => void) => {
      try {
        return `${BYTES_ALGO}:${await sharedHashPool().hashFile(file, meter && onBytes)}`
      } catch (err) {
        if ((err as { poolFailure?: boolean }).poolFailure) return hashFile(file, onBytes) // worker died or cannot start
        throw err
      }
    }
    const one = async (i: number) => {
      const p = progress[i]!
      try {
        results[i] = { path: files[i]!, kind: 'bytes', digest: await (pooled.has(i) ? pooledDigest(files[i]!, p.add) : hashFile(files[i]!, p.add)) }
      } catch (err) {
        fail(i, err)
      }
      p.done()
    }
    await Promise.all([...pooled].map(one))
    for (const i of data) if (!pooled.has(i)) await one(i)
  }

  await Promise.all([semantic(), bytes()])
  meter?.finish()
  return results
}

export { isPythonSource } from './algorithms.js'
export { describeProgress, progressAfterMs, PROGRESS_AFTER_ENV, type HashProgress, type ProgressCallback } from './progress.js'
