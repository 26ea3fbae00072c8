// register-model / register-target reconciliation: filters, ids, collisions, pruning, subfolders, concurrency.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run, sampleProject, show, tempDir, VECTORS, writeFiles } from './helpers.js'

const registryText = (root: string) => readFileSync(join(root, '.modelops-bundle/registry.yaml'), 'utf8')
const listJson = async (root: string) => JSON.parse((await run(['list', '--json'], { cwd: root })).stdout)

describe('register-model', { timeout: 240_000 }, () => {
  it('src layout: the entrypoint is the module path from src; the package __init__ files are code, and editing one makes the model stale', async () => {
    const root = tempDir('mops-srclayout-')
    expect((await run(['init'], { cwd: root })).code).toBe(0)
    const files: Record<string, string> = {
      'src/mypkg/__init__.py': '',
      'src/mypkg/models/__init__.py': 'SCALE = 1\n',
      'src/mypkg/models/sir.py': 'import modelops_calabaria as cb\n\nclass SIR(cb.BaseModel):\n    pass\n',
    }
    writeFiles(root, files)
    const reg = await run(['register-model', 'src/mypkg/models/sir.py'], { cwd: root })
    expect(reg.code, show(reg)).toBe(0)
    expect(reg.stdout).toMatch(/^\+ sir_sir\s+entry=mypkg\.models\.sir:SIR$/m)
    // src/ is an import root, not a package: no advice to add src/__init__.py.
    expect(reg.stdout + reg.stderr).not.toContain('src/ has no __init__.py')
    const model = (await listJson(root)).models.sir_sir
    expect(model.code).toEqual(['src/mypkg/__init__.py', 'src/mypkg/models/__init__.py'])
    expect((await run(['verify'], { cwd: root })).code).toBe(0)
    writeFileSync(join(root, 'src/mypkg/models/__init__.py'), 'SCALE = 2\n')
    const stale = await run(['status'], { cwd: root })
    expect(stale.stdout).toMatch(/sir_sir\s+stale/)
    expect(stale.stdout).toMatch(/modified CODE_DEP\s+src\/mypkg\/models\/__init__\.py/)
    expect((await run(['verify'], { cwd: root })).code).toBe(1)
  })

  it('an unknown --class is an error naming it and the classes found; the registry is untouched', async () => {
    const root = await sampleProject()
    const before = registryText(root)
    const r = await run(['register-model', 'models/sir.py', '--class', 'StochasticSIR', '--class', 'SEIR'], { cwd: root })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toContain('models/sir.py')
    expect(r.stderr).toContain('SEIR')
    expect(r.stderr).toMatch(/found: .*DeterministicSIR/)
    expect(registryText(root)).toBe(before)
  })

  it('a missing PATH is an error naming the file (the reference silently pruned)', async () => {
    const root = await sampleProject()
    const r = await run(['register-model', 'models/nope.py'], { cwd: root })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toContain('models/nope.py')
    expect(r.stderr).toContain('not found')
    const folder = await run(['register-model', 'models'], { cwd: root })
    expect(folder.code, show(folder)).toBe(1)
    expect(folder.stderr).toContain('not a Python file')
    const csv = await run(['register-target', 'data/data.csv'], { cwd: root })
    expect(csv.code, show(csv)).toBe(1)
    expect(csv.stderr).toContain('data/data.csv: not a Python file')
  })

  it('--id needs exactly one class; with one it names the entry, and a plain re-registration keeps it (issue 17)', async () => {
    const root = await sampleProject()
    const many = await run(['register-model', 'models/sir.py', '--id', 'x'], { cwd: root })
    expect(many.code, show(many)).toBe(2)
    expect(many.stderr).toContain('--id')
    const one = await run(['register-model', 'models/sir.py', '-c', 'NetworkSIR', '--id', 'net'], { cwd: root })
    expect(one.code, show(one)).toBe(0)
    expect(one.stdout).toMatch(/^\+ net\s+entry=models\.sir:NetworkSIR$/m)
    // The plain re-registration that status suggests keeps the class's recorded id.
    const back = await run(['register-model', 'models/sir.py'], { cwd: root })
    expect(back.code, show(back)).toBe(0)
    expect(back.stdout).not.toContain('removed')
    expect(back.stdout).toContain('✓ Models updated: +2 ~0 -0')
    expect(Object.keys((await listJson(root)).models).sort()).toEqual(['net', 'sir_deterministicsir', 'sir_stochasticsir'])
    // An explicit --id still renames, and says so.
    const renamed = await run(['register-model', 'models/sir.py', '-c', 'NetworkSIR', '--id', 'netsir'], { cwd: root })
    expect(renamed.stdout).toMatch(/^- net\s+removed \(re-registered as netsir\)$/m)
  })

  it('an R1 registry: following status\'s hint keeps the R1 model (not a BaseModel subclass) and upgrades its token hash', async () => {
    const root = tempDir('mops-r1-')
    mkdirSync(join(root, '.modelops-bundle'), { recursive: true })
    // The R1 example, its model moved into a package (R2 refuses files at the top of an import root).
    const r1 = readFileSync(join(VECTORS, 'example-registry-4c20e72.yaml'), 'utf8').replace('path: src/model.py', 'path: src/models/model.py')
    writeFileSync(join(root, '.modelops-bundle/registry.yaml'), r1)
    mkdirSync(join(root, 'src/models'), { recursive: true })
    mkdirSync(join(root, 'data'))
    writeFileSync(join(root, 'src/models/__init__.py'), '')
    writeFileSync(join(root, 'src/models/model.py'), 'class SIRModel:\n    pass\n')
    writeFileSync(join(root, 'src/targets.py'), 'def prevalence():\n    pass\n')
    writeFileSync(join(root, 'data/data.csv'), 'p\n1\n')
    const s = await run(['status'], { cwd: root })
    expect(s.stdout).toMatch(/outdated MODEL_CODE {2}src\/models\/model\.py {2}\(recorded by an older algorithm; re-register to upgrade\)/)
    expect(s.stdout).toContain('hint: recorded by an older algorithm; re-register to upgrade (mops-bundle register-model <file>)')
    const r = await run(['register-model', 'src/models/model.py'], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).not.toContain('removed')
    expect(r.stderr).toContain('class SIRModel does not derive from')
    const m = (await listJson(root)).models.sirmodel
    expect(m.model_digest).toMatch(/^sha256:/)
    expect(m.data).toEqual(['data/data.csv'])
    expect((await run(['status'], { cwd: root })).stdout).not.toMatch(/outdated MODEL_CODE/)
  })

  it('an explicit --class registers a class that is not a model, with a warning; re-registering keeps it', async () => {
    const root = await sampleProject()
    writeFileSync(join(root, 'models/plain.py'), 'class Helper:\n    pass\n')
    const r = await run(['register-model', 'models/plain.py', '--class', 'Helper'], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    expect(r.stderr).toMatch(/models\/plain\.py:1: class Helper does not derive from modelops_calabaria\.BaseModel or calabaria\.BaseModel; registered because --class names it/)
    expect(r.stdout).toMatch(/^\+ plain_helper\s+entry=models\.plain:Helper$/m)
    const again = await run(['register-model', 'models/plain.py'], { cwd: root })
    expect(again.code, show(again)).toBe(0)
    expect(again.stderr).toContain('registered because it is registered already')
    expect(Object.keys((await listJson(root)).models)).toEqual(['plain_helper'])
  })

  it('--class registers only the chosen classes and leaves the others of the file alone; --exclude drops', async () => {
    const root = await sampleProject()
    expect((await run(['register-model', 'models/sir.py'], { cwd: root })).code).toBe(0)
    const only = await run(['register-model', 'models/sir.py', '--class', 'StochasticSIR'], { cwd: root })
    expect(only.code, show(only)).toBe(0)
    expect(only.stdout.trim()).toBe('✓ Models updated: +0 ~0 -0')
    expect(Object.keys((await listJson(root)).models)).toHaveLength(3)
    const ex = await run(['register-model', 'models/sir.py', '-e', 'NetworkSIR'], { cwd: root })
    expect(ex.code, show(ex)).toBe(0)
    expect(ex.stdout).toMatch(/^- sir_networksir\s+removed \(excluded\)$/m)
    expect(Object.keys((await listJson(root)).models).sort()).toEqual(['sir_deterministicsir', 'sir_stochasticsir'])
  })

  it('a class deleted from the file is removed; data, code and output changes are updates', async () => {
    const root = await sampleProject()
    expect((await run(['register-model', 'models/sir.py'], { cwd: root })).code).toBe(0)
    const file = join(root, 'models/sir.py')
    const src = readFileSync(file, 'utf8')
    writeFileSync(file, src.slice(0, src.indexOf('class NetworkSIR')))
    const r = await run(['register-model', 'models/sir.py', '--data', 'data/data.csv'], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toMatch(/^- sir_networksir\s+removed \(no longer discovered\)$/m)
    expect(r.stdout).toMatch(/^~ sir_stochasticsir\s+digest [0-9a-f]{12} → [0-9a-f]{12}; data \+data\/data\.csv$/m)
    expect(r.stdout).toContain('✓ Models updated: +0 ~2 -1')
    // Only a data dependency changes: still an update, without a digest change.
    const d = await run(['register-model', 'models/sir.py', '--data', 'data/prevalence.csv'], { cwd: root })
    expect(d.stdout).toMatch(/^~ sir_deterministicsir\s+data \+data\/prevalence\.csv -data\/data\.csv$/m)
    // A change in the helper file the models import is a code change.
    writeFileSync(join(root, 'models/common.py'), readFileSync(join(root, 'models/common.py'), 'utf8') + '\nEXTRA = 1\n')
    const c = await run(['register-model', 'models/sir.py'], { cwd: root })
    expect(c.stdout).toMatch(/^~ sir_stochasticsir\s+code ~models\/common\.py$/m)
  })

  it('an id already registered from another file is an error naming both files', async () => {
    const root = await sampleProject()
    expect((await run(['register-model', 'models/sir.py'], { cwd: root })).code).toBe(0)
    mkdirSync(join(root, 'other'))
    writeFileSync(join(root, 'other/__init__.py'), '')
    copyFileSync(join(root, 'models/sir.py'), join(root, 'other/sir.py'))
    const before = registryText(root)
    const r = await run(['register-model', 'other/sir.py'], { cwd: root })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/other\/sir\.py:\d+: model id 'sir_\w+' is already registered from models\/sir\.py/)
    expect(registryText(root)).toBe(before)
    const ok = await run(['register-model', 'other/sir.py', '-c', 'DeterministicSIR', '--id', 'other_det'], { cwd: root })
    expect(ok.code, show(ok)).toBe(0)
  })

  it('a model file at the project root gets the package advice; paths outside the project are refused', async () => {
    const root = await sampleProject()
    copyFileSync(join(root, 'models/sir.py'), join(root, 'rootmodel.py'))
    const r = await run(['register-model', 'rootmodel.py'], { cwd: root })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/package|subdirectory|folder/i)
    // A package folder without __init__.py registers, with a warning naming the file to create.
    mkdirSync(join(root, 'nsp'))
    copyFileSync(join(root, 'models/sir.py'), join(root, 'nsp/sir2.py'))
    const nsp = await run(['register-model', 'nsp/sir2.py'], { cwd: root })
    expect(nsp.code, show(nsp)).toBe(0)
    expect(nsp.stderr).toContain('nsp/ has no __init__.py')
    expect(nsp.stdout).toContain('+3')
    const out = await run(['register-model', '../elsewhere.py'], { cwd: root })
    expect(out.code, show(out)).toBe(1)
    expect(out.stderr).toContain('outside the project')
  })

  it('--no-auto-code records no imports; a folder as --data is digested as a tree', async () => {
    const root = await sampleProject()
    const r = await run(['register-model', 'models/sir.py', '--no-auto-code', '--data', 'data'], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    const m = (await listJson(root)).models.sir_stochasticsir
    expect(m.code).toEqual([])
    expect(m.data).toEqual(['data'])
    expect(m.data_digests.data).toMatch(/^tree1:[0-9a-f]{64}$/)
    const missing = await run(['register-model', 'models/sir.py', '--data', 'data/nope.csv'], { cwd: root })
    expect(missing.code, show(missing)).toBe(1)
    expect(missing.stderr).toContain('data/nope.csv')
  })

  it('--regen-all rescans every registered file and prunes those that were deleted', async () => {
    const root = await sampleProject()
    mkdirSync(join(root, 'extra'))
    writeFileSync(join(root, 'extra/__init__.py'), '')
    writeFileSync(join(root, 'extra/seir.py'), 'import modelops_calabaria as cb\n\nclass SEIR(cb.BaseModel):\n    PARAMS = None\n')
    expect((await run(['register-model', 'models/sir.py'], { cwd: root })).code).toBe(0)
    expect((await run(['register-model', 'extra/seir.py'], { cwd: root })).code).toBe(0)
    rmSync(join(root, 'extra/seir.py'))
    const r = await run(['register-model', '--regen-all'], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toMatch(/^- seir_seir\s+removed \(file missing\)$/m)
    expect(r.stdout).toContain('✓ Models updated: +0 ~0 -1')
  })

  it('8 concurrent register-model runs on 8 files leave 8 models', async () => {
    const root = await sampleProject()
    mkdirSync(join(root, 'many'))
    writeFileSync(join(root, 'many/__init__.py'), '')
    const files = Array.from({ length: 8 }, (_, i) => {
      const rel = `many/m${i}.py`
      writeFileSync(join(root, rel), `import modelops_calabaria as cb\n\n\nclass Model${i}(cb.BaseModel):\n    @cb.model_output("out${i}")\n    def out(self, raw, seed):\n        return raw\n`)
      return rel
    })
    const results = await Promise.all(files.map((f) => run(['register-model', f], { cwd: root })))
    for (const r of results) expect(r.code, show(r)).toBe(0)
    const reg = await listJson(root)
    expect(Object.keys(reg.models).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `m${i}_model${i}`))
    expect(reg.models.m3_model3.outputs).toEqual(['out3'])
  })
})

describe('register-target', { timeout: 240_000 }, () => {
  it('registers by function or id, errors on an unknown one, and removed targets leave target sets', async () => {
    const root = await sampleProject()
    const unknown = await run(['register-target', 'targets/epi.py', '-t', 'nope_target'], { cwd: root })
    expect(unknown.code, show(unknown)).toBe(1)
    expect(unknown.stderr).toContain('nope_target')
    expect((await run(['register-target', 'targets/epi.py'], { cwd: root })).code).toBe(0)
    const set = await run(['target-set', 'set', 'all', '-w', 'prevalence_survey=2'], { cwd: root })
    expect(set.code, show(set)).toBe(0)
    expect(set.stdout).toContain("✓ Target set 'all' now includes: incidence_target, prevalence_survey")
    const file = join(root, 'targets/epi.py')
    const src = readFileSync(file, 'utf8')
    writeFileSync(file, src.slice(0, src.indexOf('@cb.calibration_target(\n    name="prevalence_survey"')))
    const r = await run(['register-target', 'targets/epi.py'], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toMatch(/^- prevalence_survey\s+removed \(no longer discovered\); left target set all$/m)
    const reg = await listJson(root)
    expect(reg.target_sets.all).toEqual({ targets: ['incidence_target'], weights: {} })
  })

  it('a target whose data file is missing is refused with its line', async () => {
    const root = await sampleProject()
    rmSync(join(root, 'data/prevalence.csv'))
    const r = await run(['register-target', 'targets/epi.py'], { cwd: root })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/targets\/epi\.py:\d+: target prevalence_survey: data file data\/prevalence\.csv not found/)
  })

  it('two targets with one id are an error naming both (in one file, or across files)', async () => {
    const root = await sampleProject()
    const file = join(root, 'targets/epi.py')
    const src = readFileSync(file, 'utf8')
    writeFileSync(file, src.replace('@cb.calibration_target(model_output="incidence"', '@cb.calibration_target(name="prevalence_survey", model_output="incidence"'))
    const same = await run(['register-target', 'targets/epi.py'], { cwd: root })
    expect(same.code, show(same)).toBe(1)
    expect(same.stderr).toMatch(/targets\/epi\.py:\d+: target id 'prevalence_survey' is used by two functions: incidence_target \(line \d+\) and prevalence_target \(line \d+\)/)
    writeFileSync(file, src)
    expect((await run(['register-target', 'targets/epi.py'], { cwd: root })).code).toBe(0)
    copyFileSync(file, join(root, 'targets/copy.py'))
    const across = await run(['register-target', 'targets/copy.py', '-t', 'incidence_target'], { cwd: root })
    expect(across.code, show(across)).toBe(1)
    expect(across.stderr).toMatch(/targets\/copy\.py:\d+: target id 'incidence_target' is already registered from targets\/epi\.py/)
  })

  it('an --exclude that matches nothing is a warning on stderr, not silence', async () => {
    const root = await sampleProject()
    const r = await run(['register-target', 'targets/epi.py', '-e', 'incidence_targt'], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    expect(r.stderr).toContain('--exclude incidence_targt: no such name in this file')
    expect(r.stdout).toContain('✓ Targets updated: +2 ~0 -0')
  })
})
