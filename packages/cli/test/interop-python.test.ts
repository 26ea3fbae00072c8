// One project, two tools (issue 15): our CLI and the real Python modelops-bundle (R2) on the same temp projects.
// The Python tool is required: python-tool.ts fails (never skips) when it cannot be found or built.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parse } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { run, sampleProject, show, tempDir, writeFiles } from './helpers.js'
import { ok, py, pyStates, pythonTool } from './python-tool.js'

const ids = ['sir_deterministicsir', 'sir_networksir', 'sir_stochasticsir', 'incidence_target', 'prevalence_survey']
const read = (root: string, rel: string) => readFileSync(join(root, rel), 'utf8')
const registry = (root: string) => read(root, '.modelops-bundle/registry.yaml')

/** A copy of `base` in a new temp folder with the same folder name (registry_ref names it). */
function copyOf(base: string): string {
  const root = join(tempDir('mops-interop-'), basename(base))
  cpSync(base, root, { recursive: true })
  return root
}

let TS_BASE: string
let PY_BASE: string
const tsProject = async () => copyOf(TS_BASE)
const pyProject = async () => copyOf(PY_BASE)

/** A sample project registered with our CLI only (sample-create, register-model, register-target, target-set). */
async function makeTsProject(): Promise<string> {
  const root = await sampleProject()
  await ok(run(['register-model', 'models/sir.py'], { cwd: root }))
  await ok(run(['register-target', 'targets/epi.py'], { cwd: root }))
  await ok(run(['target-set', 'set', 'all'], { cwd: root }))
  return root
}

/** The same sample files, initialised and registered by the Python tool only (model data given with --data). */
async function makePyProject(): Promise<string> {
  const root = await sampleProject()
  rmSync(join(root, '.modelops-bundle'), { recursive: true })
  await ok(py(['init', '--env', 'local'], { cwd: root }))
  await ok(py(['register-model', 'models/sir.py', '--data', 'data/data.csv'], { cwd: root }))
  await ok(py(['register-target', 'targets/epi.py'], { cwd: root }))
  return root
}

beforeAll(async () => {
  pythonTool()
  ;[TS_BASE, PY_BASE] = await Promise.all([makeTsProject(), makePyProject()])
}, 600_000)

