// Ours: semantic digests of many Python files.
//   node semantic.mjs --list FILES.txt [--workers N] [--digests]
// "seconds" excludes process start, module load and parser start-up: a warm-up batch of tiny files
// first loads the grammar in this thread and in every pool worker. The harness's wall clock includes them.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { argValue, guarded, loadCore, now, report } from './_core.mjs'

const argv = process.argv.slice(2)
const files = readFileSync(argValue(argv, '--list'), 'utf8').split('\n').filter(Boolean)
const workersArg = argValue(argv, '--workers')
const workers = workersArg === undefined ? undefined : Number(workersArg)
const t00 = now()
const core = await loadCore()
let bytes = 0
for (const f of files) bytes += statSync(f).size

await guarded(async () => {
  const tLoad = now()
  const many = typeof core.semanticDigestMany === 'function'
  const warmDir = mkdtempSync(join(tmpdir(), 'mops-bench-warm-'))
  try {
    await core.semanticDigest(new TextEncoder().encode('x = 1\n'), 'warmup.py')
    if (many && workers !== 0) {
      const tiny = Array.from({ length: 8 }, (_, i) => join(warmDir, `w${i}.py`))
      for (const f of tiny) writeFileSync(f, 'def f(x):\n    return x + 1\n')
      await core.semanticDigestMany(tiny, workers === undefined ? {} : { workers })
    }
  } finally {
    rmSync(warmDir, { recursive: true, force: true })
  }
  const tInit = now()
  let api
  let results
  if (many) {
    api = `semanticDigestMany(${workers === undefined ? 'default workers' : `workers: ${workers}`})`
    results = await core.semanticDigestMany(files, workers === undefined ? {} : { workers })
  } else {
    api = 'semanticDigest'
    results = []
    for (const f of files) results.push(await core.semanticDigest(await readFile(f), f))
  }
  const tEnd = now()
  const semantic = results.filter((r) => r.kind === 'semantic').length
  const out = {
    api,
    files: files.length,
    bytes,
    semantic,
    fallback: results.length - semantic,
    seconds: (tEnd - tInit) / 1000,
    seconds_load: (tLoad - t00) / 1000,
    seconds_init: (tInit - tLoad) / 1000,
  }
  if (argv.includes('--digests')) out.digests = Object.fromEntries(files.map((f, i) => [f, results[i].digest]))
  report(out)
})
