// Contenders measured side by side: runs interleaved (A B C, A B C, …) so drift in machine load
// hits every contender alike. A contender whose code has not landed is "not measured", never faked.
import { NOT_READY_EXIT } from '../drivers/_core.mjs'
import { existsSync } from 'node:fs'
import { run, tail } from './proc.mjs'
import { summary } from './stats.mjs'

export class NotReady extends Error {}

/** The lock `npm run build` is run under in this repository's team workflow (absent elsewhere). */
const BUILD_LOCK = '/tmp/build.lock'

/**
 * A contender: `{ name, peer?: boolean, exec: () => Promise<Sample> }`, where a Sample is
 * `{ wallMs, workMs?, cpuMs?, maxRssKb?, extra? }`. Returns one row per contender.
 */
export async function measure(contenders, runs, { warmup = 0, log = () => {} } = {}) {
  const state = contenders.map((c) => ({ c, samples: [], status: 'measured', reason: null }))
  for (let i = -warmup; i < runs; i++) {
    for (const s of state) {
      if (s.status !== 'measured') continue
      try {
        const sample = await s.c.exec(i)
        if (i >= 0) s.samples.push(sample)
        log(`  ${s.c.name}${i < 0 ? ' (warm-up)' : ` #${i + 1}`}: ${(sample.wallMs / 1000).toFixed(2)} s`)
      } catch (err) {
        s.status = err instanceof NotReady ? 'not measured' : 'failed'
        s.reason = String(err.message ?? err)
        log(`  ${s.c.name}: ${s.status}: ${s.reason}`)
      }
    }
  }
  return state.map(({ c, samples, status, reason }) => ({
    name: c.name,
    peer: !!c.peer,
    status,
    reason,
    wall_ms: summary(samples.map((x) => x.wallMs)),
    work_ms: summary(samples.map((x) => x.workMs ?? NaN)),
    cpu_ms: summary(samples.map((x) => x.cpuMs ?? NaN)),
    maxrss_kb: summary(samples.map((x) => x.maxRssKb ?? NaN)),
    extra: samples.map((x) => x.extra ?? null),
  }))
}

/** Run one of our drivers (node) and return its parsed JSON line; exit 3 = code not landed yet. */
export async function driver(script, args, opts = {}) {
  let r = await run(process.execPath, [script, ...args], opts)
  // A parallel `npm run build` empties dist/ for a moment: wait for it (the team's build lock) and retry.
  for (let i = 0; i < 3 && r.code === NOT_READY_EXIT && /does not load/.test(r.stderr); i++) {
    await waitForBuild()
    r = await run(process.execPath, [script, ...args], opts)
  }
  if (r.code === NOT_READY_EXIT) throw new NotReady(r.stderr.replace(/^NOT READY:\s*/, '').trim())
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${tail(r.stderr || r.stdout, 400)}`)
  const line = r.stdout.trim().split('\n').pop()
  return { ...r, json: JSON.parse(line) }
}

async function waitForBuild() {
  if (existsSync(BUILD_LOCK)) await run('flock', [BUILD_LOCK, 'true'])
  await new Promise((r) => setTimeout(r, 2000))
}

/** Run a Python peer and parse its JSON line. */
export async function peer(script, args, opts = {}) {
  const r = await run('python3', [script, ...args], opts)
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${tail(r.stderr || r.stdout, 400)}`)
  return { ...r, json: JSON.parse(r.stdout.trim().split('\n').pop()) }
}
