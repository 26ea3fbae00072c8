// Odd Python: a digest (semantic, or bytes with a warning naming the file), never a crash or a hang.
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { fault } from './support/record.js'
import { cli, firstLines, stackLine } from './support/run.js'
import { makeProject, modelSource, tempDir, write } from './support/project.js'

const G = 'python'
const DIGEST = /^(pysem1|blake2b256):[0-9a-f]{64}$/
const MODEL = modelSource('Sir')
const lf = (s: string) => Buffer.from(s)

interface Hashed { kind: string; digest: string; stderr: string; ms: number }

/** `mops-bundle hash --json FILE` in a child process; checks the shared promises. */
async function hash(dir: string, name: string, bytes: Buffer, timeoutMs = 60_000): Promise<Hashed> {
  writeFileSync(join(dir, name), bytes)
  const r = await cli(['hash', '--json', name], { cwd: dir, timeoutMs })
  expect(r.timedOut, `hash hung on ${name}`).toBe(false)
  expect(r.signal, `hash killed by a signal: ${r.stderr.slice(-2000)}`).toBeNull()
  expect(r.code, `hash exit code; stderr:\n${r.stderr.slice(-3000)}`).toBe(0)
  expect(stackLine(r.stderr), r.stderr.slice(-3000)).toBeUndefined()
  const out = JSON.parse(r.stdout) as Array<{ path: string; kind: string; digest: string }>
  expect(out).toHaveLength(1)
  expect(out[0]!.path).toBe(name)
  expect(out[0]!.digest).toMatch(DIGEST)
  expect(['semantic', 'bytes']).toContain(out[0]!.kind)
  if (out[0]!.kind === 'bytes') expect(r.stderr, 'a byte fallback warns, naming the file').toContain(name)
  return { kind: out[0]!.kind, digest: out[0]!.digest, stderr: r.stderr, ms: r.ms }
}

/** `discover --json` must not crash either (exit 0, or 1 naming the file). */
async function discover(dir: string, name: string, timeoutMs = 60_000): Promise<string> {
  const r = await cli(['discover', '--json', name], { cwd: dir, timeoutMs })
  expect(r.timedOut, `discover hung on ${name}`).toBe(false)
  expect(r.signal, r.stderr.slice(-2000)).toBeNull()
  expect(stackLine(r.stderr), r.stderr.slice(-3000)).toBeUndefined()
  expect([0, 1], r.stderr.slice(-2000)).toContain(r.code)
  if (r.code === 1) expect(r.stderr).toContain(name)
  return `discover exit ${r.code}`
}

