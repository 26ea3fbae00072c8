// sample-create writes a project whose models really simulate with the stdlib (the generator contract).
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run, sampleProject, show, spawnCollect, tempDir } from './helpers.js'

const sha256 = (file: string) => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`

/** What the build plugin does: config.yaml's generator command, cwd = root, MODELOPS_* in the environment. */
function generatorCommand(root: string): string[] {
  const text = readFileSync(join(root, '.modelops-bundle/config.yaml'), 'utf8')
  const m = /command:\s*(\[.*\])/.exec(text)
  if (!m) throw new Error('no generator command in config.yaml')
  return JSON.parse(m[1]!) as string[]
}

async function generate(root: string, entrypoint: string, outDir: string, extraArgs: string[] = []) {
  const [cmd, ...args] = generatorCommand(root)
  return spawnCollect(cmd!, [...args, ...extraArgs], {
    cwd: root,
    env: { MODELOPS_MODEL_ID: 'sir_x', MODELOPS_ENTRYPOINT: entrypoint, MODELOPS_MODEL_DIGEST: 'composite1:' + 'ab'.repeat(32), MODELOPS_OUT_DIR: outDir },
  })
}

describe('sample-create', { timeout: 240_000 }, () => {
  it('writes the sample files, with the reference data/data.csv byte for byte', async () => {
    const root = await sampleProject()
    const files = readdirSync(root, { recursive: true }).map(String).sort()
    for (const f of ['models/sir.py', 'models/__init__.py', 'targets/epi.py', 'targets/__init__.py', 'data/data.csv', 'data/prevalence.csv', 'config.yaml', 'pyproject.toml', '.modelops-bundle/registry.yaml', '.modelops-bundle/config.yaml', 'modelops_runner/__main__.py', 'standin/modelops_calabaria/__init__.py']) {
      expect(files).toContain(f)
    }
    // Reference vector E7: 446 bytes, no trailing newline.
    expect(sha256(join(root, 'data/data.csv'))).toBe('sha256:4f964a58ca00bf043fd3077bf732986ecc9271d11705621eb6cc7adb914081f3')
    expect(readFileSync(join(root, 'pyproject.toml'), 'utf8')).toContain('name = "proj"')
    expect(generatorCommand(root)).toEqual(['python3', '-m', 'modelops_runner'])
  })

  it('takes --name and --json', async () => {
    const dir = join(tempDir(), 'p2')
    const r = await run(['sample-create', dir, '--name', 'my-epi', '--json'], { cwd: tempDir() })
    expect(r.code, show(r)).toBe(0)
    const out = JSON.parse(r.stdout) as { root: string; files: string[] }
    expect(out.root).toBe(dir)
    expect(out.files).toContain('models/sir.py')
    expect(readFileSync(join(dir, 'pyproject.toml'), 'utf8')).toContain('name = "my-epi"')
  })

  it('refuses a folder that is not empty, and writes nothing', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'keep.txt'), 'mine')
    const r = await run(['sample-create', dir], { cwd: dir })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toContain('not empty')
    expect(readdirSync(dir)).toEqual(['keep.txt'])
  })

  it("runs each model through config.yaml's generator command and writes its outputs, deterministically", async () => {
    const root = await sampleProject()
    const out = tempDir('mops-gen-')
    for (const cls of ['StochasticSIR', 'DeterministicSIR', 'NetworkSIR']) {
      const dir = join(out, cls)
      const r = await generate(root, `models.sir:${cls}`, dir)
      expect(r.code, show(r)).toBe(0)
      expect(readdirSync(dir).sort()).toEqual(['incidence.json', 'prevalence.json', 'sir.json'])
      const inc = JSON.parse(readFileSync(join(dir, 'incidence.json'), 'utf8'))
      expect(inc).not.toHaveProperty('model_id')
      expect(inc).toMatchObject({ output: 'incidence', entrypoint: `models.sir:${cls}`, seed: 42, columns: ['day', 'date', 'cases'] })
      expect(inc.rows).toHaveLength(200)
      expect(inc.rows[0]).toMatchObject({ day: 0, date: '2024-01-01' })
      // An epidemic happens: incidence rises well above its start, then falls.
      const cases = inc.rows.map((r: { cases: number }) => r.cases)
      const peak = Math.max(...cases)
      expect(peak).toBeGreaterThan(1000)
      expect(cases.at(-1)).toBeLessThan(peak / 10)
      const prev = JSON.parse(readFileSync(join(dir, 'prevalence.json'), 'utf8'))
      for (const row of prev.rows) expect(row.prevalence).toBeGreaterThanOrEqual(0), expect(row.prevalence).toBeLessThanOrEqual(1)
    }
    // Same seed, same bytes; another seed changes the stochastic model.
    const again = join(out, 'again')
    expect((await generate(root, 'models.sir:StochasticSIR', again)).code).toBe(0)
    expect(readFileSync(join(again, 'incidence.json'), 'utf8')).toBe(readFileSync(join(out, 'StochasticSIR/incidence.json'), 'utf8'))
    const seeded = join(out, 'seeded')
    expect((await generate(root, 'models.sir:StochasticSIR', seeded, ['--seed', '7'])).code).toBe(0)
    expect(readFileSync(join(seeded, 'incidence.json'), 'utf8')).not.toBe(readFileSync(join(out, 'StochasticSIR/incidence.json'), 'utf8'))
    // A hidden input would defeat the build cache: the environment does not change the run, arguments do.
    const env = join(out, 'env')
    const r = await spawnCollect('python3', ['-m', 'modelops_runner'], {
      cwd: root,
      env: { MODELOPS_ENTRYPOINT: 'models.sir:DeterministicSIR', MODELOPS_OUT_DIR: env, MODELOPS_SEED: '7', MODELOPS_PARAMS: '{"beta": 0.9}' },
    })
    expect(r.code, show(r)).toBe(0)
    expect(JSON.parse(readFileSync(join(env, 'incidence.json'), 'utf8')).params).toEqual({ beta: 0.5, gamma: 0.1 })
    const params = join(out, 'params')
    expect((await generate(root, 'models.sir:DeterministicSIR', params, ['--params', '{"beta": 0.9}'])).code).toBe(0)
    expect(JSON.parse(readFileSync(join(params, 'incidence.json'), 'utf8')).params).toEqual({ beta: 0.9, gamma: 0.1 })
    // Running leaves no __pycache__ in the project (outputs depend on sources only).
    expect(readdirSync(root, { recursive: true }).map(String).filter((f) => f.includes('__pycache__'))).toEqual([])
  })

  it('the generator fails clearly without an entrypoint or with an unknown class', async () => {
    const root = await sampleProject()
    const out = tempDir('mops-gen-')
    const none = await generate(root, '', out)
    expect(none.code).not.toBe(0)
    expect(none.stderr).toContain('MODELOPS_ENTRYPOINT')
    const bad = await generate(root, 'models.sir:NoSuchModel', out)
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('no class NoSuchModel')
  })

  it('observations line up with outputs: targets read data/*.csv with the same date and value columns', async () => {
    const root = await sampleProject()
    const script = `
import json, sys
sys.path.append("standin")
import targets.epi as t
print(json.dumps({"inc": t.incidence_target(), "prev": t.prevalence_target(), "meta": t.prevalence_target._target_metadata}))
`
    const r = await spawnCollect('python3', ['-c', script], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    const got = JSON.parse(r.stdout)
    expect(got.inc.observed).toHaveLength(15)
    expect(got.inc.observed[0]).toEqual({ date: '2024-01-01', cases: 10 })
    expect(got.prev).toMatchObject({ x: 'date', y: 'prevalence' })
    expect(got.meta).toEqual({ name: 'prevalence_survey', model_output: 'prevalence', data: { observed: 'data/prevalence.csv' } })
  })
})
