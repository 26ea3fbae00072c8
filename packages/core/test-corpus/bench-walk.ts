// Benchmark (not a test): where pysem1's time goes, and what the alternatives to the cursor walk would cost, on one
// thread in CPU time (the build machine is shared: CPU time moves less than wall time). Rows, each a full pass over
// the same files after a warm-up pass: the parse alone (the floor any walk stands on), the parse plus a bare cursor
// walk (every node's type, span and field read, nothing written), the parse plus one bulk export of every node
// (descendantsOfType over all types: one WASM call marshals all nodes through the transfer buffer), the whole
// semanticDigest, and the reference token hash (python3, CPU time of its loop) on the same files.
// `npx tsx packages/core/test-corpus/bench-walk.ts <folder>...` (e.g. the stdlib, a site-packages); ~300 files each.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { blankCommentLines } from '../src/python/blank.js'
import { getParser } from '../src/python/parser.js'
import { semanticDigest } from '../src/python/semantic.js'

const here = dirname(fileURLToPath(import.meta.url))
const parser = await getParser()
await semanticDigest(Buffer.from('x = 1\n'), 'warmup.py')

function pythonFiles(root: string): string[] {
  const files: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) { if (!['__pycache__', 'test', 'tests', 'site-packages'].includes(e.name)) walk(p) }
      else if (e.name.endsWith('.py')) files.push(p)
    }
  }
  walk(root)
  files.sort()
  const step = Math.max(1, Math.floor(files.length / 300))
  return files.filter((_, i) => i % step === 0)
}

async function cpuSeconds(fn: () => unknown): Promise<number> {
  const c0 = process.cpuUsage()
  await fn()
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / 1e6
}

for (const root of process.argv.slice(2)) {
  const list = pythonFiles(root)
  const texts = list.map((f) => readFileSync(f, 'utf8'))
  const mb = texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6
  const types = parser.language!.types.filter((t): t is string => !!t)
  const rows: [string, () => unknown][] = [
    ['parse only', () => { for (const t of texts) parser.parse(blankCommentLines(t).text)?.delete() }],
    ['parse + bare cursor walk', () => {
      let n = 0
      for (const t of texts) {
        const tree = parser.parse(blankCommentLines(t).text)!
        const c = tree.walk()
        outer: for (;;) {
          n += c.nodeTypeId + c.startIndex + c.endIndex + c.currentFieldId
          if (c.gotoFirstChild()) continue
          for (;;) { if (c.gotoNextSibling()) continue outer; if (!c.gotoParent()) break outer }
        }
        c.delete()
        tree.delete()
      }
      return n
    }],
    ['parse + bulk export (descendantsOfType)', () => {
      let n = 0
      for (const t of texts) {
        const tree = parser.parse(blankCommentLines(t).text)!
        for (const x of tree.rootNode.descendantsOfType(types)) n += x!.startIndex
        tree.delete()
      }
      return n
    }],
    ['semanticDigest (pysem1, whole)', async () => { for (let i = 0; i < list.length; i++) await semanticDigest(Buffer.from(texts[i]!), list[i]!) }],
  ]
  const py = `import sys, time, json; sys.path.insert(0, ${JSON.stringify(here)}); import token_hash as th
files = sys.stdin.read().split()
for f in files: th.token_hash(f)
t0 = time.process_time()
for f in files: th.token_hash(f)
print(json.dumps(time.process_time() - t0))`
  const ref = Number(spawnSync('python3', ['-c', py], { input: list.join('\n'), encoding: 'utf8' }).stdout.trim())
  console.log(`\n${root}: ${list.length} files, ${mb.toFixed(2)} MB; CPU seconds, one thread; × = reference CPU / ours`)
  for (const [name, fn] of rows) {
    await fn() // warm-up: JIT and WASM tier-up, as in a long-running worker
    const s = await cpuSeconds(fn)
    console.log(`${name.padEnd(40)} ${s.toFixed(2).padStart(6)} s  ${(mb / s).toFixed(2).padStart(6)} MB/s  ${(ref / s).toFixed(2)}×`)
  }
  console.log(`${'reference token hash (python3)'.padEnd(40)} ${ref.toFixed(2).padStart(6)} s  ${(mb / ref).toFixed(2).padStart(6)} MB/s`)
}
