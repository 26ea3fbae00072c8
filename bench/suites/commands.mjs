// (7) Whole commands as a user runs them (issue 16): `mops-bundle` start to end, next to the tool a user would
// otherwise run, in the same run. Every row is a whole process: node start, imports, work, exit.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { preRead, stdlibFiles, writeRandomFile } from '../lib/fixtures.mjs'
import { measure } from '../lib/measure.mjs'
import { run, tail } from '../lib/proc.mjs'
import { MiB, ratio } from '../lib/stats.mjs'

/** A contender that runs `cmd args` and must exit 0. */
function proc(name, cmd, args, { cwd, peer = false } = {}) {
  return {
    name,
    peer,
    exec: async () => {
      const r = await run(cmd, args, { cwd })
      if (r.code !== 0) throw new Error(`${name}: exit ${r.code}: ${tail(r.stderr || r.stdout, 300)}`)
      return { wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssKb: r.maxRssKb }
    },
  }
}

const median = (row, key = 'wall_ms') => row?.[key]?.median
/** How many times longer ours takes than the peer (< 1 = ours faster): the form the goals use. Wall time, or `cpu_ms`. */
const timeRatio = (ours, peer, key = 'wall_ms') => (median(ours, key) && median(peer, key) ? median(ours, key) / median(peer, key) : null)

/**
 * The 50,000-file project of the `verify` row: 3 models in one file sharing `data/shared` (50 folders of 1,000
 * files of 4,000 bytes, 200 MB), registered with the CLI itself and committed to git for the peer.
 */
function verifyProject(dir, cli) {
  const root = join(dir, 'verify-50k')
  if (existsSync(join(root, '.ready'))) return root
  rmSync(root, { recursive: true, force: true })
  mkdirSync(join(root, 'models'), { recursive: true })
  writeFileSync(join(root, 'models', 'sir.py'), ['from modelops_calabaria import BaseModel', '', ...['A', 'B', 'C'].map((c) => `class ${c}(BaseModel):\n    pass\n`)].join('\n'))
  const buf = Buffer.alloc(4000)
  for (let d = 0; d < 50; d++) {
    const sub = join(root, 'data', 'shared', `d${String(d).padStart(2, '0')}`)
    mkdirSync(sub, { recursive: true })
    for (let i = 0; i < 1000; i++) {
      buf.writeUInt32LE(d * 1000 + i, 0)
      writeFileSync(join(sub, `f${String(i).padStart(4, '0')}.bin`), buf)
    }
  }
  const sh = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'pipe' })
  sh(process.execPath, [cli, 'init'])
  sh(process.execPath, [cli, 'register-model', 'models/sir.py', '--data', 'data/shared'])
  sh('git', ['init', '-q'])
  sh('git', ['add', '-A'])
  sh('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-qm', 'fixture'])
  writeFileSync(join(root, '.ready'), '')
  return root
}

export async function commands(ctx) {
  const { opts, paths, log } = ctx
  const cli = join(paths.repo, 'packages', 'cli', 'bin', 'mops-bundle.mjs')
  const runs = opts.runs ?? (opts.quick ? 3 : 9)
  const dir = join(paths.tmp, 'commands')
  mkdirSync(dir, { recursive: true })
  const out = { id: 'commands', title: 'Whole commands vs their peers', runs, scenarios: [] }
  const scenario = async (key, label, contenders, extra = {}) => {
    log(`commands: ${label}`)
    const rows = await measure(contenders, runs, { warmup: 1, log })
    const s = { key, label, rows, time_ratio: timeRatio(rows[0], rows[1]), cpu_ratio: timeRatio(rows[0], rows[1], 'cpu_ms'), ...extra }
    out.scenarios.push(s)
    return s
  }

  // Start-up: a 3-byte data file and a one-line module, against a bare node start.
  writeFileSync(join(dir, 'tiny.txt'), 'abc')
  writeFileSync(join(dir, 'one.py'), 'x = 1\n')
  await scenario('startup', '`mops-bundle hash` of a 3-byte file and a one-line `.py`', [
    proc('mops-bundle hash tiny.txt one.py', process.execPath, [cli, 'hash', 'tiny.txt', 'one.py'], { cwd: dir }),
    proc('node -e 0', process.execPath, ['-e', '0'], { peer: true }),
  ], { goal: 'at most 2× the time of `node -e 0`', goal_max: 2 })

  // Python sources: 400 files of the CPython library (every ~4th file: the same spread of sizes and styles).
  const { files: all } = await stdlibFiles()
  const step = Math.max(1, Math.floor(all.length / 400))
  const py = all.filter((_, i) => i % step === 0).slice(0, opts.quick ? 100 : 400)
  const list = join(dir, `stdlib-${py.length}.txt`)
  writeFileSync(list, py.join('\n') + '\n')
  preRead(py)
  const s = await scenario('python', `\`mops-bundle hash --json\` of ${py.length} CPython library files`, [
    proc(`mops-bundle hash --json (${py.length} files)`, process.execPath, [cli, 'hash', '--json', ...py]),
    proc('reference token hash, python3, one process', 'python3', [paths.peers.tokenHash, '--list', list], { peer: true }),
  ], { goal: 'at least 2× the reference (time ratio ≤ 0.5)', goal_max: 0.5 })
  s.speedup = ratio(median(s.rows[1]), median(s.rows[0]))

  // Data files: one file of each size, against b2sum.
  for (const mib of opts.quick ? [16, 256] : [16, 256, 1024]) {
    const f = join(dir, `data-${mib}m.bin`)
    if (!existsSync(f)) writeRandomFile(f, mib * MiB)
    preRead([f])
    await scenario(`bytes-${mib}`, `\`mops-bundle hash\` of one ${mib} MiB file`, [
      proc(`mops-bundle hash (${mib} MiB)`, process.execPath, [cli, 'hash', f]),
      proc('b2sum -l 256', 'b2sum', ['-l', '256', f], { peer: true }),
    ], { goal: 'at most 1.25× the time of `b2sum -l 256`', goal_max: 1.25 })
  }

  // verify of a project whose 3 models share a 50,000-file data folder, warm, against git status on the same tree.
  if (!opts.quick) {
    const root = verifyProject(dir, cli)
    preRead([join(root, 'data')])
    await run(process.execPath, [cli, 'verify'], { cwd: root }) // warm the stat cache
    await scenario('verify-50k', 'warm no-change `verify`, 3 models sharing 50,000 data files (200 MB)', [
      proc('mops-bundle verify', process.execPath, [cli, 'verify'], { cwd: root }),
      proc('git status', 'git', ['status', '--porcelain'], { cwd: root, peer: true }),
    ], { goal: 'at most 4× the time of `git status`', goal_max: 4 })
  }
  for (const sc of out.scenarios) sc.met = sc.time_ratio == null ? null : sc.time_ratio <= sc.goal_max
  out.notes = [
    'Time ratio = our median wall time / the peer\'s (< 1 = ours faster); CPU ratio the same for user + system CPU time (all threads), which a loaded machine disturbs less. Whole processes: interpreter start, imports, work, exit.',
    'Interleaved runs (ours, peer, ours, peer, …) after one warm-up each; files are in the page cache.',
    `Machine load is part of every figure: read the ratios, not the absolute times. Files: ${readdirSync(dir).length} fixtures in bench/tmp/commands.`,
  ]
  return out
}
