// The parse cache (project/parse-cache.ts) must be invisible: a cached load returns exactly what the real parse
// returns (key order, undefined fields, -0/NaN, `__proto__` ids, warnings), misses on any edit of the text, and
// shrugs off a broken cache folder.
import fs from 'node:fs'
import path from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Warning } from '../src/errors.js'
import { Workspace } from '../src/workspace/workspace.js'
import { parseConfig } from '../src/project/config.js'
import { clearParseMemo, parseCacheCounters, parseCacheDir } from '../src/project/parse-cache.js'
import { findProject, initProject, openProject } from '../src/project/project.js'
import { attachDigestsFile, readDigestsFile } from '../src/registry/digests-file.js'
import { reconcileModels, reconcileTargets } from '../src/registry/reconcile.js'
import { loadRegistry, parseRegistry, serializeRegistry } from '../src/registry/registry.js'
import { extrasOf } from '../src/registry/schema.js'
import type { ModelEntry, Registry } from '../src/registry/types.js'
import { createSample } from '../src/sample/sample.js'
import { catchError, tempDir, VECTORS } from './registry-helpers.js'

const REG = '.modelops-bundle/registry.yaml'
const CONF = '.modelops-bundle/config.yaml'

/** Everything that makes two values different to a caller: prototypes, own keys in order, descriptors, -0 vs 0, NaN, registry extras. */
function dump(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? 'n:-0' : `n:${String(v)}`
  if (typeof v !== 'object' || v === null) return `${typeof v}:${String(v)}`
  const proto = Object.getPrototypeOf(v)
  const kind = proto === Object.prototype ? 'Object' : proto === Array.prototype ? 'Array' : proto === null ? 'null' : `other(${proto?.constructor?.name})`
  const parts = Reflect.ownKeys(v).map((key) => {
    const d = Object.getOwnPropertyDescriptor(v, key)!
    const flags = `${d.enumerable ? 'e' : ''}${d.writable ? 'w' : ''}${d.configurable ? 'c' : ''}${'get' in d ? 'g' : ''}`
    return `${String(key)}[${flags}]=${key === 'length' && Array.isArray(v) ? String(d.value) : dump(d.value)}`
  })
  const extras = extrasOf(v)
  return `${kind}${Object.isFrozen(v) ? '(frozen)' : ''}{${parts.join(',')}}${extras ? `+extras${dump(extras)}` : ''}`
}

function writeProject(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), text)
  }
}

/** The real parse, no cache involved. */
/** The uncached parse, with digests.json attached as loadRegistry attaches it (after the cache, never in it). */
function realRegistry(root: string): { registry: Registry; warnings: Warning[] } {
  const warnings: Warning[] = []
  const parsed = parseRegistry(fs.readFileSync(path.join(root, REG), 'utf8'), REG, { root, warnings })
  const registry = attachDigestsFile(parsed, readDigestsFile(openProject(root, { cacheDir: false })))
  return { registry, warnings }
}

function cachedRegistry(root: string, cacheDir: string | false): { registry: Registry; warnings: Warning[] } {
  const warnings: Warning[] = []
  const registry = loadRegistry(Workspace.of(openProject(root, { cacheDir: false }), { cacheDir }), { warnings })
  return { registry, warnings }
}

const counts = () => ({ ...parseCacheCounters })
const delta = (before: typeof parseCacheCounters) => ({
  memo: parseCacheCounters.memo - before.memo,
  snapshot: parseCacheCounters.snapshot - before.snapshot,
  parse: parseCacheCounters.parse - before.parse,
})

const model = (p: string, extra: Partial<ModelEntry> = {}): ModelEntry => ({
  entrypoint: `${p.replace(/\.py$/, '').replace(/\//g, '.')}:M`, path: p, class_name: 'M', scenarios: [], parameters: [], outputs: ['incidence'],
  data: ['data/data.csv'], data_digests: { 'data/data.csv': `blake2b256:${'a'.repeat(64)}` }, code: [], code_digests: {}, model_digest: null, ...extra,
})

