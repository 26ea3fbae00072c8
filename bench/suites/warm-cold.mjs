// (3) Warm vs cold digests of a synthetic project, and (5) growth with the number of registered files.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { preRead, syntheticProject } from '../lib/fixtures.mjs'
import { driver, NotReady } from '../lib/measure.mjs'
import { GiB, MiB, ratio, summary } from '../lib/stats.mjs'

/**
 * One cold/warm measurement: a fresh stat cache (cold) in one process, then a new process on that
 * cache (warm from disk) that also runs `inProcess` more passes (warm in memory, as a dev server).
 */
async function coldWarm(ctx, root, tag, inProcess = 2) {
  const cacheDir = join(ctx.paths.tmp, 'caches', tag)
  rmSync(cacheDir, { recursive: true, force: true })
  const cold = await driver(ctx.paths.drivers.digests, ['--root', root, '--cache', cacheDir, '--passes', '1'])
  const warm = await driver(ctx.paths.drivers.digests, ['--root', root, '--cache', cacheDir, '--passes', String(1 + inProcess)])
  rmSync(cacheDir, { recursive: true, force: true })
  return {
    cold_ms: cold.json.seconds[0] * 1000,
    cold_wall_ms: cold.wallMs,
    cold_rss_kb: cold.maxRssKb,
    warm_ms: warm.json.seconds[0] * 1000,
    warm_wall_ms: warm.wallMs,
    warm_open_ms: warm.json.seconds_open * 1000,
    warm_in_process_ms: Math.min(...warm.json.seconds.slice(1)) * 1000,
    same_digest: cold.json.bundle_digest === warm.json.bundle_digest,
    models: cold.json.models,
    warnings: cold.json.warnings,
  }
}

function collect(samples) {
  const keys = ['cold_ms', 'cold_wall_ms', 'cold_rss_kb', 'warm_ms', 'warm_wall_ms', 'warm_open_ms', 'warm_in_process_ms']
  const out = Object.fromEntries(keys.map((k) => [k, summary(samples.map((s) => s[k]))]))
  out.same_digest = samples.every((s) => s.same_digest)
  out.models = samples[0]?.models
  out.warnings = samples[0]?.warnings
  return out
}

async function guardedRuns(ctx, n, fn) {
  const samples = []
  try {
    for (let i = 0; i < n; i++) {
      samples.push(await fn(i))
      ctx.log(`  #${i + 1}: cold ${(samples.at(-1).cold_ms / 1000).toFixed(2)} s, warm ${samples.at(-1).warm_ms.toFixed(1)} ms`)
    }
    return { status: 'measured', samples }
  } catch (err) {
    const status = err instanceof NotReady ? 'not measured' : 'failed'
    ctx.log(`  ${status}: ${err.message}`)
    return { status, reason: String(err.message), samples }
  }
}

export async function warmCold(ctx) {
  const { opts, paths, log } = ctx
  const spec = opts.quick
    ? { models: 10, codePerModel: 9, dataPerModel: 10, dataBytes: 128 * MiB }
    : { models: 100, codePerModel: 9, dataPerModel: 10, dataBytes: 2 * GiB }
  const runs = opts.runs ?? (opts.quick ? 2 : 5)
  const name = `project-${spec.models}m-${spec.dataBytes / MiB}mib`
  log(`warm vs cold: generating/reusing ${name}`)
  const proj = await syntheticProject(paths.tmp, name, spec, ctx.core)
  log(`warm vs cold: ${proj.files} files, ${spec.dataBytes / MiB} MiB`)
  preRead([proj.root])
  const res = await guardedRuns(ctx, runs, (i) => coldWarm(ctx, proj.root, `${name}-${i}`))
  const s = collect(res.samples)
  return {
    id: 'warm-cold',
    title: 'Warm vs cold digests (stat cache)',
    status: res.status,
    reason: res.reason,
    runs,
    project: { ...spec, files: proj.files, python_files: spec.models * (1 + spec.codePerModel), data_files: spec.models * spec.dataPerModel },
    ...s,
    ratio_cold_over_warm: ratio(s.cold_ms?.median, s.warm_ms?.median),
    notes: [
      'cold = computeDigests with an empty stat cache (every file read and hashed: bytes for data, semantic for Python); page cache warm.',
      'warm = a new process on the stat cache the cold run left (only stat calls for unchanged files); "in process" = a further pass in the same process, as a dev server does.',
      'Times are of computeDigests itself; wall = the whole process (node start, module load, registry load).',
    ],
  }
}

export async function growth(ctx) {
  const { opts, paths, log } = ctx
  const sizes = opts.quick ? [1000, 5000] : [1000, 10000, 50000]
  const runs = opts.runs ? Math.min(opts.runs, 3) : (opts.quick ? 1 : 3)
  const points = []
  let status = 'measured'
  let reason = null
  for (const n of sizes) {
    const spec = { models: n / 100, codePerModel: 9, dataPerModel: 90, dataBytes: n * 0.9 * 4096 }
    const name = `growth-${n}`
    log(`growth: ${n} files (generating/reusing)`)
    const proj = await syntheticProject(paths.tmp, name, spec, ctx.core)
    preRead([proj.root])
    const res = await guardedRuns(ctx, runs, (i) => coldWarm(ctx, proj.root, `${name}-${i}`, 1))
    if (res.status !== 'measured') { status = res.status; reason = res.reason; break }
    const s = collect(res.samples)
    points.push({
      files: n,
      ...s,
      cold_us_per_file: s.cold_ms && (s.cold_ms.median * 1000) / n,
      warm_us_per_file: s.warm_ms && (s.warm_ms.median * 1000) / n,
      warm_in_process_us_per_file: s.warm_in_process_ms && (s.warm_in_process_ms.median * 1000) / n,
    })
  }
  const first = points[0]
  const last = points.at(-1)
  return {
    id: 'growth',
    title: 'Growth with the number of registered files',
    status,
    reason,
    runs,
    layout: 'per 100 files: one model file, 9 helper modules (Python, ~3 KB each), 90 data files of 4 KiB',
    points,
    // Per-file cost of the largest size over the smallest: ~1 means linear growth.
    linearity: points.length > 1 ? {
      cold: ratio(last.cold_us_per_file, first.cold_us_per_file),
      warm: ratio(last.warm_us_per_file, first.warm_us_per_file),
    } : null,
    notes: ['Per-file cost = median time / registered files. A per-file cost that stays flat as the project grows means linear growth.'],
  }
}
