// Benchmark (not a test): semantic hashing of the CPython standard library, single thread and on the
// worker pool, against the reference's token hash (tokenize + BLAKE2b) run by python3 on the same files
// in the same run. `npx tsx packages/core/test-corpus/bench-pysem.ts [limit]`
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { closeParsePools } from '../src/python/pool.js'
import { semanticDigest, semanticDigestMany } from '../src/python/semantic.js'

const here = dirname(fileURLToPath(import.meta.url))
const stdlib = spawnSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).stdout.trim()
const files: string[] = []
const walk = (d: string) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name)
    if (e.isDirectory()) { if (e.name !== 'site-packages' && e.name !== '__pycache__') walk(p) }
    else if (e.name.endsWith('.py')) files.push(p)
  }
}
walk(stdlib)
files.sort()
const limit = Number(process.argv[2] ?? files.length)
const list = files.slice(0, limit)
const bytes = list.reduce((n, f) => n + readFileSync(f).length, 0)
const mb = bytes / 1e6
const line = (name: string, s: number) => console.log(`${name.padEnd(34)} ${s.toFixed(2).padStart(7)} s  ${(list.length / s).toFixed(0).padStart(5)} files/s  ${(mb / s).toFixed(2).padStart(6)} MB/s`)

console.log(`${list.length} files, ${mb.toFixed(1)} MB from ${stdlib}`)
await semanticDigest(Buffer.from('x = 1\n'), 'warmup.py') // parser start-up, once per process
let t0 = performance.now()
for (const f of list) await semanticDigest(readFileSync(f), f)
line('pysem1, 1 thread', (performance.now() - t0) / 1000)
for (const w of [1, 2]) {
  await semanticDigestMany(list.slice(0, 4), { workers: w }) // start the workers
  t0 = performance.now()
  await semanticDigestMany(list, { workers: w })
  line(`pysem1, ${w} worker${w > 1 ? 's' : ''}`, (performance.now() - t0) / 1000)
}
await closeParsePools()
const py = spawnSync('python3', [join(here, 'token_hash.py')], { input: list.join('\n'), encoding: 'utf8', maxBuffer: 1 << 24 })
const ref = JSON.parse(py.stdout) as { seconds: number }
line('reference token hash (python3)', ref.seconds)
