// Bad registry: every command stops with exit 1, file:line:column, no stack trace, nothing overwritten.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { describe, expect } from 'vitest'
import { fault } from './support/record.js'
import { bundle, cli, expectUserError, firstLines, REPO, run, stackLine, type RunResult } from './support/run.js'
import { makeProject, registryYaml } from './support/project.js'

const G = 'registry'
const REG = 'registry.yaml'
const HEADER = "version: '1.0'\nmodels:\n"
const m0 = (fields: Record<string, string> = {}) => {
  const f: Record<string, string> = {
    entrypoint: 'models.m0:M0', path: 'models/m0.py', class_name: 'M0', scenarios: '[]', parameters: '[]',
    outputs: '[]', data: '[]', data_digests: '{}', code: '[]', code_digests: '{}', model_digest: 'null', ...fields,
  }
  return Object.entries(f).map(([k, v]) => `    ${k}: ${v}\n`).join('')
}

interface BadCase {
  name: string
  fault: string
  text: () => string | Buffer
  /** Line the message must point at (one of), or undefined when any line (or none, for size limits) is acceptable. */
  line?: number[]
  column?: boolean
  timeoutMs?: number
}

const CASES: BadCase[] = [
  { name: 'syntax: unclosed flow sequence', fault: 'line 7 `path: [models/m0.py` never closed', text: () => HEADER + '  m0_m0:\n    entrypoint: models.m0:M0\n    class_name: M0\n    data: []\n    path: [models/m0.py\ntargets: {}\n', line: [7, 8] },
  { name: 'syntax: tab indentation', fault: 'a TAB indents line 4', text: () => HEADER + '  m0_m0:\n\tentrypoint: models.m0:M0\n', line: [4] },
  { name: 'syntax: mapping value in a plain scalar', fault: 'line 5 `path: a: b`', text: () => HEADER + '  m0_m0:\n    entrypoint: models.m0:M0\n    path: a: b\n', line: [5] },
  { name: 'wrong type: models is a list', fault: 'line 2 `models: []`', text: () => "version: '1.0'\nmodels: []\ntargets: {}\n", line: [2] },
  { name: 'wrong type: path is a number', fault: 'line 5 `path: 5`', text: () => HEADER + '  m0_m0:\n' + m0({ path: '5' }) + 'targets: {}\n', line: [5] },
  { name: 'wrong type: data is a string', fault: 'line 10 `data: data/d0.csv` (not a list)', text: () => HEADER + '  m0_m0:\n' + m0({ data: 'data/d0.csv' }) + 'targets: {}\n', line: [10] },
  { name: 'wrong type: entry is a scalar', fault: 'line 3 `m0_m0: hello`', text: () => HEADER + '  m0_m0: hello\ntargets: {}\n', line: [3] },
  { name: 'wrong type: weight is not a number', fault: 'line 8 `a: heavy` under target_sets.s.weights', text: () => "version: '1.0'\nmodels: {}\ntargets: {}\ntarget_sets:\n  s:\n    targets: []\n    weights:\n      a: heavy\n", line: [8] },
  { name: 'missing required field', fault: 'model m0_m0 has no class_name', text: () => HEADER + '  m0_m0:\n    entrypoint: models.m0:M0\n    path: models/m0.py\ntargets: {}\n', line: [3, 4] },
  { name: 'unknown schema version', fault: "line 1 `version: '7.0'`", text: () => "version: '7.0'\nmodels: {}\ntargets: {}\n", line: [1] },
  { name: 'version is a mapping', fault: 'line 1 `version: {a: 1}`', text: () => 'version: {a: 1}\nmodels: {}\n', line: [1] },
  { name: 'top level is a list', fault: 'the whole document is `- a`', text: () => '- a\n- b\n', line: [1] },
  { name: 'duplicate model id', fault: 'model id m0_m0 twice (second at line 15)', text: () => HEADER + '  m0_m0:\n' + m0() + '  m0_m0:\n' + m0() + 'targets: {}\n', line: [15] },
  { name: 'duplicate field', fault: '`path` twice in one entry (second at line 6)', text: () => HEADER + '  m0_m0:\n    entrypoint: models.m0:M0\n    path: models/m0.py\n    path: models/m1.py\n    class_name: M0\n', line: [6] },
  { name: 'duplicate top-level key', fault: '`models` twice (second at line 4)', text: () => "version: '1.0'\nmodels: {}\ntargets: {}\nmodels: {}\n", line: [4] },
  {
    name: 'alias bomb (billion laughs)', fault: '9 levels of 10 aliases each (10^9 nodes if expanded)', timeoutMs: 60_000,
    text: () => {
      let y = "version: '1.0'\nmodels: {}\ntargets: {}\nlol:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
      for (let i = 1; i < 10; i++) y += `  a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`
      return y + 'target_sets: {s: {targets: *a9, weights: {}}}\n'
    },
  },
  {
    name: '50 MB file with the defect at the end', fault: '50 MB of comment lines, then `models: []` on the last line', timeoutMs: 180_000,
    text: () => {
      const pad = `# ${'x'.repeat(97)}\n`
      const n = Math.ceil((50 << 20) / pad.length)
      return "version: '1.0'\n" + pad.repeat(n) + 'targets: {}\nmodels: []\n'
    },
  },
  {
    name: '9 MB file with the defect at the end', fault: '9 MiB of comment lines (under any 10 MiB limit), then `models: []` on line 94,374', timeoutMs: 120_000, line: [94_374],
    text: () => "version: '1.0'\n" + `# ${'x'.repeat(97)}\n`.repeat(94_371) + 'targets: {}\nmodels: []\n',
  },
  { name: 'not UTF-8', fault: 'bytes 0xff 0xfe in a model id', text: () => Buffer.concat([Buffer.from(HEADER + '  m0_'), Buffer.from([0xff, 0xfe]), Buffer.from(':\n' + m0())]) },
]

