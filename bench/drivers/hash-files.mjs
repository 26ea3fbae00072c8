// Ours: BLAKE2b-256 of whole files through the core's public API.
//   node hash-files.mjs FILE...     → {"seconds", "api", "digests": {file: hex}}
// Several files go through the core's worker pool (both cores) when it is exported; else hashFile each.
import { guarded, loadCore, now, report } from './_core.mjs'

const files = process.argv.slice(2)
const core = await loadCore()
const hex = (d) => String(d).replace(/^blake2b256:/, '')

await guarded(async () => {
  let api
  let digests
  const t0 = now()
  if (files.length > 1 && typeof core.hashFiles === 'function') {
    api = 'hashFiles'
    const out = await core.hashFiles(files)
    digests = Array.isArray(out) ? out : files.map((f) => out[f])
  } else if (files.length > 1 && typeof core.sharedHashPool === 'function') {
    api = 'sharedHashPool().hashFile'
    const pool = core.sharedHashPool()
    digests = await Promise.all(files.map((f) => pool.hashFile(f)))
  } else {
    api = 'hashFile'
    digests = await Promise.all(files.map((f) => core.hashFile(f)))
  }
  const seconds = (now() - t0) / 1000
  report({ seconds, api, digests: Object.fromEntries(files.map((f, i) => [f, hex(digests[i])])) })
  if (typeof core.closeHashPool === 'function') await core.closeHashPool()
})
