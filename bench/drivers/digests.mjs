// Ours: every model's and target's digests of a project (the call status, verify and the plugin share).
//   node digests.mjs --root DIR --cache DIR [--passes N]
// Pass 1 uses whatever stat cache is in --cache (empty = cold); later passes run in the same process
// (what a watching dev server does). "open" = find project + load registry.
import { argValue, guarded, loadCore, now, report } from './_core.mjs'

const argv = process.argv.slice(2)
const root = argValue(argv, '--root')
const cacheDir = argValue(argv, '--cache')
const passes = Number(argValue(argv, '--passes', '1'))
const t00 = now()
const core = await loadCore()

await guarded(async () => {
  const tLoad = now()
  const ws = core.Workspace.open(root, { cacheDir })
  const registry = ws.registry()
  const tOpen = now()
  const seconds = []
  let report0
  for (let i = 0; i < passes; i++) {
    const t = now()
    report0 = await core.computeDigests(ws, registry)
    seconds.push((now() - t) / 1000)
  }
  report({
    seconds_load: (tLoad - t00) / 1000,
    seconds_open: (tOpen - tLoad) / 1000,
    seconds,
    models: Object.keys(report0.models).length,
    warnings: report0.warnings.length,
    bundle_digest: report0.bundle_digest,
  })
  if (typeof core.closeSemanticPool === 'function') await core.closeSemanticPool()
  if (typeof core.closeHashPool === 'function') await core.closeHashPool()
})
