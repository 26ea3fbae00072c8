import { digestLooseFiles, isPythonSource } from '@modelops-bundle/core/hash'
import { defineCli } from '../argv.js'
import { EXIT, reportError, usageError } from '../output.js'
import { progressLine } from '../progress.js'

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
    const ok: Array<{ path: string; kind: string; digest: string }> = []
    // Many files parse on worker threads (core decides when that pays); output keeps the order given.
    for (const r of await digestLooseFiles(files, isPythonSource, { onProgress: progressLine(out) })) {
      if ('error' in r) {
        failed = true
        reportError(r.error, { debug })
        continue
      }
      if (r.warning) out.warn(r.warning)
      ok.push({ path: r.path, kind: r.kind, digest: r.digest })
    }
    if (out.json) out.result(ok)
    else for (const r of ok) out.line(`${r.digest}  ${r.kind}  ${r.path}`)
    return failed ? EXIT.FAIL : EXIT.OK
  },
})