/** A registry of `n` models as our writer writes it (the 100-model case is ~70 KB). */
function bigRegistryText(n: number): string {
  const models: Record<string, ModelEntry> = {}
  for (let i = 0; i < n; i++) {
    models[`model_${i}`] = model(`models/m${i}.py`, {
      code: [`models/common${i % 7}.py`, 'models/__init__.py'],
      code_digests: { [`models/common${i % 7}.py`]: `pysem1:${'b'.repeat(64)}`, 'models/__init__.py': `pysem1:${'c'.repeat(64)}` },
      model_digest: `pysem1:${i.toString(16).padStart(64, '0')}`,
      outputs: ['incidence', 'prevalence', 'sir'],
      scenarios: ['baseline', 'lockdown'],
      parameters: ['beta', 'gamma'],
    })
  }
  return serializeRegistry({ version: '1.0', models, targets: {}, target_sets: {} })
}

// Registries that stress what a JSON copy loses: key order with integer-like ids, `__proto__` ids, NaN/inf/-0
// weights, aliases, absolute paths inside the root, R1 conversion, unicode, empty and null values.
const TRICKY = `version: '1.0'
models:
  zeta:
    path: models/z.py
    class_name: Z
    data: [&d data/ü.csv]
    data_digests: {data/ü.csv: 'blake2b256:00'}
    model_digest: ''
  '10': {path: models/ten.py, class_name: Ten}
  '2': {path: models/two.py, class_name: Two, outputs: [a, "b\\u2028c"]}
  __proto__: {path: models/proto.py, class_name: Proto, data: [*d]}
  constructor: {path: ./models//c.py, class_name: C, code: [src/x.py], code_digests: {./src/x.py: 'sha256:00'}}
targets:
  t1:
    path: targets/t.py
    model_output: incidence
    observation: data/obs.csv
    target_digest: null
  '0': {path: targets/zero.py, model_output: x, entrypoint: 'targets.zero:f'}
target_sets:
  s: {targets: [t1, '0'], weights: {t1: .nan, '0': -0.0, inf: .inf, neg: -.inf, one: 1, half: 0.5}}
  empty:
`

