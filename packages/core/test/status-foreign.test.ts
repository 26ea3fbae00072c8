// Registries written by the Python tool (`sha256:` in R2, bare hex in R1): status checks them with sha256,
// using the reference's own example registries with digests of files written here.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { computeDigests, computeStatus } from '../src/digest/compute.js'
import { formatStatus } from '../src/digest/explain.js'
import { strictProblems } from '../src/digest/status.js'
import { loadRegistry } from '../src/registry/registry.js'
import type { Project } from '../src/project/project.js'
import type { StatusReport } from '../src/digest/types.js'
import { makeProject, tempDir, write } from './digest-helpers.js'
import { Workspace } from '../src/workspace/workspace.js'

const VECTORS = join(import.meta.dirname, '../../../test/reference-vectors')
const sha256 = (root: string, rel: string) => createHash('sha256').update(readFileSync(join(root, rel))).digest('hex')
const changes = (s: StatusReport) =>
  Object.fromEntries([...s.models, ...s.targets].map((e) => [e.id, e.changes.map((c) => `${c.change} ${c.kind} ${c.path}`)]))

let root: string
let cleanup: () => void
let project: Project
beforeEach(() => {
  ;({ dir: root, cleanup } = tempDir('mops-foreign-'))
  project = makeProject(root)
})
afterEach(() => cleanup())

/** The reference registry with each recorded sha256 (spec §2.9 E7) replaced by that of our file at the same path. */
function pythonRegistry(file: string, files: Record<string, string>, replace: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) write(root, rel, content)
  let yaml = readFileSync(join(VECTORS, file), 'utf8')
  for (const [hex, rel] of Object.entries(replace)) {
    expect(yaml).toContain(hex)
    yaml = yaml.split(hex).join(sha256(root, rel))
  }
  writeFileSync(project.registryPath, yaml)
}

const status = async () => {
  const registry = loadRegistry(project)
  return computeStatus(registry, await computeDigests(Workspace.of(project, { cacheDir: false }), registry))
}

describe('R2 registry (sha256:)', () => {
  beforeEach(() =>
    pythonRegistry(
      'example-registry-head.yaml',
      {
        'models/model.py': 'class StochasticSIR:\n    pass\n',
        'data/data.csv': 'a,b\n1,2',
        'config.yaml': 'x: 1\n',
        'targets/incidence.py': 'def incidence_target():\n    pass\n',
      },
      {
        '448dc295027b384c26c37d7f417d4efe6db7bda5502b6a6d93a3df9870696e54': 'models/model.py',
        '4f964a58ca00bf043fd3077bf732986ecc9271d11705621eb6cc7adb914081f3': 'data/data.csv',
        '383f0070409f2f4a8e764c01069bf90d7f9fece26cf8ad25535067b060ebd458': 'config.yaml',
        'b5498113604b8d8d5baa808f0b0c84ea9b98e34041fafd9612f0f24b5a0800e9': 'targets/incidence.py',
      },
    ),
  )

  it('unchanged files are fresh; the target data the Python tool never digests is untracked (a note), not added', async () => {
    const s = await status()
    expect(s.models.map((m) => m.state)).toEqual(['fresh', 'fresh', 'fresh'])
    expect(changes(s).incidence_target).toEqual(['untracked TARGET_DATA data/data.csv'])
    expect(s.targets[0]!.changes[0]!.hint).toMatch(/run mops-bundle register-target <file> to record them/)
    expect(s.targets[0]!.state).toBe('fresh')
    expect(s.fresh).toBe(true)
    expect(strictProblems(s).map((c) => c.path)).toEqual(['data/data.csv'])
  })

  it('a changed file is modified, shown with sha256 on both sides', async () => {
    write(root, 'config.yaml', 'x: 2\n')
    write(root, 'models/model.py', '# comment only\nclass StochasticSIR:\n    pass\n')
    const s = await status()
    expect(changes(s).model_stochasticsir).toEqual(['modified DATA config.yaml', 'modified MODEL_CODE models/model.py'])
    const ch = s.models[0]!.changes[0]!
    expect(ch.recorded).toMatch(/^sha256:/)
    expect(ch.current).toBe(`sha256:${sha256(root, 'config.yaml')}`)
    const text = formatStatus(s)
    expect(text).toMatch(/modified DATA {8}config\.yaml {2}\(recorded [0-9a-f]{12}, now [0-9a-f]{12}; compared by sha256/)
    expect(ch.basis).toBe('sha256')
  })

  it('a recorded file that is gone is missing', async () => {
    const { rmSync } = await import('node:fs')
    rmSync(join(root, 'config.yaml'))
    expect(changes(await status()).model_networksir).toEqual(['missing DATA config.yaml'])
  })
})

describe('R1 registry (bare hex)', () => {
  beforeEach(() => {
    pythonRegistry(
      'example-registry-4c20e72.yaml',
      { 'src/model.py': 'class SIRModel:\n    pass\n', 'src/targets.py': 'def prevalence():\n    pass\n', 'data/data.csv': 'p\n1\n' },
      {},
    )
  })

  it('a token hash of a .py file is outdated (a note, not a change); data without a recorded digest is untracked', async () => {
    const s = await status()
    expect(changes(s).sirmodel).toEqual(['untracked DATA data/data.csv', 'outdated MODEL_CODE src/model.py'])
    expect(s.models[0]!.state).toBe('fresh')
    const code = s.models[0]!.changes.find((c) => c.kind === 'MODEL_CODE')!
    expect(code.hint).toBe('recorded by an older algorithm; re-register to upgrade (mops-bundle register-model <file>)')
    // R1's `observation` is loaded as target data.
    expect(changes(s).prevalence).toEqual(['outdated TARGET_CODE src/targets.py', 'untracked TARGET_DATA data/data.csv'])
    expect(s.targets[0]!.changes[0]!.hint).toMatch(/register-target/)
    const text = formatStatus(s)
    expect(text).toContain('outdated MODEL_CODE  src/model.py  (recorded by an older algorithm; re-register to upgrade)')
    expect(strictProblems(s)).toHaveLength(4)
  })

  it('a bare hex that is the sha256 of the file (R1 file_hash) is fresh; of a changed non-.py file it is modified', async () => {
    const reg = readFileSync(project.registryPath, 'utf8')
      .replace('9dc9a26bf9bf98ef4736960b63c696c9dc821904c26f9f43721ea8160d624547', sha256(root, 'src/model.py'))
      .replace('    code: []\n', `    code: []\n    data_digests:\n      data/data.csv: ${sha256(root, 'data/data.csv')}\n`)
    writeFileSync(project.registryPath, reg)
    expect((await status()).models[0]!.state).toBe('fresh')
    write(root, 'data/data.csv', 'p\n2\n')
    expect(changes(await status()).sirmodel).toEqual(['modified DATA data/data.csv'])
  })
})
