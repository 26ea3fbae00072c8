// Issue 15 point 6: the registry commands' flags of the Python modelops-bundle (R2), run on the same project by both
// CLIs, comparing what each reports (docs/interop.md, "Registry commands"). The Python tool is required (python-tool.ts).
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parse } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { run, sampleProject, show, tempDir } from './helpers.js'
import { ok, py, pyFirstColumn, pyStates, pythonTool } from './python-tool.js'

const read = (root: string, rel: string) => readFileSync(join(root, rel), 'utf8')
const codeOf = (root: string, id: string): string[] => (parse(read(root, '.modelops-bundle/registry.yaml')).models[id].code as string[]).slice().sort()
const json = (r: { stdout: string }) => JSON.parse(r.stdout)

let BASE: string
/** A copy of the sample project registered with our CLI, in a folder of the same name. */
function project(): string {
  const root = join(tempDir('mops-interop-cmd-'), basename(BASE))
  cpSync(BASE, root, { recursive: true })
  return root
}
/** models/common.py changed, so the three models are stale for both tools. */
function editCommon(root: string) {
  writeFileSync(join(root, 'models/common.py'), `${read(root, 'models/common.py')}\nEXTRA = 1\n`)
}

beforeAll(async () => {
  pythonTool()
  BASE = await sampleProject()
  // A module of the models package that sir.py does not import: only a whole-package walk records it.
  writeFileSync(join(BASE, 'models/extra.py'), 'HELPER = 1\n')
  await ok(run(['register-model', 'models/sir.py'], { cwd: BASE }))
  await ok(run(['register-target', 'targets/epi.py'], { cwd: BASE }))
}, 300_000)

describe('register-model --code-mode', () => {
  it('files (our default) follows imports; package records every .py of the packages, as Python walks them; Python reads it', async () => {
    const root = project()
    expect(codeOf(root, 'sir_stochasticsir')).toEqual(['models/__init__.py', 'models/common.py', 'standin/modelops_calabaria/__init__.py'])
    const r = await ok(run(['register-model', 'models/sir.py', '--code-mode', 'package', '--json'], { cwd: root }))
    expect(json(r).updated).toBe(3)
    const ours = codeOf(root, 'sir_stochasticsir')
    expect(ours).toEqual(['models/__init__.py', 'models/common.py', 'models/extra.py', 'standin/modelops_calabaria/__init__.py'])
    // The Python tool reads what we recorded: every model Ready.
    const s = await ok(py(['status'], { cwd: root }))
    expect(Object.values(pyStates(s.stdout)).every((v) => v.includes('Ready')), s.stdout).toBe(true)

    // Python's own `files` mode walks the same whole packages (and lists the model file itself, which we never add).
    const other = project()
    await ok(py(['register-model', 'models/sir.py', '--code-mode', 'files'], { cwd: other }))
    expect(codeOf(other, 'sir_stochasticsir')).toEqual([...ours, 'models/sir.py'].sort())
    // Its `package` mode records the folders and then cannot hash them (R2 bug, docs/interop.md): exit 1.
    const crash = await py(['register-model', 'models/sir.py', '--code-mode', 'package'], { cwd: project() })
    expect(crash.code, show(crash)).toBe(1)
    expect(crash.stdout + crash.stderr).toContain('IsADirectoryError')

    // config.yaml's import_mode is the default; --code-mode overrides it.
    const cfg = join(root, '.modelops-bundle/config.yaml')
    writeFileSync(cfg, read(root, '.modelops-bundle/config.yaml').replace('import_mode: files', 'import_mode: package'))
    const fresh = project()
    writeFileSync(join(fresh, '.modelops-bundle/config.yaml'), read(root, '.modelops-bundle/config.yaml'))
    await ok(run(['register-model', 'models/sir.py'], { cwd: fresh }))
    expect(codeOf(fresh, 'sir_stochasticsir')).toContain('models/extra.py')
  }, 600_000)

  it('a mode other than files or package is a usage error (exit 2); Python silently takes package', async () => {
    const r = await run(['register-model', 'models/sir.py', '--code-mode', 'pkg'], { cwd: project() })
    expect(r.code, show(r)).toBe(2)
    expect(r.stderr).toContain("--code-mode must be 'files' or 'package'")
  }, 600_000)
})

describe('list --model-label / --target-label', () => {
  it('as in Python, R2 entries have no labels, so a filter lists none of that kind and the other kind in full (exit 0)', async () => {
    const root = project()
    for (const [flag, hidden, shown] of [['--model-label', 'sir_stochasticsir', 'incidence_target'], ['--target-label', 'incidence_target', 'sir_stochasticsir']] as const) {
      const p = await ok(py(['list', flag, 'team=epi'], { cwd: root }))
      const t = await ok(run(['list', flag, 'team=epi'], { cwd: root }))
      for (const out of [p.stdout, t.stdout]) {
        expect(out).not.toContain(hidden)
        expect(out).toContain(shown)
      }
      expect(t.stderr).toContain('registry entries have no labels')
      const j = json(await ok(run(['list', flag, 'team=epi', '--json'], { cwd: root })))
      expect(Object.keys(flag === '--model-label' ? j.models : j.targets)).toEqual([])
      expect(Object.keys(flag === '--model-label' ? j.targets : j.models).length).toBeGreaterThan(0)
    }
    // Without '=': Python matches nothing silently; we say how to write it (exit 2).
    const bad = await run(['list', '--model-label', 'team'], { cwd: root })
    expect(bad.code, show(bad)).toBe(2)
    expect(bad.stderr).toContain('KEY=VALUE')
  }, 600_000)
})

