// (4) Plugin overhead: production Vite builds of the playground with and without unplugin-modelops-bundle.
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { driver, measure, NotReady } from '../lib/measure.mjs'
import { ratio } from '../lib/stats.mjs'

const overhead = (on, off) => (on && off ? on / off - 1 : null)

export async function pluginOverhead(ctx) {
  const { paths, opts, log } = ctx
  // A build is ~0.5 s but a busy VM adds 0.2 s to some: 11 runs keep the median off those outliers.
  const runs = opts.runs ?? (opts.quick ? 2 : 11)
  const base = { id: 'plugin-overhead', title: 'Plugin overhead (Vite build of the playground)', runs }
  const need = [
    [join(paths.repo, 'playground/vite.config.ts'), 'playground/vite.config.ts'],
    [join(paths.repo, 'packages/unplugin/dist/vite.js'), 'a built unplugin-modelops-bundle (npm run build)'],
    [join(paths.repo, 'packages/cli/dist/index.js'), 'a built CLI (sample-create, register-model)'],
  ]
  for (const [f, what] of need) if (!existsSync(f)) return { ...base, status: 'not measured', reason: `${what} is missing` }

  // The sample project, made the way the demo makes it (sample-create + register), in bench/tmp.
  const sample = join(paths.tmp, 'plugin-sample')
  try {
    const { ensureSample } = await import(join(paths.repo, 'playground/scripts/sample.mjs'))
    ensureSample(sample, { quiet: true })
  } catch (err) {
    return { ...base, status: 'not measured', reason: `could not create the sample project: ${String(err.message).split('\n')[0]}` }
  }
  const stub = join(paths.tmp, 'virtual-modelops-bundle.js')
  const warmCache = join(paths.tmp, 'plugin-cache-warm')
  const env = (cacheDir, out) => ({ PLAYGROUND_SAMPLE: sample, PLAYGROUND_CACHE_DIR: cacheDir, PLAYGROUND_OUT_DIR: join(paths.tmp, out) })
  const build = async (plugin, cacheDir, out) => {
    const r = await driver(paths.drivers.viteBuild, ['--plugin', plugin, '--stub', stub], { env: env(cacheDir, out), cwd: paths.repo })
    return { wallMs: r.wallMs, workMs: r.json.build_ms, cpuMs: r.cpuMs, maxRssKb: r.maxRssKb }
  }

  // Prime: one build with the plugin fills the warm cache and saves the virtual module for the stub.
  log('plugin: priming the cache (first build with the plugin)')
  rmSync(warmCache, { recursive: true, force: true })
  try {
    await build('on', warmCache, 'vite-on')
  } catch (err) {
    return { ...base, status: err instanceof NotReady ? 'not measured' : 'failed', reason: `build with the plugin: ${err.message}` }
  }
  if (!existsSync(stub)) return { ...base, status: 'failed', reason: 'the plugin build did not produce virtual:modelops-bundle' }

  log('plugin: warm cache, with vs without')
  const rows = await measure([
    { name: 'Vite build with the plugin, warm cache', exec: () => build('on', warmCache, 'vite-on') },
    { name: 'Vite build without the plugin', peer: true, exec: () => build('off', warmCache, 'vite-off') },
  ], runs, { warmup: opts.quick ? 0 : 1, log })
  log('plugin: cold cache')
  let coldRun = 0
  const [cold] = await measure([
    {
      name: 'Vite build with the plugin, cold cache (outputs generated)',
      exec: async () => {
        const dir = join(paths.tmp, `plugin-cache-cold-${coldRun++}`)
        rmSync(dir, { recursive: true, force: true })
        try { return await build('on', dir, 'vite-cold') } finally { rmSync(dir, { recursive: true, force: true }) }
      },
    },
  ], opts.quick ? 1 : Math.min(runs, 3), { log })
  rows.push(cold)
  for (const row of rows) row.build_ms = row.work_ms

  const on = rows[0].build_ms?.median
  const off = rows[1].build_ms?.median
  const c = cold.build_ms?.median
  const onWall = rows[0].wall_ms?.median
  const offWall = rows[1].wall_ms?.median
  return {
    ...base,
    status: rows.every((r) => r.status === 'measured') ? 'measured' : 'partial',
    project: 'The sample project (`mops-bundle sample-create` + register-model + register-target) under the playground dashboard; its generator runs the sample\'s Python models on a cache miss.',
    rows,
    ratio_warm: ratio(on, off),
    overhead_warm: on && off ? on / off - 1 : null,
    overhead_cold: c && off ? c / off - 1 : null,
    wall_ratio_warm: ratio(onWall, offWall),
    overhead_warm_process: onWall && offWall ? onWall / offWall - 1 : null,
    overhead_warm_process_cpu: overhead(rows[0].cpu_ms?.median, rows[1].cpu_ms?.median),
    notes: [
      'Each build is a fresh process running the playground\'s Vite config. "whole process" is what a user waits for (node start, imports, config, build, exit); "`vite.build()`" times the build call alone, so it leaves out the plugin\'s import cost but shows its per-build work undiluted. Each build writes its own output folder.',
      'Without the plugin, the plugin is not even imported and a stub serves the same `virtual:modelops-bundle` source the plugin produced, so the app bundle is the same; what is left out is all of the plugin: its import, project and registry load, digests (stat cache), cache lookup, manifest and artifact emission.',
      'warm cache = stat cache and output cache filled by an earlier build, nothing changed; cold cache = empty cache folder: every model\'s outputs are generated (Python) and every file hashed.',
    ],
  }
}

