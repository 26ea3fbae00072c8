import { readFile, stat } from 'node:fs/promises'
import { hashFile, ModelopsError, semanticDigest } from '@modelops-bundle/core'
import { defineCli } from '../argv.js'
import { EXIT, reportError, usageError } from '../output.js'

interface Hashed {
  path: string
  kind: 'semantic' | 'bytes'
  digest: string
}

const PYTHON = /\.pyi?$/

/** Python sources get the semantic digest (falling back to bytes, with a warning); everything else the byte digest. */
export default defineCli({
  name: 'hash',
  description: 'Digest of each file: semantic for Python (pysem1:), bytes otherwise (blake2b256:)',
  args: {
    files: { type: 'positional', required: false, description: 'Files to hash (one or more)' },
    json: { type: 'boolean', description: 'Print [{path, kind, digest}] as JSON' },
  },
  variadic: true,
  async run({ out, rest, debug }) {
    const files = rest()
    if (files.length === 0) throw usageError('no files given', "usage: mops-bundle hash [--json] FILE...")
    let failed = false
    const results = await mapLimit(files, 8, async (file): Promise<Hashed | null> => {
      try {
        const info = await stat(file).catch(() => null)
        if (!info) throw new ModelopsError('FILE_NOT_FOUND', 'file not found', { file })
        if (!info.isFile()) throw new ModelopsError('PATH_INVALID', 'not a regular file', { file, hint: 'hash takes files; a folder is hashed as part of a registered dependency' })
        if (!PYTHON.test(file)) return { path: file, kind: 'bytes', digest: await hashFile(file) }
        const sem = await semanticDigest(await readFile(file), file)
        if (sem.warning) out.warn(sem.warning)
        return { path: file, kind: sem.kind, digest: sem.digest }
      } catch (err) {
        failed = true
        reportError(err, { debug })
        return null
      }
    })
    const ok = results.filter((r): r is Hashed => r !== null)
    if (out.json) out.result(ok)
    else for (const r of ok) out.line(`${r.digest}  ${r.kind}  ${r.path}`)
    return failed ? EXIT.FAIL : EXIT.OK
  },
})

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
