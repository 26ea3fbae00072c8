#!/usr/bin/env node
// `npm run bench`: our figures next to the peers a user would otherwise use, measured in one run.
// Writes bench/results.json and bench/results.md. Benchmarks never fail on slowness: a measurement
// whose code is missing or broken is reported as "not measured"/"failed" and the run goes on.
//
//   node bench/run.mjs [--quick] [--big] [--runs N] [--only a,b] [--out DIR]
//     --quick   small sizes, few runs (~2 minutes): a smoke run of the whole harness
//     --big     also hash a 4 GiB file for the peak-memory table (4 GiB of disk, a minute or two)
//     --runs N  runs per contender (default 5, --quick 2)
//     --only    comma list of: data, semantic, warm, plugin, growth, commands, remote, esbuild
//     --out     where results.json / results.md go (default bench/; --quick defaults to bench/tmp/quick/)
//     --no-readme  do not refresh the figures in README.md (a full run into bench/ refreshes them)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describeMachine } from './lib/machine.mjs'
import { README_END, README_START, renderMarkdown, renderReadmeBlock } from './lib/report.mjs'
import { dataHashing } from './suites/data-hashing.mjs'
import { pluginOverhead } from './suites/plugin.mjs'
import { semanticHashing } from './suites/semantic.mjs'
import { commands } from './suites/commands.mjs'
import { growth, warmCold } from './suites/warm-cold.mjs'
import { remoteCache } from './suites/remote-cache.mjs'
import { esbuildLargeData } from './suites/esbuild.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const repo = dirname(here)

function parseArgs(argv) {
  const opts = { quick: false, big: false, runs: null, only: null, out: null, readme: true }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--quick') opts.quick = true
    else if (a === '--big') opts.big = true
    else if (a === '--runs') opts.runs = Math.max(1, Number(argv[++i]))
    else if (a === '--only') opts.only = argv[++i].split(',')
    else if (a === '--out') opts.out = argv[++i]
    else if (a === '--no-readme') opts.readme = false
    else if (a === '--help' || a === '-h') { console.log(readHelp()); process.exit(0) }
    else { console.error(`unknown option ${a}\n${readHelp()}`); process.exit(2) }
  }
  return opts
}
function readHelp() {
  return 'usage: node bench/run.mjs [--quick] [--big] [--runs N] [--only data,semantic,warm,plugin,growth,remote,commands,esbuild] [--out DIR] [--no-readme]'
}

const opts = parseArgs(process.argv.slice(2))
const paths = {
  repo,
  tmp: join(here, 'tmp'),
  drivers: {
    hashFiles: join(here, 'drivers', 'hash-files.mjs'),
    semantic: join(here, 'drivers', 'semantic.mjs'),
    digests: join(here, 'drivers', 'digests.mjs'),
    viteBuild: join(here, 'drivers', 'vite-build.mjs'),
    esbuildBuild: join(here, 'drivers', 'esbuild-build.mjs'),
  },
  peers: {
    blake2b: join(here, 'peers', 'blake2b_files.py'),
    tokenHash: join(here, 'peers', 'token_hash.py'),
    tokenVectors: join(here, 'peers', 'token_hash_vectors.json'),
    astDump: join(here, 'peers', 'ast_dump.py'),
  },
}
mkdirSync(paths.tmp, { recursive: true })
const outDir = opts.out ?? (opts.quick ? join(paths.tmp, 'quick') : here)
mkdirSync(outDir, { recursive: true })

const t0 = Date.now()
const log = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`)
let core = null
try { core = await import(pathToFileURL(join(repo, 'packages/core/dist/index.js')).href) } catch (err) { log(`core does not load (${err.message}); our measurements will be "not measured"`) }
const ctx = { opts, paths, log, core }

const suites = [
  ['data', dataHashing],
  ['semantic', semanticHashing],
  ['warm', warmCold],
  ['plugin', pluginOverhead],
  ['growth', growth],
  ['remote', remoteCache],
  ['commands', commands],
  ['esbuild', esbuildLargeData],
]
const results = {
  schema: 'modelops-bundle/bench@1',
  date: new Date().toISOString(),
  mode: opts.quick ? 'quick' : 'full',
  options: { big: opts.big, runs: opts.runs },
  machine: describeMachine(repo),
  measurements: [],
}
log(`machine: ${results.machine.cpu_model}, ${results.machine.cores} cores, ${results.machine.ram_gib} GiB, node ${results.machine.node}, python ${results.machine.python}; load ${results.machine.loadavg_start.join(' ')}`)

for (const [key, fn] of suites) {
  if (opts.only && !opts.only.includes(key)) continue
  const started = Date.now()
  try {
    const m = await fn(ctx)
    m.seconds = (Date.now() - started) / 1000
    results.measurements.push(m)
  } catch (err) {
    // A harness error in one suite must not lose the others.
    log(`${key}: failed: ${err.stack ?? err}`)
    results.measurements.push({ id: key, status: 'failed', reason: String(err.message ?? err), seconds: (Date.now() - started) / 1000 })
  }
}
results.machine.loadavg_end = os.loadavg().map((x) => +x.toFixed(2))
results.seconds = (Date.now() - t0) / 1000

writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n')
writeFileSync(join(outDir, 'results.md'), renderMarkdown(results))
log(`wrote ${relative(process.cwd(), join(outDir, 'results.md'))} and results.json (${results.seconds.toFixed(0)} s)`)

// The README quotes the latest full run: only a complete, full-size run into bench/ may replace its figures.
if (opts.readme && !opts.quick && !opts.only && !opts.runs && opts.out === null) updateReadme(join(repo, 'README.md'), renderReadmeBlock(results))

function updateReadme(file, block) {
  if (!existsSync(file)) return
  const text = readFileSync(file, 'utf8')
  const a = text.indexOf(README_START)
  const b = text.indexOf(README_END)
  if (a < 0 || b < a) { log('README.md has no bench markers: figures not copied'); return }
  writeFileSync(file, text.slice(0, a) + block + text.slice(b + README_END.length))
  log('refreshed the figures in README.md')
}