describe('a project made only with mops-bundle, read by the Python tool', () => {
  it('Python status shows every model and target Ready, with no preflight error; tracked.txt is in its format', async () => {
    const root = await tsProject()
    const config = read(root, '.modelops-bundle/config.yaml')
    expect(config).toContain(`registry_ref: "localhost:5555/${basename(root)}"`)
    const tracked = read(root, '.modelops-bundle/tracked.txt')
    const lines = tracked.split('\n').slice(0, -1)
    expect(tracked.endsWith('\n')).toBe(true)
    expect(lines).toEqual([...lines].sort())
    expect(lines).toEqual(expect.arrayContaining(['.modelops-bundle/registry.yaml', 'models/sir.py', 'models/__init__.py', 'targets/__init__.py', 'data/data.csv', 'pyproject.toml']))

    const s = await ok(py(['status'], { cwd: root }))
    expect(pyStates(s.stdout), s.stdout).toEqual({
      DeterministicSIR: '✓ Ready', NetworkSIR: '✓ Ready', StochasticSIR: '✓ Ready', incidence_target: '✓ Ready', prevalence_target: '✓ Ready',
    })
    expect(s.stdout).not.toContain('Preflight Errors')
    expect(s.stdout).not.toContain('untracked file')
    // The fields Python reads hold its sha256 byte digests.
    expect(registry(root)).toMatch(/model_digest: sha256:[0-9a-f]{64}\n/)
    expect(registry(root)).not.toMatch(/pysem1|blake2b256/)
  })

  it('Python register-model, register-target and list work on it; our status stays fresh afterwards', async () => {
    const root = await tsProject()
    await ok(py(['register-model', 'models/sir.py'], { cwd: root }))
    await ok(py(['register-target', 'targets/epi.py'], { cwd: root }))
    const l = await ok(py(['list'], { cwd: root }))
    for (const id of ids) expect(l.stdout).toContain(id)
    const v = await ok(run(['verify'], { cwd: root }))
    expect(v.stdout).toContain('5 entries fresh')
    // Target data digests survive the Python rewrite of registry.yaml (they live in digests.json).
    writeFileSync(join(root, 'data/prevalence.csv'), `${read(root, 'data/prevalence.csv')}\n`)
    const st = await run(['status'], { cwd: root })
    expect(st.stdout).toMatch(/modified TARGET_DATA data\/prevalence\.csv/)
  })

  it('init writes a config.yaml the Python tool accepts (registry_ref from --registry-ref), also with a remote_cache block', async () => {
    const root = join(tempDir('mops-init-'), 'plain')
    const i = await ok(run(['init', root, '--registry-ref', 'ghcr.io/org/plain'], { cwd: tempDir() }))
    expect(i.stdout).toContain('registry_ref: ghcr.io/org/plain')
    writeFileSync(join(root, '.modelops-bundle/config.yaml'), `${read(root, '.modelops-bundle/config.yaml')}\nremote_cache:\n  url: http://127.0.0.1:5000/outputs\n`)
    const s = await ok(py(['status'], { cwd: root }))
    expect(s.stdout).toContain('Bundle: ghcr.io/org/plain:latest')
    // Without the flag: made as Python's init makes it (login_server of the environment, here the fallback).
    const other = join(tempDir('mops-init-'), 'epi')
    const d = await ok(run(['init', other], { cwd: tempDir(), env: { HOME: tempDir() } }))
    expect(d.stdout).toContain('registry_ref: localhost:5555/epi')
  })
})

