// init, target-set, list, digest, hash, discover: real child processes on real temp folders.
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { VECTORS, run, sampleProject, show, tempDir } from './helpers.js'

describe('init', { timeout: 240_000 }, () => {
  it('creates .modelops-bundle/ with an empty registry and a config; a second run changes nothing', async () => {
    const dir = tempDir()
    const r = await run(['init'], { cwd: dir })
    expect(r.code, show(r)).toBe(0)
    expect(existsSync(join(dir, '.modelops-bundle/registry.yaml'))).toBe(true)
    expect(readFileSync(join(dir, '.modelops-bundle/config.yaml'), 'utf8')).toMatch(/^#/m)
    const again = await run(['init'], { cwd: dir })
    expect(again.code, show(again)).toBe(0)
    expect(again.stdout).toContain('Already')
    const list = await run(['list', '--json'], { cwd: dir })
    expect(JSON.parse(list.stdout)).toEqual({ version: '1.0', models: {}, targets: {}, target_sets: {} })
  })

  it('init DIR works in an existing project folder and keeps its registry', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'proj/.modelops-bundle'), { recursive: true })
    copyFileSync(join(VECTORS, 'example-registry-head.yaml'), join(dir, 'proj/.modelops-bundle/registry.yaml'))
    const r = await run(['init', 'proj'], { cwd: dir })
    expect(r.code, show(r)).toBe(0)
    expect(readFileSync(join(dir, 'proj/.modelops-bundle/registry.yaml'), 'utf8')).toBe(readFileSync(join(VECTORS, 'example-registry-head.yaml'), 'utf8'))
  })
})

describe('registries written by the Python tool', { timeout: 240_000 }, () => {
  it('list reads the R2 vector registry', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, '.modelops-bundle'))
    copyFileSync(join(VECTORS, 'example-registry-head.yaml'), join(dir, '.modelops-bundle/registry.yaml'))
    const r = await run(['list', '--json'], { cwd: dir })
    expect(r.code, show(r)).toBe(0)
    const reg = JSON.parse(r.stdout)
    expect(Object.keys(reg.models)).toEqual(['model_stochasticsir', 'model_deterministicsir', 'model_networksir'])
    expect(reg.targets.incidence_target.entrypoint).toBe('targets.incidence:incidence_target')
    expect(reg.target_sets.incidence.targets).toEqual(['incidence_target'])
    const table = await run(['list'], { cwd: dir })
    expect(table.stdout).toMatch(/model_networksir\s+models\.model:NetworkSIR/)
    expect(table.stdout).toContain('448dc295027b') // hex after the prefix
  })

  it('list reads the R1 vector registry', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, '.modelops-bundle'))
    copyFileSync(join(VECTORS, 'example-registry-4c20e72.yaml'), join(dir, '.modelops-bundle/registry.yaml'))
    const r = await run(['list', '--json'], { cwd: dir })
    expect(r.code, show(r)).toBe(0)
    expect(JSON.parse(r.stdout).models.sirmodel).toMatchObject({ path: 'src/model.py', class_name: 'SIRModel' })
  })

  it('in a repository without node_modules the cache is a self-ignoring .modelops-bundle/cache/, never node_modules/', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, '.modelops-bundle'))
    copyFileSync(join(VECTORS, 'example-registry-head.yaml'), join(dir, '.modelops-bundle/registry.yaml'))
    const r = await run(['status'], { cwd: dir })
    expect(r.code, show(r)).toBe(0)
    expect(existsSync(join(dir, 'node_modules'))).toBe(false)
    expect(readFileSync(join(dir, '.modelops-bundle/cache/.gitignore'), 'utf8')).toMatch(/^\*$/m)
    const info = await run(['cache', 'info', '--json'], { cwd: dir })
    expect(JSON.parse(info.stdout).dir).toBe(join(realpathSync(dir), '.modelops-bundle/cache/outputs-v1'))
    // With node_modules (a JS project), the CLI uses the folder a build there uses.
    mkdirSync(join(dir, 'node_modules'))
    const js = await run(['cache', 'info', '--json'], { cwd: dir })
    expect(JSON.parse(js.stdout).dir).toBe(join(realpathSync(dir), 'node_modules/.cache/modelops-bundle/outputs-v1'))
  })

  it('verify reports the missing files of a registry whose files are absent, exit 1', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, '.modelops-bundle'))
    copyFileSync(join(VECTORS, 'example-registry-head.yaml'), join(dir, '.modelops-bundle/registry.yaml'))
    const r = await run(['verify'], { cwd: dir })
    expect(r.code, show(r)).toBe(1)
    expect(r.stdout).toMatch(/missing\s+MODEL_CODE\s+models\/model\.py/)
  })
})