/** Run one command on the bad registry; return the result after checking the shared promises. */
async function check(root: string, registry: string, before: Buffer, args: string[], c: BadCase): Promise<RunResult> {
  // The CLI's cache folder (.modelops-bundle/cache/, docs/cache.md) is not a leftover: it may appear, it is not compared.
  const entries = () => readdirSync(join(root, '.modelops-bundle')).filter((n) => n !== 'cache').sort()
  const listing = entries()
  const r = await cli(args, { cwd: root, timeoutMs: c.timeoutMs ?? 60_000 })
  expectUserError(r, REG, c.line ? { line: c.line, column: c.column } : {})
  expect(readFileSync(registry).equals(before), `${args[0]} left registry.yaml untouched`).toBe(true)
  expect(entries(), 'no temp or lock files left behind').toEqual(listing)
  return r
}

describe('bad registry', () => {
  for (const c of CASES) {
    fault(G, c.name, { fault: c.fault, expected: 'exit 1, file:line:column, nothing overwritten (list, status, register-model)', timeout: (c.timeoutMs ?? 60_000) * 4 }, async (ctx) => {
      const p = makeProject(1)
      writeFileSync(p.registry, c.text())
      const before = readFileSync(p.registry)
      const list = await check(p.root, p.registry, before, ['list'], c)
      ctx.observe(`list: exit ${list.code} in ${(list.ms / 1000).toFixed(1)} s: \`${firstLines(list.stderr, 1)}\``)
      await check(p.root, p.registry, before, ['status'], c)
      const reg = await check(p.root, p.registry, before, ['register-model', 'models/m0.py'], c)
      ctx.observe(`register-model: exit ${reg.code}, file unchanged`)
    })
  }

  fault(G, 'build with a bad registry', { fault: 'duplicate model id; esbuild build with the plugin', expected: 'the build fails naming registry.yaml:line' }, async (ctx) => {
    const p = makeProject(1)
    const text = HEADER + '  m0_m0:\n' + m0() + '  m0_m0:\n' + m0() + 'targets: {}\n'
    writeFileSync(p.registry, text)
    const r = await bundle({ bundler: 'esbuild', root: p.root, outDir: join(p.root, 'dist'), options: { root: p.root, cacheDir: join(p.root, '.cache') } })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/registry\.yaml:15/)
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    expect(readFileSync(p.registry, 'utf8')).toBe(text)
    ctx.observe(`build fails: \`${firstLines(r.stderr, 1)}\``)
  })

  fault(G, 'vite build (Vite 8 CLI) with a bad registry', { fault: 'duplicate model id; `vite build` run by Vite\'s own CLI with the plugin in vite.config.mjs', expected: 'exit 1, the message names registry.yaml:15 with the hint; no stack frame of the plugin (Vite 8 prints Rolldown\'s aggregate error, whose frames are Rolldown\'s and Vite\'s)' }, async (ctx) => {
    const p = makeProject(1)
    const text = HEADER + '  m0_m0:\n' + m0() + '  m0_m0:\n' + m0() + 'targets: {}\n'
    writeFileSync(p.registry, text)
    const plugin = join(REPO, 'packages/unplugin/dist/vite.js')
    writeFileSync(join(p.root, 'vite.config.mjs'), `import ModelopsBundle from ${JSON.stringify(plugin)}\nexport default { logLevel: 'warn', plugins: [ModelopsBundle({ cacheDir: '.cache' })] }\n`)
    const r = await run(process.execPath, [join(REPO, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: p.root })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/registry\.yaml:15/)
    const frames = r.stderr.split('\n').filter((l) => /^\s+at /.test(l))
    const ours = frames.filter((l) => /unplugin-modelops-bundle|packages\/(unplugin|core)\/|@modelops-bundle/.test(l))
    expect(ours, r.stderr).toEqual([])
    expect(readFileSync(p.registry, 'utf8')).toBe(text)
    const where = [...new Set(frames.map((l) => /node_modules\/(?:vite\/node_modules\/)?([^/]+)\//.exec(l)?.[1] ?? 'other'))].join(', ')
    ctx.observe(`exit 1: \`${firstLines(r.stderr.replace(/^.*error during build:\s*/s, ''), 3)}\`; ${frames.length} stack frames, all from ${where || 'nowhere'}, none of the plugin`)
  })

  fault(G, 'digest and verify on a bad registry', { fault: 'duplicate model id (line 15); `digest --json` and `verify`', expected: 'digest: exit 1 naming registry.yaml:15, nothing on stdout; verify: exit 2 (could not verify, by diff\'s convention: 1 means only stale, issue 17) naming registry.yaml:15' }, async (ctx) => {
    const p = makeProject(1)
    writeFileSync(p.registry, HEADER + '  m0_m0:\n' + m0() + '  m0_m0:\n' + m0() + 'targets: {}\n')
    const before = readFileSync(p.registry)
    const d = await check(p.root, p.registry, before, ['digest', '--json'], { name: '', fault: '', text: () => '', line: [15] })
    expect(d.stdout.trim(), 'no JSON on stdout for a failed command').toBe('')
    const v = await cli(['verify'], { cwd: p.root })
    ctx.observe(`digest exit ${d.code}; verify exit ${v.code}: \`${firstLines(v.stderr, 1)}\``)
    expectUserError(v, REG, { line: 15, exitCodes: [2] })
  })

  fault(G, 'empty registry file', { fault: 'registry.yaml is 0 bytes', expected: 'read as an empty registry, or a clear error (the reference crashes)' }, async (ctx) => {
    const p = makeProject(1)
    writeFileSync(p.registry, '')
    const r = await cli(['list', '--json'], { cwd: p.root, timeoutMs: 60_000 })
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    if (r.code === 0) {
      ctx.observe('read as an empty registry')
      const reg = await cli(['register-model', 'models/m0.py'], { cwd: p.root })
      expect(reg.code, reg.stderr).toBe(0)
      expect(readFileSync(p.registry, 'utf8')).toContain('m0_m0')
    } else {
      expectUserError(r, REG)
      ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\``)
    }
  })

  fault(G, 'registry is a directory', { fault: '.modelops-bundle/registry.yaml is a folder', expected: 'exit 1 naming the file' }, async (ctx) => {
    const p = makeProject(1, { register: false })
    const { mkdirSync } = await import('node:fs')
    mkdirSync(p.registry)
    const r = await cli(['list'], { cwd: p.root })
    expectUserError(r, REG)
    ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\``)
  })

  for (const [name, faultText, mangle] of [
    ['CRLF line endings', 'the valid fixture registry with \\r\\n line endings', (t: string) => Buffer.from(t.replace(/\n/g, '\r\n'))],
    ['UTF-8 BOM', 'the valid fixture registry with a BOM', (t: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)])],
    ['flow style and comments', 'the valid fixture registry rewritten as one flow mapping with comments (PyYAML reads it)', (t: string) => Buffer.from(`# hand-edited\n${JSON.stringify(parseYaml(t))} # trailing\n`)],
  ] as const) {
    fault(G, `valid but unusual: ${name}`, { fault: faultText, expected: 'read normally (PyYAML reads it too)' }, async (ctx) => {
      const p = makeProject(2)
      writeFileSync(p.registry, mangle(readFileSync(p.registry, 'utf8')))
      const r = await cli(['list', '--json'], { cwd: p.root })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain('m1_m1')
      ctx.observe('list exit 0, both models')
    })
  }

  fault(G, 'bad config.yaml', { fault: '.modelops-bundle/config.yaml line 2 `auto_code: [yes`', expected: 'exit 1 naming config.yaml:line:column' }, async (ctx) => {
    const p = makeProject(1)
    writeFileSync(join(p.root, '.modelops-bundle/config.yaml'), '# config\nauto_code: [yes\n')
    const r = await cli(['list'], { cwd: p.root })
    expectUserError(r, 'config.yaml', { line: [2, 3] })
    ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\``)
  })

  // Sanity check of the fixture itself: a good registry loads (so the failures above are about the defects).
  fault(G, 'control: the fixture registry is valid', { fault: 'none (hand-written R2 registry of the fixture)', expected: 'list exits 0' }, async (ctx) => {
    const p = makeProject(2)
    expect(readFileSync(p.registry, 'utf8')).toBe(registryYaml(p.models))
    const r = await cli(['list', '--json'], { cwd: p.root })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('m1_m1')
    ctx.observe('list exit 0')
  })
})