describe('parse cache: cached results are exactly the real parse', () => {
  beforeEach(() => clearParseMemo())

  const cases: Array<[string, () => Promise<string> | string]> = [
    ['R1 (reference 4c20e72)', () => fs.readFileSync(path.join(VECTORS, 'example-registry-4c20e72.yaml'), 'utf8')],
    ['R2 (reference HEAD)', () => fs.readFileSync(path.join(VECTORS, 'example-registry-head.yaml'), 'utf8')],
    ['tricky ids, weights and aliases', () => TRICKY],
    ['100 models (~70 KB)', () => bigRegistryText(100)],
    ['empty file', () => ''],
    ['only a comment', () => '# nothing yet\n'],
    ['with the absolute path of a file inside the root', () => 'models:\n  a: {path: "@ROOT@/models/a.py", class_name: A}\n'],
  ]

  for (const [name, text] of cases) {
    it(`${name}: parse, memo and snapshot give the same registry and warnings`, async () => {
      const root = tempDir('mb-pc-')
      writeProject(root, { [REG]: (await text()).replaceAll('@ROOT@', root) })
      const cacheDir = path.join(root, 'cache')
      const real = realRegistry(root)

      let before = counts()
      const first = cachedRegistry(root, cacheDir)
      expect(delta(before)).toEqual({ memo: 0, snapshot: 0, parse: 1 })
      before = counts()
      const memo = cachedRegistry(root, cacheDir)
      expect(delta(before)).toEqual({ memo: 1, snapshot: 0, parse: 0 })
      clearParseMemo() // as a fresh process
      before = counts()
      const snap = cachedRegistry(root, cacheDir)
      expect(delta(before)).toEqual({ memo: 0, snapshot: 1, parse: 0 })

      for (const got of [first, memo, snap]) {
        // dump, not toStrictEqual: stricter, and vitest compares `.constructor`, which is an id in the tricky registry.
        expect(dump(got.registry)).toBe(dump(real.registry))
        expect(got.warnings).toStrictEqual(real.warnings)
        expect(serializeRegistry(got.registry)).toBe(serializeRegistry(real.registry))
      }
    })
  }

  it('the tricky registry really holds what JSON alone would lose', () => {
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: TRICKY })
    const cacheDir = path.join(root, 'cache')
    cachedRegistry(root, cacheDir)
    clearParseMemo()
    const { registry } = cachedRegistry(root, cacheDir)
    expect(Object.keys(registry.models)).toEqual(['2', '10', 'zeta', '__proto__', 'constructor'])
    expect(Object.hasOwn(registry.models, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(registry.models), 'id tables have no prototype').toBeNull()
    const w = registry.target_sets.s!.weights
    expect(Number.isNaN(w.t1)).toBe(true)
    expect(Object.is(w['0'], -0)).toBe(true)
    expect([w.inf, w.neg]).toEqual([Infinity, -Infinity])
    expect(registry.models.zeta!.model_digest).toBeNull()
    expect(registry.targets.t1!.data).toEqual(['data/obs.csv'])
  })

  it('the sample project (sample-create, then register-model and register-target)', async () => {
    const root = path.join(tempDir('mb-pc-'), 'sample')
    await createSample(root)
    const project = openProject(root, { cacheDir: false })
    await reconcileModels(project, 'models/sir.py', { autoCode: true })
    await reconcileTargets(project, 'targets/epi.py')
    const real = realRegistry(root)
    expect(Object.keys(real.registry.models).length).toBeGreaterThan(0)
    expect(Object.keys(real.registry.targets).length).toBeGreaterThan(0)
    const cacheDir = path.join(root, 'cache')
    clearParseMemo()
    cachedRegistry(root, cacheDir)
    clearParseMemo()
    const before = counts()
    const snap = cachedRegistry(root, cacheDir)
    expect(delta(before).snapshot).toBe(1)
    expect(dump(snap.registry)).toBe(dump(real.registry))

    // Its config.yaml too (project-level settings, generator).
    const realConfig = parseConfig(fs.readFileSync(path.join(root, CONF), 'utf8'), CONF)
    openProject(root, { cacheDir })
    clearParseMemo()
    const p = openProject(root, { cacheDir })
    expect(dump(p.config)).toBe(dump(realConfig.config))
    expect(p.warnings).toStrictEqual(realConfig.warnings.length ? realConfig.warnings : undefined)
  })

  it('registries with unknown fields (kept in a WeakMap) are re-parsed each time, warnings and extras intact', () => {
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: "version: '1.0'\nlabels: {team: epi}\nmodels:\n  a: {path: a.py, class_name: A, owner: me}\n" })
    const cacheDir = path.join(root, 'cache')
    const real = realRegistry(root)
    expect(real.warnings).toHaveLength(2)
    for (let i = 0; i < 2; i++) {
      const before = counts()
      const got = cachedRegistry(root, cacheDir)
      expect(delta(before)).toEqual({ memo: 0, snapshot: 0, parse: 1 })
      expect(dump(got.registry)).toBe(dump(real.registry))
      expect(got.warnings).toStrictEqual(real.warnings)
      expect(serializeRegistry(got.registry)).toContain('owner: me')
    }
    expect(fs.existsSync(path.join(cacheDir, 'parse-registry.json'))).toBe(false)
  })

  const configs: Array<[string, string]> = [
    ['defaults (empty file)', ''],
    ['the init template', ''],
    ['every key', `environment:\n  python_version: 3.10\n  platform: linux-x86_64\n  dependencies: {numpy: '1.26.4', __proto__: '1'}\n  container_image: null\n  cuda_version:\n  thread_count: 2\nbase_classes: [a.B]\ncode_roots: ['.', src/]\nauto_code: {enabled: false, import_mode: package, ignore: ['tests/*']}\ngenerator:\n  command: python3 run.py\n  timeout: 1.5s\n  inputs: [./runner/]\n`],
    ['an empty generator (an own undefined field)', 'generator:\n'],
    ['unknown keys and an environment name (warnings)', "model_dir: src\nenvironment: local\nregistry: {x: 1}\n"],
  ]
  for (const [name, text] of configs) {
    it(`config.yaml, ${name}: parse, memo and snapshot give the same config and warnings`, async () => {
      const root = tempDir('mb-pc-')
      if (name === 'the init template') await initProject(root)
      else writeProject(root, { [CONF]: text })
      const cacheDir = path.join(root, 'cache')
      const real = parseConfig(fs.readFileSync(path.join(root, CONF), 'utf8'), CONF)
      const got = [openProject(root, { cacheDir }), openProject(root, { cacheDir })]
      clearParseMemo()
      const before = counts()
      got.push(findProject(path.join(root, '.modelops-bundle'), { cacheDir }))
      expect(delta(before)).toEqual({ memo: 0, snapshot: 1, parse: 0 })
      for (const p of got) {
        expect(dump(p.config)).toBe(dump(real.config))
        expect(p.config).toStrictEqual(real.config)
        expect(p.warnings).toStrictEqual(real.warnings.length ? real.warnings : undefined)
      }
      if (name.startsWith('an empty generator')) expect(Object.hasOwn(got[2]!.config, 'generator')).toBe(true)
      if (name.startsWith('unknown keys')) expect(got[2]!.warnings).toHaveLength(3)
    })
  }
})