describe('target-set', { timeout: 240_000 }, () => {
  async function withTargets(): Promise<string> {
    const dir = tempDir()
    mkdirSync(join(dir, '.modelops-bundle'))
    const text = readFileSync(join(VECTORS, 'example-registry-head.yaml'), 'utf8')
    // Two targets, no sets.
    const second = text.slice(text.indexOf('  incidence_target:'), text.indexOf('target_sets:')).replace('incidence_target:', 'prevalence_target:')
    writeFileSync(join(dir, '.modelops-bundle/registry.yaml'), text.slice(0, text.indexOf('target_sets:')) + second + 'target_sets: {}\n')
    return dir
  }

  it('list, set (all by default, -t, -w), delete', async () => {
    const dir = await withTargets()
    const at = { cwd: dir }
    expect((await run(['target-set', 'list'], at)).stdout).toContain('No target sets defined')
    const all = await run(['target-set', 'set', 'everything'], at)
    expect(all.code, show(all)).toBe(0)
    expect(all.stdout).toContain("✓ Target set 'everything' now includes: incidence_target, prevalence_target")
    const some = await run(['target-set', 'set', 'inc', '-t', 'incidence_target', '-w', 'incidence_target=2.5'], at)
    expect(some.code, show(some)).toBe(0)
    const list = await run(['target-set', 'list', '--json'], at)
    expect(JSON.parse(list.stdout)).toEqual({
      everything: { targets: ['incidence_target', 'prevalence_target'], weights: {} },
      inc: { targets: ['incidence_target'], weights: { incidence_target: 2.5 } },
    })
    const table = await run(['target-set', 'list'], at)
    expect(table.stdout).toMatch(/inc\s+incidence_target\s+incidence_target=2\.5/)
    const del = await run(['target-set', 'delete', 'inc'], at)
    expect(del.code, show(del)).toBe(0)
    expect(del.stdout).toContain("✓ Deleted target set 'inc'")
    expect(Object.keys(JSON.parse((await run(['target-set', 'list', '--json'], at)).stdout))).toEqual(['everything'])
  })

  it('unknown targets and unknown sets are user errors (1); malformed weights are usage errors (2)', async () => {
    const dir = await withTargets()
    const at = { cwd: dir }
    const unknown = await run(['target-set', 'set', 's', '-t', 'nope'], at)
    expect(unknown.code, show(unknown)).toBe(1)
    expect(unknown.stderr).toContain("target set 's' references unknown targets: nope")
    const weight = await run(['target-set', 'set', 's', '-w', 'incidence_target'], at)
    expect(weight.code, show(weight)).toBe(2)
    expect(weight.stderr).toContain("malformed weight 'incidence_target'")
    const nan = await run(['target-set', 'set', 's', '-w', 'incidence_target=abc'], at)
    expect(nan.code).toBe(2)
    const stray = await run(['target-set', 'set', 's', '-t', 'incidence_target', '-w', 'prevalence_target=1'], at)
    expect(stray.code).toBe(1)
    const del = await run(['target-set', 'delete', 'nothing'], at)
    expect(del.code, show(del)).toBe(1)
    expect(del.stderr).toContain("target set 'nothing' not found")
  })
})

