// (2) Semantic hashing of the CPython library: ours vs the reference token hash vs ast.parse+ast.dump.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { preRead, stdlibFiles } from '../lib/fixtures.mjs'
import { driver, measure, peer } from '../lib/measure.mjs'
import { mibps, ratio, summary } from '../lib/stats.mjs'

export async function semanticHashing(ctx) {
  const { paths, opts, log } = ctx
  // Each full run hashes 31 MB per contender (~10 s): 3 runs keep the suite to a few minutes.
  const runs = opts.runs ?? (opts.quick ? 2 : 3)
  const { root, files: all } = await stdlibFiles()
  // --quick: every 6th file (~300), same spread of sizes and styles.
  const files = opts.quick ? all.filter((_, i) => i % 6 === 0) : all
  const list = join(paths.tmp, `stdlib-${files.length}.txt`)
  writeFileSync(list, files.join('\n') + '\n')
  preRead(files)

  // The token-hash peer must reproduce the reference vectors of this interpreter, or it is not the reference.
  let selftest = null
  try {
    selftest = (await peer(paths.peers.tokenHash, ['--selftest', paths.peers.tokenVectors])).json
  } catch (err) {
    selftest = { error: String(err.message) }
  }

  log(`semantic hashing: ${files.length} files under ${root}`)
  const contenders = [
    ...[['ours (semantic digest, tree-sitter), both cores', []], ['ours, one thread', ['--workers', '0']]].map(([name, extraArgs]) => ({
      name,
      exec: async () => {
        const r = await driver(paths.drivers.semantic, ['--list', list, ...extraArgs])
        const j = r.json
        return { wallMs: r.wallMs, workMs: j.seconds * 1000, maxRssKb: r.maxRssKb, extra: { bytes: j.bytes, api: j.api, semantic: j.semantic, fallback: j.fallback, init_ms: j.seconds_init * 1000, load_ms: j.seconds_load * 1000 } }
      },
    })),
    {
      name: 'reference token hash (tokenize + BLAKE2b), Python',
      peer: true,
      exec: async () => {
        const r = await peer(paths.peers.tokenHash, ['--list', list])
        return { wallMs: r.wallMs, workMs: r.json.seconds * 1000, maxRssKb: r.maxRssKb, extra: { bytes: r.json.bytes, errors: r.json.errors } }
      },
    },
    {
      name: 'ast.parse + ast.dump (+ BLAKE2b), Python',
      peer: true,
      exec: async () => {
        const r = await peer(paths.peers.astDump, ['--list', list])
        return { wallMs: r.wallMs, workMs: r.json.seconds * 1000, maxRssKb: r.maxRssKb, extra: { bytes: r.json.bytes, errors: r.json.errors } }
      },
    },
  ]
  const rows = await measure(contenders, runs, { log })
  const bytes = rows.map((r) => r.extra.find(Boolean)?.bytes).find(Boolean) ?? null
  for (const row of rows) {
    row.throughput_mibps = bytes ? summary(row.wall_ms?.runs.map((ms) => mibps(bytes, ms)) ?? []) : null
    row.work_throughput_mibps = bytes ? summary(row.work_ms?.runs.map((ms) => mibps(bytes, ms)) ?? []) : null
  }
  const [ours, ours1, tok, ast] = rows
  return {
    id: 'semantic-hashing',
    title: 'Semantic hashing of the CPython library',
    runs,
    corpus: { root, files: files.length, bytes, subset: opts.quick ? 'every 6th file (--quick)' : 'all .py files, site-packages excluded' },
    token_hash_selftest: selftest,
    rows,
    ratios: {
      vs_token_hash_start_included: ratio(ours.throughput_mibps?.median, tok.throughput_mibps?.median),
      vs_token_hash_start_excluded: ratio(ours.work_throughput_mibps?.median, tok.work_throughput_mibps?.median),
      vs_ast_start_included: ratio(ours.throughput_mibps?.median, ast.throughput_mibps?.median),
      vs_ast_start_excluded: ratio(ours.work_throughput_mibps?.median, ast.work_throughput_mibps?.median),
      one_thread_vs_token_hash_start_excluded: ratio(ours1.work_throughput_mibps?.median, tok.work_throughput_mibps?.median),
    },
    notes: [
      'Start included = wall clock of the whole process (interpreter start, imports, parser/WASM start-up). Start excluded = the hashing loop only, reading files included; for ours, after one warm-up digest that loads the grammar.',
      'The token-hash peer reproduces reference-spec §2.2 and is checked against the reference vectors of this Python first (token_hash_selftest).',
    ],
  }
}