describe('parse cache: the key is the text', () => {
  beforeEach(() => clearParseMemo())

  it('an edit that keeps the size and the mtime is re-parsed (memo and snapshot)', () => {
    const root = tempDir('mb-pc-')
    const a = "version: '1.0'\nmodels:\n  a: {path: models/a.py, class_name: Alpha}\n"
    const b = a.replace('Alpha', 'Omega')
    expect(b.length).toBe(a.length)
    writeProject(root, { [REG]: a })
    const file = path.join(root, REG)
    // Whole seconds: the same stat before and after the edit, exactly.
    const mtime = new Date('2024-01-02T03:04:05Z')
    const atime = mtime
    fs.utimesSync(file, atime, mtime)
    const st = fs.statSync(file)
    const cacheDir = path.join(root, 'cache')
    expect(cachedRegistry(root, cacheDir).registry.models.a!.class_name).toBe('Alpha')

    fs.writeFileSync(file, b)
    fs.utimesSync(file, atime, mtime)
    expect([fs.statSync(file).size, fs.statSync(file).mtimeMs]).toEqual([st.size, st.mtimeMs])
    expect(cachedRegistry(root, cacheDir).registry.models.a!.class_name).toBe('Omega')

    // Back to the first text, then a fresh process: the snapshot (now holding Omega) must not answer for Alpha.
    fs.writeFileSync(file, a)
    fs.utimesSync(file, atime, mtime)
    clearParseMemo()
    const before = counts()
    expect(cachedRegistry(root, cacheDir).registry.models.a!.class_name).toBe('Alpha')
    expect(delta(before).parse).toBe(1)
  })

  it('the same text in another project root is another entry (absolute paths inside the root become relative)', () => {
    const [r1, r2] = [tempDir('mb-pc-'), tempDir('mb-pc-')]
    const text = `models:\n  a: {path: "${r1}/models/a.py", class_name: A}\n`
    writeProject(r1, { [REG]: text })
    writeProject(r2, { [REG]: text })
    expect(cachedRegistry(r1, false).registry.models.a!.path).toBe('models/a.py')
    expect(catchError(() => cachedRegistry(r2, false)).code).toBe('PATH_OUTSIDE')
  })

  it('callers get their own copy: mutating a loaded registry or config does not leak into the next load', () => {
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: "models:\n  a: {path: a.py, class_name: A, outputs: [x]}\n", [CONF]: 'code_roots: [src]\nunknown_key: 1\n' })
    const cacheDir = path.join(root, 'cache')
    for (let round = 0; round < 3; round++) {
      if (round === 2) clearParseMemo()
      const r = cachedRegistry(root, cacheDir).registry
      expect(r.models.a!.outputs).toEqual(['x'])
      r.models.a!.outputs.push('mutated')
      delete r.models.a
      const p = openProject(root, { cacheDir })
      expect(p.config.code_roots).toEqual(['src'])
      expect(p.warnings).toHaveLength(1)
      p.config.code_roots.push('mutated')
      p.warnings!.pop()
    }
  })

  it('a failure is never cached: every load reports the real error with its position', () => {
    const root = tempDir('mb-pc-')
    const cacheDir = path.join(root, 'cache')
    writeProject(root, { [REG]: "models:\n  a: {path: a.py, class_name: A}\n" })
    cachedRegistry(root, cacheDir)
    const snapshot = fs.readFileSync(path.join(cacheDir, 'parse-registry.json'), 'utf8')
    writeProject(root, { [REG]: "models:\n  a: {path: a.py, class_name: A}\n  b: {path: ../b.py, class_name: B}\n" })
    for (let i = 0; i < 2; i++) {
      const err = catchError(() => cachedRegistry(root, cacheDir))
      expect([err.code, err.line, err.column]).toEqual(['PATH_OUTSIDE', 3, 13])
    }
    writeProject(root, { [CONF]: 'auto_code: maybe\n' })
    for (let i = 0; i < 2; i++) {
      const err = catchError(() => openProject(root, { cacheDir }))
      expect([err.code, err.line, err.column]).toEqual(['CONFIG_INVALID', 1, 12])
    }
    // The last good snapshot is left as it was; no config snapshot was written for the broken text.
    expect(fs.readFileSync(path.join(cacheDir, 'parse-registry.json'), 'utf8')).toBe(snapshot)
    expect(fs.existsSync(path.join(cacheDir, 'parse-config.json'))).toBe(false)
  })

  it('warnings found before an error still reach the caller, as without the cache', () => {
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: "models:\n  a: {path: a.py, class_name: A, extra: 1}\n  b: {path: /etc/passwd, class_name: B}\n" })
    const warnings: Warning[] = []
    expect(() => loadRegistry(openProject(root), { warnings })).toThrow()
    expect(warnings.map((w) => w.line)).toEqual([2])
  })
})