describe('digest', { timeout: 240_000 }, () => {
  it('--json has the fixed shape: bundle, environment, models and targets with components', async () => {
    const root = await sampleProject()
    expect((await run(['register-model', 'models/sir.py'], { cwd: root })).code).toBe(0)
    expect((await run(['register-target', 'targets/epi.py'], { cwd: root })).code).toBe(0)
    const r = await run(['digest', '--json'], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    const d = JSON.parse(r.stdout)
    expect(Object.keys(d)).toEqual(['bundle_digest', 'environment', 'models', 'targets'])
    expect(d.bundle_digest).toMatch(/^bundle1:[0-9a-f]{64}$/)
    expect(d.environment.digest).toMatch(/^env1:[0-9a-f]{64}$/)
    expect(d.environment).toHaveProperty('python_version')
    const m = d.models.sir_stochasticsir
    expect(m.digest).toMatch(/^composite1:[0-9a-f]{64}$/)
    expect(m.entrypoint).toBe('models.sir:StochasticSIR')
    expect(m.components).toContainEqual({ kind: 'MODEL_CODE', path: 'models/sir.py', digest: expect.stringMatching(/^pysem1:/) })
    expect(m.components).toContainEqual({ kind: 'CODE_DEP', path: 'models/common.py', digest: expect.stringMatching(/^pysem1:/) })
    for (const c of m.components) expect(Object.keys(c)).toEqual(['kind', 'path', 'digest'])
    expect(d.targets.incidence_target.components).toContainEqual({ kind: 'TARGET_DATA', path: 'data/data.csv', digest: expect.stringMatching(/^blake2b256:/) })
    // Same files, same digests; the text form prints the same bundle digest.
    const again = JSON.parse((await run(['digest', '--json'], { cwd: root })).stdout)
    expect(again).toEqual(d)
    const text = await run(['digest'], { cwd: root })
    expect(text.stdout).toContain(d.bundle_digest)
    expect(text.stdout).toContain(m.digest)
  })
})

describe('hash', { timeout: 240_000 }, () => {
  it('prints `<digest>  <kind>  <path>` per file, semantic for Python, bytes otherwise, inside or outside a project', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'a.py'), 'def f(x):\n    return x + 1\n')
    writeFileSync(join(dir, 'b.py'), '# comment\ndef f( x ):\n\n    return x+1  # same program\n')
    writeFileSync(join(dir, 'c.py'), 'def f(x):\n    return x + 2\n')
    writeFileSync(join(dir, 'd.csv'), 'a,b,c\n1,2,3')
    const r = await run(['hash', 'a.py', 'b.py', 'c.py', 'd.csv'], { cwd: dir })
    expect(r.code, show(r)).toBe(0)
    const lines = r.stdout.trim().split('\n').map((l) => l.split('  '))
    expect(lines.map((l) => [l[1], l[2]])).toEqual([['semantic', 'a.py'], ['semantic', 'b.py'], ['semantic', 'c.py'], ['bytes', 'd.csv']])
    expect(lines[0]![0]).toMatch(/^pysem1:[0-9a-f]{64}$/)
    expect(lines[1]![0]).toBe(lines[0]![0])
    expect(lines[2]![0]).not.toBe(lines[0]![0])
    expect(lines[3]![0]).toMatch(/^blake2b256:[0-9a-f]{64}$/)
    const json = await run(['hash', '--json', 'a.py', 'd.csv'], { cwd: dir })
    expect(JSON.parse(json.stdout)).toEqual([
      { path: 'a.py', kind: 'semantic', digest: lines[0]![0] },
      { path: 'd.csv', kind: 'bytes', digest: lines[3]![0] },
    ])
  })

  it('a file tree-sitter cannot parse falls back to bytes with a warning naming it; a missing file fails the run', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'bad.py'), 'def f(:\n  pass\n')
    const r = await run(['hash', 'bad.py', 'missing.py'], { cwd: dir })
    expect(r.code, show(r)).toBe(1)
    expect(r.stdout).toMatch(/^blake2b256:[0-9a-f]{64}  bytes  bad\.py$/m)
    expect(r.stderr).toContain('bad.py')
    expect(r.stderr).toContain('missing.py')
    // --json: the warning stays on stderr, stdout is pure JSON.
    const json = await run(['hash', '--json', 'bad.py'], { cwd: dir })
    expect(json.code, show(json)).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual([{ path: 'bad.py', kind: 'bytes', digest: expect.stringMatching(/^blake2b256:/) }])
    expect(json.stderr).toContain('bad.py')
  })
})