describe('a project registered only with the Python tool, read by mops-bundle', () => {
  let root: string
  beforeAll(async () => {
    root = await pyProject()
  }, 300_000)

  it('verify exits 0 with no warning about its config keys; target data shows untracked with a hint; --strict fails', async () => {
    const v = await run(['verify'], { cwd: root })
    expect(v.code, show(v)).toBe(0)
    expect(v.stderr).toBe('')
    const s = await ok(run(['status'], { cwd: root }))
    expect(s.stdout).toMatch(/untracked TARGET_DATA data\/prevalence\.csv/)
    expect(s.stdout).toMatch(/hint: the Python modelops-bundle records no digests for target data/)
    const strict = await run(['verify', '--strict'], { cwd: root })
    expect(strict.code, show(strict)).toBe(1)
    expect(strict.stdout).toContain('--strict')
  })

  it('after a data edit and after a code edit both tools say stale, and we name the file', async () => {
    const copy = await pyProject()
    writeFileSync(join(copy, 'data/data.csv'), `${read(copy, 'data/data.csv')}\n2024-02-01,1,0,0,100000`)
    const v = await run(['verify'], { cwd: copy })
    expect(v.code, show(v)).toBe(1)
    expect(v.stdout).toMatch(/modified DATA {8}data\/data\.csv {2}\(recorded [0-9a-f]{12}, now [0-9a-f]{12}; compared by sha256/)
    expect(Object.values(pyStates((await ok(py(['status'], { cwd: copy }))).stdout)).filter((x) => x.includes('Stale'))).toHaveLength(3)

    writeFileSync(join(root, 'models/sir.py'), `${read(root, 'models/sir.py')}\nEXTRA = 1\n`)
    const c = await run(['verify'], { cwd: root })
    expect(c.code, show(c)).toBe(1)
    expect(c.stdout).toMatch(/modified MODEL_CODE  models\/sir\.py/)
    expect(pyStates((await ok(py(['status'], { cwd: root }))).stdout).StochasticSIR).toContain('Stale')
  })
})

describe('no churn', () => {
  it('alternating registrations converge after one round; inherited outputs live in digests.json, so they never flip', async () => {
    const root = await tsProject()
    const outputsOf = (r: string) => (parse(r).models as Record<string, { outputs: string[] }>).sir_networksir!.outputs
    // Both tools write the class body's outputs to registry.yaml (none for NetworkSIR(StochasticSIR)) ...
    expect(outputsOf(registry(root))).toEqual([])
    await ok(py(['register-model', 'models/sir.py'], { cwd: root }))
    const afterPy = registry(root)
    await ok(run(['register-model', 'models/sir.py'], { cwd: root }))
    expect(registry(root)).toBe(afterPy)
    await ok(py(['register-model', 'models/sir.py'], { cwd: root }))
    expect(registry(root)).toBe(afterPy)
    // ... and ours still see the inherited ones, after Python's rewrites.
    const listed = JSON.parse((await ok(run(['list', '--json'], { cwd: root }))).stdout)
    expect(listed.models.sir_networksir.outputs).toEqual(['incidence', 'prevalence', 'sir'])
    const details = JSON.parse((await ok(run(['status', '--details', 'NetworkSIR', '--json'], { cwd: root }))).stdout)
    expect(details.outputs).toEqual(['incidence', 'prevalence', 'sir'])
    expect(JSON.parse(read(root, '.modelops-bundle/digests.json')).outputs).toEqual({ sir_networksir: { own: [], all: ['incidence', 'prevalence', 'sir'] } })
    await ok(py(['register-target', 'targets/epi.py'], { cwd: root }))
    const targets = registry(root)
    await ok(run(['register-target', 'targets/epi.py'], { cwd: root }))
    expect(registry(root)).toBe(targets)
  }, 600_000)
})

describe('no churn over several rounds (docs/interop.md, "Where the tools differ")', () => {
  const bothFresh = async (root: string, round: string) => {
    const v = await run(['verify'], { cwd: root })
    expect(v.code, `${round}\n${show(v)}`).toBe(0)
    const s = await ok(py(['status'], { cwd: root }))
    expect(Object.values(pyStates(s.stdout)).every((x) => x.includes('Ready')), `${round}\n${s.stdout}`).toBe(true)
    return s
  }

  it('TS, Python, TS, Python, TS, Python: after the first Python round the registry stops changing, both stay fresh', async () => {
    const root = await tsProject()
    const seen: unknown[] = []
    for (const [i, tool] of (['py', 'ts', 'py', 'ts', 'py'] as const).entries()) {
      const cmd = (args: string[]) => (tool === 'py' ? py(args, { cwd: root }) : run(args, { cwd: root }))
      await ok(cmd(['register-model', 'models/sir.py']))
      await ok(cmd(['register-target', 'targets/epi.py']))
      await bothFresh(root, `round ${i + 2} (${tool})`)
      seen.push(registry(root))
    }
    for (const [i, r] of seen.entries()) expect(r, `round ${i + 2}`).toBe(seen[0])
  }, 600_000)

  it('a src layout: Python cannot read our entrypoint without src/__init__.py; with it both write the same, and converge', async () => {
    const root = join(tempDir('mops-interop-src-'), 'srcproj')
    await ok(run(['init', root, '--registry-ref', 'localhost:5555/srcproj'], { cwd: tempDir() }))
    const files: Record<string, string> = {
      'pyproject.toml': '[project]\nname = "mypkg"\nversion = "0.1"\n',
      'src/mypkg/__init__.py': '',
      'src/mypkg/models/__init__.py': 'SCALE = 1\n',
      'src/mypkg/models/sir.py': 'import modelops_calabaria as cb\nfrom mypkg.models import SCALE\n\n\nclass SIR(cb.BaseModel):\n    @cb.model_output("inc")\n    def inc(self):\n        return SCALE\n',
    }
    writeFiles(root, files)
    const model = 'src/mypkg/models/sir.py'
    const entry = () => parse(registry(root)).models.sir_sir as { entrypoint: string; code: string[] }
    await ok(run(['register-model', model], { cwd: root }))
    expect(entry().entrypoint).toBe('mypkg.models.sir:SIR')
    // What Python cannot read: its preflight maps module paths to files from the project root only, and its own
    // register-model refuses the layout until src/ is a package.
    expect((await ok(py(['status'], { cwd: root }))).stdout).toContain("Module file not found for entrypoint 'mypkg.models.sir:SIR'")
    const refused = await py(['register-model', model], { cwd: root })
    expect(refused.code, show(refused)).toBe(1)
    expect(refused.stdout).toContain('Missing required __init__.py files')

    writeFileSync(join(root, 'src/__init__.py'), '')
    await ok(run(['register-model', model], { cwd: root }))
    expect(entry().entrypoint).toBe('src.mypkg.models.sir:SIR')
    // Python lists the package __init__.py files only of packages the model imports: src/ it is given with --code.
    const pyArgs = ['register-model', model, '--code', 'src/__init__.py']
    await ok(py(pyArgs, { cwd: root }))
    const afterPy = registry(root)
    expect(entry().entrypoint).toBe('src.mypkg.models.sir:SIR')
    for (const [i, tool] of (['ts', 'py', 'ts'] as const).entries()) {
      await ok(tool === 'py' ? py(pyArgs, { cwd: root }) : run(['register-model', model], { cwd: root }))
      expect(registry(root), `round ${i + 3} (${tool})`).toBe(afterPy)
      const s = await bothFresh(root, `round ${i + 3} (${tool})`)
      expect(s.stdout).not.toContain('Module file not found')
    }
  }, 600_000)

  it('a config.yaml without import settings (as Python init writes it): register-model says what to add', async () => {
    const root = await pyProject()
    const r = await ok(run(['register-model', 'models/sir.py'], { cwd: root }))
    expect(r.stderr).toContain('no code_roots and import_mode for the Python modelops-bundle, which then uses code_roots [src] and import_mode package')
    expect(r.stderr).toMatch(/auto_code:\n {4}code_roots: \['\.', 'src'\]\n {4}import_mode: files/)
    // init writes them, so a project made by mops-bundle init never sees this.
    const made = join(tempDir('mops-init-'), 'x')
    await ok(run(['init', made, '--registry-ref', 'localhost:5555/x'], { cwd: tempDir() }))
    expect(read(made, '.modelops-bundle/config.yaml')).toMatch(/^auto_code:\n {2}code_roots: \['\.', 'src'\]/m)
  }, 600_000)
})

describe('digests: sha256 where Python reads, semantic digests beside it', () => {
  it('a reformat-only edit is fresh for us ("reformatted, unchanged"), also after a Python load and save; stale for Python', async () => {
    const root = await tsProject()
    // A Python rewrite of registry.yaml (register-model) keeps what we need: digests.json is untouched.
    await ok(py(['register-model', 'models/sir.py'], { cwd: root }))
    const src = read(root, 'models/common.py')
    writeFileSync(join(root, 'models/common.py'), `# a comment only\n\n${src}\n\n# and another\n`)
    const s = await ok(run(['status'], { cwd: root }))
    expect(s.stdout).toMatch(/reformatted CODE_DEP {4}models\/common\.py {2}\(reformatted, unchanged/)
    expect(s.stdout).toContain('All 5 entries are fresh')
    await ok(run(['verify', '--strict'], { cwd: root }))
    expect(pyStates((await ok(py(['status'], { cwd: root }))).stdout).StochasticSIR).toContain('Stale')
  })

  it('without digests.json we fall back to sha256 and say so', async () => {
    const root = await tsProject()
    rmSync(join(root, '.modelops-bundle/digests.json'))
    writeFileSync(join(root, 'models/common.py'), `# a comment only\n${read(root, 'models/common.py')}`)
    const v = await run(['verify'], { cwd: root })
    expect(v.code, show(v)).toBe(1)
    expect(v.stdout).toMatch(/modified CODE_DEP {4}models\/common\.py .*compared by sha256: digests\.json has no digest of ours/)
  })
})
