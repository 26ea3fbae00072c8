// The full sample flow of issue 4, every step a real child process on a real temp project.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run, sampleProject, show, spawnCollect } from './helpers.js'

describe('sample flow', { timeout: 240_000 }, () => {
  it('sample-create → register → list → status fresh → comment edit fresh → data edit stale → verify 1 → re-register → verify 0', async () => {
    const root = await sampleProject()
    const at = { cwd: root }

    const models = await run(['register-model', 'models/sir.py'], at)
    expect(models.code, show(models)).toBe(0)
    const modelLines = models.stdout.trim().split('\n')
    expect(modelLines).toEqual([
      expect.stringMatching(/^\+ sir_deterministicsir\s+entry=models\.sir:DeterministicSIR$/),
      expect.stringMatching(/^\+ sir_networksir\s+entry=models\.sir:NetworkSIR$/),
      expect.stringMatching(/^\+ sir_stochasticsir\s+entry=models\.sir:StochasticSIR$/),
      '✓ Models updated: +3 ~0 -0',
    ])

    const targets = await run(['register-target', 'targets/epi.py'], at)
    expect(targets.code, show(targets)).toBe(0)
    expect(targets.stdout).toMatch(/^\+ incidence_target\s+entry=targets\.epi:incidence_target$/m)
    expect(targets.stdout).toMatch(/^\+ prevalence_survey\s+entry=targets\.epi:prevalence_target$/m)
    expect(targets.stdout).toContain('✓ Targets updated: +2 ~0 -0')

    // The registry: outputs discovered (NetworkSIR inherits them), the helper module and the stand-in as code.
    const list = await run(['list', '--json'], at)
    expect(list.code, show(list)).toBe(0)
    const reg = JSON.parse(list.stdout)
    expect(Object.keys(reg.models).sort()).toEqual(['sir_deterministicsir', 'sir_networksir', 'sir_stochasticsir'])
    const net = reg.models.sir_networksir
    expect(net).toMatchObject({ entrypoint: 'models.sir:NetworkSIR', path: 'models/sir.py', class_name: 'NetworkSIR' })
    expect([...net.outputs].sort()).toEqual(['incidence', 'prevalence', 'sir'])
    expect(net.code).toContain('models/common.py')
    expect(net.code).toContain('standin/modelops_calabaria/__init__.py')
    expect(net.code).not.toContain('models/sir.py')
    expect(net.model_digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(Object.keys(net.code_digests).sort()).toEqual([...net.code].sort())
    expect(reg.targets.incidence_target).toMatchObject({ path: 'targets/epi.py', entrypoint: 'targets.epi:incidence_target', model_output: 'incidence', data: ['data/data.csv'] })
    expect(reg.targets.incidence_target.data_digests['data/data.csv']).toMatch(/^[a-z0-9]+:[0-9a-f]{64}$/)

    const table = await run(['list'], at)
    expect(table.code).toBe(0)
    expect(table.stdout).toContain('Registered models (3)')
    expect(table.stdout).toMatch(/sir_networksir\s+models\.sir:NetworkSIR\s+incidence, prevalence, sir/)
    expect(table.stdout).toContain('Registered targets (2)')
    const alias = await run(['show-registry'], at)
    expect(alias.stdout).toBe(table.stdout)

    const fresh = await run(['status'], at)
    expect(fresh.code, show(fresh)).toBe(0)
    expect(fresh.stdout).toContain('All 5 entries are fresh')
    expect((await run(['verify'], at)).code).toBe(0)

    // A comment and a blank line change nothing that matters, not even the composite digests.
    const digestsOf = (stdout: string) => JSON.parse(stdout).models.map((m: { id: string; digest: string }) => `${m.id}=${m.digest}`)
    const beforeComment = digestsOf((await run(['status', '--json'], at)).stdout)
    expect(beforeComment[0]).toMatch(/=composite1:[0-9a-f]{64}$/)
    appendFileSync(join(root, 'models/sir.py'), '\n# a note for readers\n\n')
    const comment = await run(['status', '--json'], at)
    expect(comment.code, show(comment)).toBe(0)
    expect(JSON.parse(comment.stdout).fresh).toBe(true)
    expect(digestsOf(comment.stdout)).toEqual(beforeComment)

    // A data value does.
    const csv = join(root, 'data/data.csv')
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('2024-01-03,22,', '2024-01-03,23,'))
    const stale = await run(['status'], at)
    expect(stale.code, show(stale)).toBe(0)
    expect(stale.stdout).toMatch(/⚠ incidence_target\s+stale/)
    expect(stale.stdout).toMatch(/modified\s+TARGET_DATA\s+data\/data\.csv/)
    expect(stale.stdout).toContain('mops-bundle register-target targets/epi.py')
    const staleJson = JSON.parse((await run(['status', '--json'], at)).stdout)
    expect(staleJson.fresh).toBe(false)
    const inc = staleJson.targets.find((t: { id: string }) => t.id === 'incidence_target')
    expect(inc.state).toBe('stale')
    expect(inc.changes).toEqual([expect.objectContaining({ path: 'data/data.csv', change: 'modified' })])

    const verify = await run(['verify'], at)
    expect(verify.code, show(verify)).toBe(1)
    expect(verify.stdout).toContain('data/data.csv')
    expect(verify.stdout).toContain('mops-bundle register-target targets/epi.py')

    const again = await run(['register-target', 'targets/epi.py'], at)
    expect(again.code, show(again)).toBe(0)
    expect(again.stdout).toMatch(/^~ incidence_target\s+data ~data\/data\.csv$/m)
    expect(again.stdout).toContain('✓ Targets updated: +0 ~1 -0')
    const ok = await run(['verify'], at)
    expect(ok.code, show(ok)).toBe(0)
    expect(ok.stdout).toContain('Registry verified: 5 entries fresh')

    // The registry stays loadable by the Python tool (PyYAML safe_load), with the R2 keys.
    const py = await spawnCollect('python3', ['-c', 'import yaml,json,sys; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', '.modelops-bundle/registry.yaml'], at)
    expect(py.code, show(py)).toBe(0)
    const loaded = JSON.parse(py.stdout)
    expect(loaded.version).toBe('1.0')
    expect(Object.keys(loaded.models.sir_stochasticsir)).toEqual(
      expect.arrayContaining(['entrypoint', 'path', 'class_name', 'scenarios', 'parameters', 'outputs', 'data', 'data_digests', 'code', 'code_digests', 'model_digest']),
    )
  })

  it('a model change is an update with the digest hex (not the prefix) before and after', async () => {
    const root = await sampleProject()
    const at = { cwd: root }
    expect((await run(['register-model', 'models/sir.py'], at)).code).toBe(0)
    const before = JSON.parse((await run(['list', '--json'], at)).stdout).models.sir_stochasticsir.model_digest as string
    const file = join(root, 'models/sir.py')
    writeFileSync(file, readFileSync(file, 'utf8').replace('BASELINE = {"beta": 0.5, "gamma": 0.1}', 'BASELINE = {"beta": 0.6, "gamma": 0.1}'))
    const r = await run(['register-model', 'models/sir.py'], at)
    expect(r.code, show(r)).toBe(0)
    const after = JSON.parse((await run(['list', '--json'], at)).stdout).models.sir_stochasticsir.model_digest as string
    const hex = (d: string) => d.slice(d.indexOf(':') + 1, d.indexOf(':') + 13)
    expect(r.stdout).toContain(`~ sir_stochasticsir    digest ${hex(before)} → ${hex(after)}`)
    expect(r.stdout).toContain('✓ Models updated: +0 ~3 -0')
  })

  it('works from a subdirectory: paths relative to the cwd, stored relative to the root', async () => {
    const root = await sampleProject()
    const sub = { cwd: join(root, 'models') }
    const r = await run(['register-model', 'sir.py', '--class', 'DeterministicSIR', '--data', '../data/data.csv'], sub)
    expect(r.code, show(r)).toBe(0)
    const reg = JSON.parse((await run(['list', '--json'], sub)).stdout)
    expect(reg.models.sir_deterministicsir).toMatchObject({ path: 'models/sir.py', entrypoint: 'models.sir:DeterministicSIR', data: ['data/data.csv'] })
    expect(Object.keys(reg.models)).toEqual(['sir_deterministicsir'])
    const t = await run(['register-target', '../targets/epi.py'], { cwd: join(root, 'data') })
    expect(t.code, show(t)).toBe(0)
    expect((await run(['verify'], sub)).code).toBe(0)
  })

  it('a change in an imported helper or in the calabaria stand-in makes every model stale, naming the file', async () => {
    const root = await sampleProject()
    const at = { cwd: root }
    expect((await run(['register-model', 'models/sir.py'], at)).code).toBe(0)
    for (const [file, edit] of [
      ['models/common.py', (s: string) => s.replace('if mean < 30.0:', 'if mean < 40.0:')],
      ['standin/modelops_calabaria/__init__.py', (s: string) => s.replace('__version__ = "0.0.0+standin"', '__version__ = "0.0.1+standin"')],
    ] as const) {
      const abs = join(root, file)
      const before = readFileSync(abs, 'utf8')
      writeFileSync(abs, edit(before))
      expect(readFileSync(abs, 'utf8')).not.toBe(before)
      const r = await run(['status', '--json'], at)
      expect(r.code, show(r)).toBe(0)
      const status = JSON.parse(r.stdout)
      expect(status.models.map((m: { state: string }) => m.state)).toEqual(['stale', 'stale', 'stale'])
      for (const m of status.models) expect(m.changes).toEqual([expect.objectContaining({ kind: 'CODE_DEP', path: file, change: 'modified' })])
      const v = await run(['verify'], at)
      expect(v.code, show(v)).toBe(1)
      expect(v.stdout).toContain(file)
      writeFileSync(abs, before)
      expect((await run(['verify'], at)).code).toBe(0)
    }
  })
})