describe('discover', { timeout: 240_000 }, () => {
  it('--json: models with outputs and bases, targets with data, per file', async () => {
    const root = await sampleProject()
    const r = await run(['discover', '--json', 'models/sir.py', 'targets/epi.py', 'standin/modelops_calabaria/__init__.py'], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    const [models, targets, standin] = JSON.parse(r.stdout)
    expect(models.path).toBe('models/sir.py')
    expect(models.models.map((m: { name: string }) => m.name)).toEqual(['StochasticSIR', 'DeterministicSIR', 'NetworkSIR'])
    const net = models.models[2]
    expect(Object.keys(net)).toEqual(['name', 'line', 'bases', 'outputs', 'entrypoint'])
    expect(net).toMatchObject({ bases: ['StochasticSIR'], entrypoint: 'models.sir:NetworkSIR' })
    expect([...net.outputs].sort()).toEqual(['incidence', 'prevalence', 'sir'])
    expect(targets.targets).toEqual([
      { name: 'incidence_target', line: expect.any(Number), model_output: 'incidence', data: { observed: 'data/data.csv' }, entrypoint: 'targets.epi:incidence_target' },
      { name: 'prevalence_survey', line: expect.any(Number), model_output: 'prevalence', data: { observed: 'data/prevalence.csv' }, entrypoint: 'targets.epi:prevalence_target' },
    ])
    // The stand-in defines BaseModel itself: it is not a model.
    expect(standin.models).toEqual([])
    expect(standin.targets).toEqual([])
    const text = await run(['discover', 'models/sir.py'], { cwd: root })
    expect(text.stdout).toMatch(/model\s+NetworkSIR\s+line \d+\s+models\.sir:NetworkSIR/)
  })

  it('works outside a project too', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'pkg'))
    writeFileSync(join(dir, 'pkg/m.py'), 'from modelops_calabaria import BaseModel, model_output\n\nclass M(BaseModel):\n    @model_output\n    def series(self, raw, seed):\n        return raw\n')
    const r = await run(['discover', '--json', 'pkg/m.py'], { cwd: dir })
    expect(r.code, show(r)).toBe(0)
    const [f] = JSON.parse(r.stdout)
    expect(f.models).toEqual([expect.objectContaining({ name: 'M', outputs: ['series'] })])
  })

  it('many files (parsed on the parse pool): the results of one file at a time, in the order given', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'pkg'))
    writeFileSync(join(dir, 'pkg/__init__.py'), '')
    // ~80 KiB each, past the parse pool's break-even together; each imports the previous one's model.
    const filler = Array.from({ length: 2000 }, (_, k) => `def f_${k}(x):\n    return x + ${k}  # c\n`).join('\n')
    const names: string[] = []
    for (let i = 0; i < 9; i++) {
      const prev = i === 5 ? 3 : i - 1 // m4 has a syntax error: the chain goes around it
      const base = i === 0 ? 'BaseModel' : `M${prev}`
      const imp = i === 0 ? '' : `from m${prev} import M${prev}\n` // outside a project the import root is the file's folder
      const broken = i === 4 ? 'def broken(:\n' : ''
      writeFileSync(join(dir, `pkg/m${i}.py`), `from modelops_calabaria import BaseModel, model_output\n${imp}\nclass M${i}(${base}):\n    @model_output("o${i}")\n    def o(self):\n        return 1\n\n${filler}\n${broken}`)
      names.push(`pkg/m${i}.py`)
    }
    names.splice(6, 0, 'pkg/missing.py')
    const all = await run(['discover', '--json', ...names], { cwd: dir })
    expect(all.code, show(all)).toBe(1)
    expect(all.stderr).toContain('pkg/missing.py')
    const one = []
    for (const n of names.filter((n) => n !== 'pkg/missing.py')) one.push(...JSON.parse((await run(['discover', '--json', n], { cwd: dir })).stdout))
    expect(JSON.parse(all.stdout)).toEqual(one)
    expect(one.map((f) => f.models.map((m: { name: string }) => m.name).join())).toEqual(['M0', 'M1', 'M2', 'M3', '', 'M5', 'M6', 'M7', 'M8'])
    expect(one[4].errors).toEqual([expect.objectContaining({ line: expect.any(Number) })])
    expect(one[8].models[0].outputs).toEqual(['o0', 'o1', 'o2', 'o3', 'o5', 'o6', 'o7', 'o8'])
  })
})