describe('parse cache: the snapshot is advisory', () => {
  beforeEach(() => clearParseMemo())
  const text = "version: '1.0'\nmodels:\n  a: {path: a.py, class_name: A}\n"

  it.each([
    ['garbage', 'not json at all'],
    ['an empty file', ''],
    ['a foreign format', '{"format":"someone-else@9","kind":"registry","key":"x","sum":"y"}\n{}'],
    ['a body that fails its sum', '@HEADER@\n{"value":{"version":"1.0","models":{},"targets":{},"target_sets":{}},"warnings":[],"specials":[]}'],
  ])('a snapshot holding %s is ignored silently and replaced', (_name, content) => {
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: text })
    const cacheDir = path.join(root, 'cache')
    const real = realRegistry(root)
    cachedRegistry(root, cacheDir)
    const good = fs.readFileSync(path.join(cacheDir, 'parse-registry.json'), 'utf8')
    // A tampered body under the genuine header: only the sum can tell.
    fs.writeFileSync(path.join(cacheDir, 'parse-registry.json'), content.replace('@HEADER@', good.slice(0, good.indexOf('\n'))))
    clearParseMemo()
    const before = counts()
    const got = cachedRegistry(root, cacheDir)
    expect(delta(before)).toEqual({ memo: 0, snapshot: 0, parse: 1 })
    expect(got.warnings).toEqual([])
    expect(dump(got.registry)).toBe(dump(real.registry))
    expect(fs.readFileSync(path.join(cacheDir, 'parse-registry.json'), 'utf8')).toBe(good)
  })

  it('an unusable cache folder (a file in its place) changes nothing but speed', () => {
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: text, 'blocker': 'a file' })
    const cacheDir = path.join(root, 'blocker', 'cache')
    const real = realRegistry(root)
    for (let i = 0; i < 2; i++) {
      const got = cachedRegistry(root, cacheDir)
      expect(got.warnings).toEqual([])
      expect(dump(got.registry)).toBe(dump(real.registry))
    }
    expect(fs.readdirSync(root).sort()).toEqual(['.modelops-bundle', 'blocker'])
  })

  it('a read-only cache folder: no write, no temp file left, no error', () => {
    if (process.getuid?.() === 0) return // root writes anyway; the unusable-folder case above covers the failure path
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: text })
    const cacheDir = path.join(root, 'cache')
    fs.mkdirSync(cacheDir)
    fs.chmodSync(cacheDir, 0o555)
    try {
      expect(cachedRegistry(root, cacheDir).registry.models.a!.class_name).toBe('A')
      expect(fs.readdirSync(cacheDir)).toEqual([])
    } finally {
      fs.chmodSync(cacheDir, 0o755)
    }
  })

  it('a write sweeps temp files left by a killed process, not one another process is writing now', () => {
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: text })
    const cacheDir = path.join(root, 'cache')
    fs.mkdirSync(cacheDir)
    const stale = path.join(cacheDir, '.parse-registry.json.4242.0123456789ab.tmp')
    const fresh = path.join(cacheDir, '.parse-registry.json.4343.ba9876543210.tmp')
    fs.writeFileSync(stale, 'half a snapshot')
    fs.writeFileSync(fresh, 'being written')
    const old = new Date(Date.now() - 3600_000)
    fs.utimesSync(stale, old, old)
    cachedRegistry(root, cacheDir)
    expect(fs.readdirSync(cacheDir).sort()).toEqual([path.basename(fresh), 'parse-registry.json'].sort())
  })

  it('writes only when the snapshot changed, and once per folder from the memo', () => {
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: text })
    const [d1, d2] = [path.join(root, 'c1'), path.join(root, 'c2')]
    cachedRegistry(root, d1)
    const f1 = path.join(d1, 'parse-registry.json')
    const old = new Date(Date.now() - 60_000)
    fs.utimesSync(f1, old, old)
    const written = fs.statSync(f1).mtimeMs
    cachedRegistry(root, d1) // memo hit, snapshot already right
    clearParseMemo()
    cachedRegistry(root, d1) // snapshot hit
    expect(fs.statSync(f1).mtimeMs).toBe(written)
    // A memo hit for a folder that has no snapshot yet writes one there.
    cachedRegistry(root, d2)
    expect(fs.readFileSync(path.join(d2, 'parse-registry.json'), 'utf8')).toBe(fs.readFileSync(f1, 'utf8'))
    expect(fs.readdirSync(d2)).toEqual(['parse-registry.json'])
  })

  it('cacheDir false keeps the memo only; a relative cacheDir is taken from the project root', () => {
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: text, [CONF]: 'auto_code: false\n' })
    cachedRegistry(root, false)
    expect(fs.readdirSync(root)).toEqual(['.modelops-bundle'])
    const cwd = process.cwd()
    try {
      process.chdir(tempDir('mb-pc-cwd-'))
      findProject(root, { cacheDir: 'build/cache' })
      loadRegistry(Workspace.of(openProject(root), { cacheDir: 'build/cache' }))
    } finally {
      process.chdir(cwd)
    }
    expect(fs.readdirSync(path.join(root, 'build', 'cache')).sort()).toEqual(['parse-config.json', 'parse-registry.json'])
  })

  it('a bare Project keeps no snapshot; a workspace keeps it in its cache folder (node_modules only where it exists)', () => {
    const root = tempDir('mb-pc-')
    writeProject(root, { [REG]: text, [CONF]: 'auto_code: false\n' })
    expect(parseCacheDir(root, undefined)).toBeUndefined()
    loadRegistry(findProject(root))
    expect(fs.readdirSync(root)).toEqual(['.modelops-bundle'])
    Workspace.open(root).registry()
    expect(fs.readdirSync(root)).toEqual(['.modelops-bundle'])
    expect(fs.readdirSync(path.join(root, '.modelops-bundle/cache')).sort()).toEqual(['.gitignore', 'CACHEDIR.TAG', 'parse-config.json', 'parse-registry.json'])
    fs.mkdirSync(path.join(root, 'node_modules'))
    clearParseMemo()
    const ws = Workspace.open(root)
    ws.registry()
    expect(ws.cacheDir).toBe(path.join(root, 'node_modules/.cache/modelops-bundle'))
    expect(fs.readdirSync(ws.cacheDir!).sort()).toEqual(['parse-config.json', 'parse-registry.json'])
  })
})