const describeHash = (h: Hashed) => `${h.kind} digest in ${(h.ms / 1000).toFixed(1)} s${h.kind === 'bytes' ? ` + warning \`${firstLines(h.stderr, 1)}\`` : ''}`

interface OddCase {
  name: string
  fault: string
  bytes: () => Buffer
  /** Same semantic digest as this source (a formatting-only difference, issue 3). */
  sameAs?: () => Buffer
  /** Python rejects it: the byte fallback is the expected outcome. */
  invalid?: boolean
  timeoutMs?: number
}

const nest = (open: string, inner: string, close: string, n: number) => open.repeat(n) + inner + close.repeat(n)

const CASES: OddCase[] = [
  { name: 'not UTF-8, no coding cookie', fault: 'latin-1 byte 0xe9 in a string', bytes: () => Buffer.concat([lf('s = "caf'), Buffer.from([0xe9]), lf('"\n')]), invalid: true },
  { name: 'latin-1 with a coding cookie', fault: '# -*- coding: latin-1 -*- then 0xe9 in a string', bytes: () => Buffer.concat([lf('# -*- coding: latin-1 -*-\ns = "caf'), Buffer.from([0xe9]), lf('"\n')]) },
  { name: 'UTF-8 BOM', fault: 'EF BB BF before a model file', bytes: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), lf(MODEL)]) },
  { name: 'CRLF line endings', fault: 'the model file with \\r\\n', bytes: () => lf(MODEL.replace(/\n/g, '\r\n')), sameAs: () => lf(MODEL) },
  { name: 'lone CR line endings', fault: 'the model file with \\r only (old Mac)', bytes: () => lf(MODEL.replace(/\n/g, '\r')) },
  { name: 'tab indentation', fault: 'tabs instead of 4 spaces', bytes: () => lf(MODEL.replace(/ {4}/g, '\t')), sameAs: () => lf(MODEL) },
  { name: 'form feed', fault: '\\f at the start of lines (Python allows it)', bytes: () => lf(MODEL.replace(/\n\n/g, '\n\f\n')) },
  { name: 'NUL byte in code', fault: '`x = 1\\0`', bytes: () => lf('x = 1\0\ny = 2\n'), invalid: true },
  { name: 'NUL byte in a string', fault: '`s = "a\\0b"` (raw NUL)', bytes: () => lf('s = "a\0b"\n'), invalid: true },
  { name: 'empty file', fault: '0 bytes', bytes: () => Buffer.alloc(0) },
  { name: 'only a BOM and comments', fault: 'BOM + `# hi`', bytes: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), lf('# hi\n')]) },
  { name: 'syntax error', fault: '`def f(:` on line 3', bytes: () => lf('import os\n\ndef f(:\n    pass\n'), invalid: true },
  { name: 'unterminated triple-quoted string', fault: '`s = """` never closed', bytes: () => lf('x = 1\ns = """abc\n' + 'y = 2\n'.repeat(1000)), invalid: true },
  { name: '10 MB single line: list', fault: '`x = [0, 1, 2, …]` 10 MB, no newline', timeoutMs: 180_000, bytes: () => { const parts: string[] = []; let n = 0; for (let i = 0; n < 10 << 20; i++) { const s = `${i}, `; parts.push(s); n += s.length } return lf(`x = [${parts.join('')}]`) } },
  { name: '10 MB single line: string', fault: '`s = "aaa…"` 10 MB', timeoutMs: 180_000, bytes: () => lf(`s = "${'a'.repeat(10 << 20)}"\n`) },
  { name: '10 MB single line: comment', fault: '`# xxx…` 10 MB after code', timeoutMs: 180_000, bytes: () => lf(`x = 1  # ${'x'.repeat(10 << 20)}\n`), sameAs: () => lf('x = 1\n') },
  { name: '5,000 nested parentheses', fault: '`x = ((((…1…))))`', bytes: () => lf(`x = ${nest('(', '1', ')', 5000)}\n`) },
  { name: '5,000 nested lists', fault: '`x = [[[[…]]]]`', bytes: () => lf(`x = ${nest('[', '', ']', 5000)}\n`) },
  { name: '5,000 nested calls', fault: '`x = f(f(f(…)))`', bytes: () => lf(`x = ${nest('f(', '1', ')', 5000)}\n`) },
  { name: '5,000-term right-nested sum', fault: '`x = 1+(1+(1+…))`', bytes: () => lf(`x = ${nest('1+(', '1', ')', 5000)}\n`) },
  { name: '5,000-term flat sum', fault: '`x = 1+1+1+…` (left-deep tree)', bytes: () => lf(`x = ${Array(5000).fill('1').join('+')}\n`) },
  { name: '5,000 unary minus', fault: '`x = - - - … 1`', bytes: () => lf(`x = ${'-'.repeat(5000)}1\n`) },
  { name: '5,000 not', fault: '`x = not not … y`', bytes: () => lf(`x = ${'not '.repeat(5000)}y\n`) },
  { name: '5,000-long attribute chain', fault: '`x = a.a.a.…`', bytes: () => lf(`x = a${'.a'.repeat(5000)}\n`) },
  { name: '5,000 nested lambdas', fault: '`f = lambda: lambda: …`', bytes: () => lf(`f = ${'lambda: '.repeat(5000)}1\n`) },
  { name: '1,000 nested blocks', fault: '`if x:` nested 1,000 deep (CPython stops at 100)', bytes: () => { let s = ''; for (let i = 0; i < 1000; i++) s += `${' '.repeat(i)}if x:\n`; return lf(s + `${' '.repeat(1000)}pass\n`) } },
  { name: '10,000 comment lines in a function', fault: 'tree-sitter scanner is quadratic on comment runs', bytes: () => lf('def f():\n' + '    # c\n'.repeat(10_000) + '    return 1\n'), sameAs: () => lf('def f():\n    return 1\n') },
  { name: 'invalid Unicode escape in a string', fault: '`s = "\\N{NOPE}"`', bytes: () => lf('s = "\\N{NOPE}"\n') },
  { name: 'lone surrogate escaped', fault: '`s = "\\ud800"`', bytes: () => lf('s = "\\ud800"\n') },
  // Garbage (issue 12, item 10): detected before or at the first error, never minutes of error recovery.
  { name: 'garbage: 2 MB of random bytes', fault: '2 MiB from a seeded PRNG (NUL bytes, invalid UTF-8)', bytes: () => garbage(2 << 20, (r) => r), invalid: true },
  { name: 'garbage: 2 MB of random printable lines', fault: '2 MiB of random printable ASCII in 80-column lines (valid UTF-8, no NUL)', bytes: () => garbage(2 << 20, (r, i) => (i % 80 === 79 ? 10 : 32 + (r % 95))), invalid: true },
  { name: 'garbage: 2 MB of random brackets', fault: '2 MiB of `()[]{},:;` in random order', bytes: () => garbage(2 << 20, (r) => '()[]{},:;'.charCodeAt(r % 9)), invalid: true },
  { name: 'garbage: 2 MB of dense small lists', fault: '`x<i> = [0, 1, …, 19]` lines, 2 MiB (valid Python, 1.2 M tokens)', bytes: () => { let t = ''; for (let i = 0; t.length < 2 << 20; i++) t += `x${i} = [${Array.from({ length: 20 }, (_, j) => j).join(', ')}]\n`; return lf(t) } },
  { name: 'garbage: 20 MB single-line list', fault: '`x = [1, 1, …]` 20 MB on one line (aborted the WASM parser before)', timeoutMs: 180_000, bytes: () => lf(`x = [${'1, '.repeat(Math.floor((20 << 20) / 3))}]\n`) },
]