describe('status --details / --explain / --files / --untracked-only', () => {
  let root: string
  beforeAll(() => {
    root = project()
    editCommon(root)
  })

  it('--details by class, id or function name shows the same files as Python, the changed one marked; unknown: exit 1 in both', async () => {
    for (const name of ['StochasticSIR', 'sir_stochasticsir']) {
      const p = await ok(py(['status', '--details', name], { cwd: root }))
      const t = await ok(run(['status', '--details', name], { cwd: root }))
      expect(p.stdout).toContain('Δ models/common.py')
      expect(t.stdout).toMatch(/Δ CODE_DEP {4}models\/common\.py {2}modified/)
      const pyFiles = [...p.stdout.matchAll(/^ {4}[✓Δ✗?] (\S+) \(/gm)].map((m) => m[1]).sort()
      const ours = json(await ok(run(['status', '--details', name, '--json'], { cwd: root })))
      expect(ours.components.map((c: { path: string }) => c.path).sort()).toEqual(pyFiles)
      expect(ours.state).toBe('stale')
      expect(ours.components.find((c: { path: string }) => c.path === 'models/common.py').state).toBe('modified')
    }
    const target = await ok(run(['status', '--details', 'prevalence_target'], { cwd: root }))
    expect(target.stdout).toContain('Target: prevalence_survey (prevalence_target)')
    expect((await ok(py(['status', '--details', 'prevalence_target'], { cwd: root }))).stdout).toContain('Target: prevalence_target')
    const p = await py(['status', '--details', 'Nope'], { cwd: root })
    const t = await run(['status', '--details', 'Nope'], { cwd: root })
    expect([p.code, t.code], show(t)).toEqual([1, 1])
    expect(p.stdout).toContain('sir_stochasticsir (StochasticSIR)')
    expect(t.stderr).toContain('sir_stochasticsir (StochasticSIR)')
  }, 600_000)

  it('--explain names the same stale entries and file, with the recorded and current digests', async () => {
    const p = await ok(py(['status', '--explain'], { cwd: root }))
    const t = await ok(run(['status', '--explain'], { cwd: root }))
    const pyStale = [...p.stdout.matchAll(/^(\w+) → STALE$/gm)].map((m) => m[1]).sort()
    expect(pyStale).toEqual(['DeterministicSIR', 'NetworkSIR', 'StochasticSIR'])
    const ourStale = [...t.stdout.matchAll(/^(\w+) → stale$/gm)].map((m) => m[1]).sort()
    expect(ourStale).toEqual(['sir_deterministicsir', 'sir_networksir', 'sir_stochasticsir'])
    for (const out of [p.stdout, t.stdout]) expect(out.split('Explanation')[1]).toContain('models/common.py')
    expect(t.stdout).toMatch(/recorded: pysem1:[0-9a-f]{64}\n {4}current: {2}pysem1:[0-9a-f]{64}/)
  }, 600_000)

  it('--files lists every file Python tracks for the registry, each with its state and the entries using it', async () => {
    const p = await ok(py(['status', '--files'], { cwd: root }))
    const pyFiles = [...p.stdout.matchAll(/^ {2}(\S+) \(/gm)].map((m) => m[1]).sort()
    const j = json(await ok(run(['status', '--files', '--json'], { cwd: root })))
    const ours = j.files.map((f: { path: string }) => f.path)
    // Python's view is tracked.txt: our registered files, plus the registry itself, pyproject.toml and the
    // __init__.py of the targets' package (not a digest component of ours: a target's digest is its own file).
    expect(pyFiles).toEqual(read(root, '.modelops-bundle/tracked.txt').split('\n').filter(Boolean).sort())
    expect([...ours, '.modelops-bundle/registry.yaml', 'pyproject.toml', 'targets/__init__.py'].sort()).toEqual(pyFiles)
    const common = j.files.find((f: { path: string }) => f.path === 'models/common.py')
    expect(common.state).toBe('modified')
    expect(common.entries.map((e: { id: string }) => e.id).sort()).toEqual(['sir_deterministicsir', 'sir_networksir', 'sir_stochasticsir'])
    const t = await ok(run(['status', '--files'], { cwd: root }))
    expect(t.stdout).toMatch(/Δ models\/common\.py +modified +CODE_DEP/)
    expect(t.stdout).toMatch(/✓ data\/data\.csv +fresh +TARGET_DATA +incidence_target/)
  }, 600_000)

  it('--untracked-only lists the same files as Python (ignored and tracked ones left out)', async () => {
    writeFileSync(join(root, 'notes.txt'), 'x')
    writeFileSync(join(root, 'models/scratch.pyc'), 'x')
    writeFileSync(join(root, '.modelopsignore'), 'README.md\n')
    const p = await ok(py(['status', '--untracked-only'], { cwd: root }))
    const t = json(await ok(run(['status', '--untracked-only', '--json'], { cwd: root })))
    const ours = t.untracked.map((f: { path: string }) => f.path)
    expect(ours).toEqual(pyFirstColumn(p.stdout).filter((x) => x !== 'File').sort())
    expect(ours).toContain('notes.txt')
    expect(ours).not.toContain('README.md')
    expect(ours).not.toContain('models/scratch.pyc')
    expect(ours).not.toContain('models/common.py')
    const text = await ok(run(['status', '--untracked-only'], { cwd: root }))
    expect(text.stdout).toMatch(/^ {2}notes\.txt +1 B$/m)
  }, 600_000)
})
