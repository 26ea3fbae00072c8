// (1) Data hashing: ours vs `b2sum -l 256` vs Python hashlib, on several files and on one big file,
// plus peak memory on a small, a 1 GiB and (with --big) a 4 GiB file.
import { dataFiles } from '../lib/fixtures.mjs'
import { driver, measure, peer } from '../lib/measure.mjs'
import { run, tail } from '../lib/proc.mjs'
import { GiB, MiB, fmtBytes, mibps, ratio, summary } from '../lib/stats.mjs'

export async function dataHashing(ctx) {
  const { paths, opts, log } = ctx
  const total = opts.quick ? 256 * MiB : 1 * GiB
  const runs = opts.runs ?? (opts.quick ? 2 : 5)
  const many = dataFiles(paths.tmp, `data-8x${total / MiB}m`, 8, total)
  const one = dataFiles(paths.tmp, `data-1x${total / MiB}m`, 1, total)
  const scenarios = []

  for (const [label, set] of [[`${fmtBytes(total)} in 8 files`, many], [`one ${fmtBytes(total)} file`, one]]) {
    log(`data hashing: ${label}`)
    const digests = {}
    const keep = (name, map) => { digests[name] ??= map }
    const contenders = [
      {
        name: 'ours (core hashFile / hash pool)',
        exec: async () => {
          const r = await driver(paths.drivers.hashFiles, set.files)
          keep('ours', r.json.digests)
          return { wallMs: r.wallMs, workMs: r.json.seconds * 1000, maxRssKb: r.maxRssKb, extra: { api: r.json.api } }
        },
      },
      {
        name: 'b2sum -l 256',
        peer: true,
        exec: async () => {
          const r = await run('b2sum', ['-l', '256', ...set.files])
          if (r.code !== 0) throw new Error(tail(r.stderr))
          keep('b2sum', parseSums(r.stdout))
          return { wallMs: r.wallMs, maxRssKb: r.maxRssKb }
        },
      },
      ...(set.files.length > 1
        ? [{
            name: 'b2sum -l 256, 2 processes (xargs -P 2)',
            peer: true,
            exec: async () => {
              const r = await run('sh', ['-c', 'printf "%s\\0" "$@" | xargs -0 -n 4 -P 2 b2sum -l 256', 'sh', ...set.files])
              if (r.code !== 0) throw new Error(tail(r.stderr))
              return { wallMs: r.wallMs, maxRssKb: r.maxRssKb }
            },
          }]
        : []),
      {
        name: 'Python hashlib.blake2b(digest_size=32)',
        peer: true,
        exec: async () => {
          const r = await peer(paths.peers.blake2b, set.files)
          keep('python', r.json.digests)
          return { wallMs: r.wallMs, workMs: r.json.seconds * 1000, maxRssKb: r.maxRssKb }
        },
      },
      ...(set.files.length > 1
        ? [{
            name: 'Python hashlib, 2 threads',
            peer: true,
            exec: async () => {
              const r = await peer(paths.peers.blake2b, ['--threads', '2', ...set.files])
              return { wallMs: r.wallMs, workMs: r.json.seconds * 1000, maxRssKb: r.maxRssKb }
            },
          }]
        : []),
    ]
    // One warm-up round: fills the page cache so every contender reads from memory alike.
    const rows = await measure(contenders, runs, { warmup: 1, log })
    for (const row of rows) {
      row.throughput_mibps = summary(row.wall_ms?.runs.map((ms) => mibps(set.bytes, ms)) ?? [])
      row.work_throughput_mibps = summary(row.work_ms?.runs.map((ms) => mibps(set.bytes, ms)) ?? [])
    }
    const ours = rows[0]
    const b2 = rows.find((r) => r.name === 'b2sum -l 256')
    const py = rows.find((r) => r.name.startsWith('Python hashlib.blake2b'))
    scenarios.push({
      label,
      files: set.files.length,
      bytes: set.bytes,
      rows,
      ratio_vs_b2sum: ratio(ours.throughput_mibps?.median, b2.throughput_mibps?.median),
      ratio_vs_python: ratio(ours.throughput_mibps?.median, py.throughput_mibps?.median),
      // Inside a build or a long-lived CLI the process is already running: our hashing time against the
      // peers' whole run (b2sum starts in ~1 ms; Python's start-up is excluded as well).
      ratio_vs_b2sum_start_excluded: ratio(ours.work_throughput_mibps?.median, b2.throughput_mibps?.median),
      ratio_vs_python_start_excluded: ratio(ours.work_throughput_mibps?.median, py.work_throughput_mibps?.median),
      digests_agree: agree(digests, set.files),
    })
  }

  const memory = await memoryCase(ctx, one)
  return {
    id: 'data-hashing',
    title: 'Data hashing (BLAKE2b-256 of file bytes)',
    runs,
    scenarios,
    memory,
    notes: [
      'Throughput = bytes / wall clock of the whole process (start-up included), page cache warm (one warm-up round first).',
      'Ratios compare medians measured in the same run; > 1 means ours is faster.',
      '"digests agree": every contender printed the same BLAKE2b-256 for every file.',
    ],
  }
}

/** Peak RSS hashing a small file vs a big one: a streamed hash stays flat. */
async function memoryCase(ctx, one) {
  const { paths, opts, log } = ctx
  const small = dataFiles(paths.tmp, 'data-1x16m', 1, 16 * MiB)
  const cases = [['16 MiB', small], [fmtBytes(one.bytes), one]]
  if (opts.big) cases.push(['4 GiB', dataFiles(paths.tmp, 'data-1x4096m', 1, 4 * GiB)])
  else log('data hashing: 4 GiB memory case skipped (opt in with --big)')
  const out = []
  for (const [label, set] of cases) {
    log(`peak memory: ${label}`)
    const rows = await measure([
      { name: 'ours', exec: async () => { const r = await driver(paths.drivers.hashFiles, set.files); return { wallMs: r.wallMs, maxRssKb: r.maxRssKb } } },
      { name: 'b2sum -l 256', peer: true, exec: async () => { const r = await run('b2sum', ['-l', '256', ...set.files]); return { wallMs: r.wallMs, maxRssKb: r.maxRssKb } } },
      { name: 'Python hashlib', peer: true, exec: async () => { const r = await peer(paths.peers.blake2b, set.files); return { wallMs: r.wallMs, maxRssKb: r.maxRssKb } } },
    ], label === '4 GiB' ? 1 : 2, { log })
    out.push({ label, bytes: set.bytes, rows })
  }
  return { cases: out, skipped_4gib: !opts.big }
}

function parseSums(stdout) {
  const m = {}
  for (const line of stdout.trim().split('\n')) {
    const [hex, ...rest] = line.split(/\s+/)
    m[rest.join(' ').replace(/^\*/, '')] = hex
  }
  return m
}

function agree(digests, files) {
  const names = Object.keys(digests)
  if (names.length < 2) return null
  return files.every((f) => names.every((n) => digests[n][f] && digests[n][f] === digests[names[0]][f]))
}
