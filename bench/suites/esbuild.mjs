// (8) esbuild with a large data file: esbuild reads every plugin watch file in full on every build (one-shot
// builds too), so the plugin hands it large data files through a small stamp. Peer: the plugin's hashing alone.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { syntheticProject } from '../lib/fixtures.mjs'
import { driver, measure, NotReady } from '../lib/measure.mjs'
import { MiB, ratio } from '../lib/stats.mjs'

export async function esbuildLargeData(ctx) {
  const { paths, opts, log, core } = ctx
  const runs = opts.runs ?? (opts.quick ? 1 : 3)
  const dataBytes = (opts.quick ? 64 : 512) * MiB
  const base = { id: 'esbuild-large-data', title: `esbuild build with one ${dataBytes / MiB} MiB data file vs the plugin's hashing alone`, runs }
  if (!existsSync(join(paths.repo, 'packages/unplugin/dist/esbuild.js'))) return { ...base, status: 'not measured', reason: 'a built unplugin-modelops-bundle (npm run build) is missing' }
  const { root } = await syntheticProject(paths.tmp, 'esbuild-large', { models: 1, codePerModel: 1, dataPerModel: 1, dataBytes }, core)
  mkdirSync(join(root, 'src'), { recursive: true })
  writeFileSync(join(root, 'src/main.js'), "import manifest from 'virtual:modelops-bundle'\nexport default manifest.bundle_digest\n")
  const warmCache = join(paths.tmp, 'esbuild-large-cache')
  const cold = join(paths.tmp, 'esbuild-large-cold')
  const dataFile = join(root, 'data/m0000/series-000.bin')
  const exec = (mode, cacheDir, fresh) => async () => {
    if (fresh) rmSync(cacheDir, { recursive: true, force: true })
    const r = await driver(paths.drivers.esbuildBuild, ['--mode', mode, '--root', root, '--cache', cacheDir, '--watch', dataFile], { cwd: paths.repo })
    return { wallMs: r.wallMs, workMs: r.json.build_ms, cpuMs: r.cpuMs, maxRssKb: r.maxRssKb }
  }
  try {
    rmSync(warmCache, { recursive: true, force: true })
    await exec('hash-only', warmCache, false)()
  } catch (err) {
    return { ...base, status: err instanceof NotReady ? 'not measured' : 'failed', reason: err.message }
  }
  log('esbuild: cold and warm stat cache, esbuild build vs hashing alone')
  const rows = await measure([
    { name: 'esbuild build with the plugin, cold cache', exec: exec('esbuild', cold, true) },
    { name: 'plugin hashing alone, cold cache', peer: true, exec: exec('hash-only', cold, true) },
    { name: 'esbuild build with the plugin, warm cache', exec: exec('esbuild', warmCache, false) },
    { name: 'plugin hashing alone, warm cache', peer: true, exec: exec('hash-only', warmCache, false) },
    { name: 'bare esbuild plugin returning the data file as a watch file (no hashing)', peer: true, exec: exec('watch-file', warmCache, false) },
  ], runs, { log })
  rmSync(cold, { recursive: true, force: true })
  const med = (i, k) => rows[i][k]?.median
  return {
    ...base,
    status: rows.every((r) => r.status === 'measured') ? 'measured' : 'partial',
    rows,
    wall_ratio_cold: ratio(med(0, 'wall_ms'), med(1, 'wall_ms')),
    wall_ratio_warm: ratio(med(2, 'wall_ms'), med(3, 'wall_ms')),
    bare_over_plugin_warm: ratio(med(4, 'wall_ms'), med(2, 'wall_ms')),
    data_bytes: dataBytes,
    notes: [
      'Each row is a fresh process. "esbuild build" is esbuild.build() of a one-line entry importing `virtual:modelops-bundle` with the plugin (generate: false); "hashing alone" opens the same project and computes its digests as the plugin does, with the same cache folder. cold = empty cache folder (the data file is hashed); warm = stat cache filled, nothing changed.',
      'CPU is GNU time\'s rusage of the node process and the children it reaped: esbuild\'s service process (Go) exits after node and is not counted, so compare wall times here.',
      'The last row is what the plugin cost esbuild before the stamp: a bare plugin handing esbuild the data file as a watch file, which esbuild reads in full (internal/bundler/bundler.go: every watchFiles entry goes through fsCache.ReadFile, one-shot builds included).',
    ],
  }
}