/** `size` bytes from a seeded xorshift PRNG mapped by `map(random byte, index)`: the same garbage on every run. */
function garbage(size: number, map: (r: number, i: number) => number): Buffer {
  const b = Buffer.alloc(size)
  let x = 0x9e3779b9
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    b[i] = map(x & 0xff, i)
  }
  return b
}

describe('odd Python through `hash` and `discover`', () => {
  for (const c of CASES) {
    const expected = c.sameAs ? 'semantic digest equal to the plain version; discover does not crash' : c.invalid ? 'byte digest + warning naming the file; discover does not crash' : 'a digest, at most a warning; discover does not crash'
    fault(G, c.name, { fault: c.fault, expected, timeout: (c.timeoutMs ?? 60_000) * 3 }, async (ctx) => {
      const dir = tempDir()
      const h = await hash(dir, 'odd.py', c.bytes(), c.timeoutMs)
      if (c.sameAs) {
        const plain = await hash(dir, 'plain.py', c.sameAs())
        expect(plain.kind).toBe('semantic')
        expect(h.digest, 'formatting-only difference changed the digest').toBe(plain.digest)
      }
      if (c.invalid) expect(h.kind, 'Python rejects this file, so the semantic digest must not claim it').toBe('bytes')
      ctx.observe(describeHash(h))
      ctx.observe(await discover(dir, 'odd.py', c.timeoutMs))
    })
  }

  fault(G, 'register-model on a BOM + CRLF + tabs model file', { fault: 'models/m0.py with BOM, CRLF and tab indentation', expected: 'registered, model and output discovered' }, async (ctx) => {
    const p = makeProject(1, { register: false })
    writeFileSync(join(p.root, 'models/m0.py'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), lf(modelSource('M0').replace(/ {4}/g, '\t').replace(/\n/g, '\r\n'))]))
    const r = await cli(['register-model', 'models/m0.py'], { cwd: p.root })
    expect(r.code, r.stderr).toBe(0)
    expect(stackLine(r.stderr)).toBeUndefined()
    const l = await cli(['list', '--json'], { cwd: p.root })
    expect(l.stdout).toContain('m0_m0')
    expect(l.stdout).toContain('prevalence')
    ctx.observe('registered m0_m0 with output prevalence')
  })

  fault(G, 'register-model through import cycles', { fault: 'models/m0.py star-imports a.py, which star-imports b.py, which star-imports a.py; a base re-exported in a cycle (a.py from .b import Loop, b.py from .a import Loop)', expected: 'registered, no hang: the model is found, the class whose base only goes round the cycle is not' }, async (ctx) => {
    const p = makeProject(1, { register: false })
    write(join(p.root, 'models/a.py'), 'from .b import *\nfrom .b import Loop\nimport modelops_calabaria as cb\nclass Base(cb.BaseModel): pass\n')
    write(join(p.root, 'models/b.py'), 'from .a import *\nfrom .a import Loop\n')
    write(join(p.root, 'models/m0.py'), 'from .a import *\nclass M0(Base): pass\nclass Round(Loop): pass\n')
    const r = await cli(['register-model', 'models/m0.py'], { cwd: p.root, timeoutMs: 60_000 })
    expect(r.timedOut).toBe(false)
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    expect(r.code, r.stderr).toBe(0)
    const l = JSON.parse((await cli(['list', '--json'], { cwd: p.root })).stdout) as { models: Record<string, { code: string[] }> }
    expect(Object.keys(l.models)).toEqual(['m0_m0'])
    expect(l.models.m0_m0!.code).toEqual(['models/__init__.py', 'models/a.py', 'models/b.py'])
    ctx.observe('registered m0_m0 only; code models/__init__.py, a.py, b.py')
  })

  fault(G, 'register-model with a broken or hostile pyproject.toml', { fault: 'pyproject.toml with a TOML syntax error on line 3; then one whose package folders point outside the project (where = ["..", "/"])', expected: 'broken: exit non-zero naming pyproject.toml:3, registry not written; outside folders ignored (entrypoint from the project root)' }, async (ctx) => {
    const p = makeProject(1, { register: false })
    write(join(p.root, 'pyproject.toml'), '[project]\nname = "x"\nversion = \n')
    const bad = await cli(['register-model', 'models/m0.py'], { cwd: p.root, timeoutMs: 60_000 })
    expect(stackLine(bad.stderr), bad.stderr).toBeUndefined()
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('pyproject.toml:3')
    expect(existsSync(p.registry)).toBe(false)
    write(join(p.root, 'pyproject.toml'), '[tool.setuptools.packages.find]\nwhere = ["..", "/"]\n')
    const ok = await cli(['register-model', 'models/m0.py'], { cwd: p.root, timeoutMs: 60_000 })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/entry=models\.m0:M0/)
    ctx.observe(`broken: exit ${bad.code} \`${firstLines(bad.stderr, 1)}\`; outside folders ignored: entry=models.m0:M0`)
  })

  fault(G, 'register-model on a non-UTF-8 file', { fault: 'models/m0.py has a 0xff byte in a comment', expected: 'exit 1 naming the file (cannot discover), or registered; no crash' }, async (ctx) => {
    const p = makeProject(1, { register: false })
    writeFileSync(join(p.root, 'models/m0.py'), Buffer.concat([lf('# caf'), Buffer.from([0xff]), lf('\n' + modelSource('M0'))]))
    const r = await cli(['register-model', 'models/m0.py'], { cwd: p.root, timeoutMs: 60_000 })
    expect(r.timedOut).toBe(false)
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    expect([0, 1]).toContain(r.code)
    if (r.code === 1) expect(r.stderr).toContain('models/m0.py')
    ctx.observe(r.code === 0 ? 'registered' : `exit 1: \`${firstLines(r.stderr, 1)}\``)
  })
})
