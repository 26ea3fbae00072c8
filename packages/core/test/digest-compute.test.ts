// computeDigests / computeStatus / digestFiles on real files in a temp project.
import { execFileSync } from 'node:child_process'
import { chmodSync, rmSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { computeDigests, computeStatus, digestFiles } from '../src/digest/compute.js'
import { hashBytes } from '../src/digest/bytes.js'
import { compositeDigest } from '../src/digest/composite.js'
import { environmentDigest } from '../src/digest/environment.js'
import { makeProject, model, registry, target, tempDir, write } from './digest-helpers.js'
import type { Project } from '../src/project/project.js'
import type { Registry } from '../src/registry/types.js'
import { Workspace } from '../src/workspace/workspace.js'

let root: string
let cleanup: () => void
let project: Project

beforeEach(() => {
  ;({ dir: root, cleanup } = tempDir())
  project = makeProject(root)
  write(root, 'models/sir.py', 'class SIR:\n    pass\n')
  write(root, 'models/seir.py', 'class SEIR:\n    pass\n')
  write(root, 'models/util.py', 'def f():\n    return 1\n')
  write(root, 'data/pop.csv', 'a,b\n1,2\n')
  write(root, 'data/contacts.csv', 'x\n9\n')
  write(root, 'targets/t.py', 'def t():\n    pass\n')
  write(root, 'data/obs.csv', 'o\n1\n')
})
afterEach(() => cleanup())

const reg = (): Registry =>
  registry(
    {
      sir: model('models/sir.py', { data: ['data/pop.csv'], code: ['models/util.py'] }),
      seir: model('models/seir.py', { data: ['data/pop.csv', 'data/contacts.csv'], code: ['models/util.py'] }),
    },
    { t: target('targets/t.py', { data: ['data/obs.csv'] }) },
  )

describe('computeDigests', () => {
  it('builds each composite from its components and the environment, and is deterministic', async () => {
    const r = await computeDigests(Workspace.of(project, { cacheDir: false }), reg())
    expect(r.environment.digest).toMatch(/^env1:[0-9a-f]{64}$/)
    expect(r.bundle_digest).toMatch(/^bundle1:[0-9a-f]{64}$/)
    const sir = r.models.sir!
    expect(sir.digest).toMatch(/^composite1:[0-9a-f]{64}$/)
    expect(sir.components.map((c) => [c.kind, c.path])).toEqual([
      ['CODE_DEP', 'models/util.py'],
      ['DATA', 'data/pop.csv'],
      ['MODEL_CODE', 'models/sir.py'],
    ])
    expect(sir.components.find((c) => c.path === 'data/pop.csv')!.digest).toBe(await hashBytes('a,b\n1,2\n'))
    // Recompute the composite from the documented definition.
    expect(sir.digest).toBe(await compositeDigest(sir.components, r.environment.digest))
    expect(r.targets.t!.components.map((c) => c.kind)).toEqual(['TARGET_CODE', 'TARGET_DATA'])
    const again = await computeDigests(Workspace.of(project, { cacheDir: false }), reg())
    expect(again.bundle_digest).toBe(r.bundle_digest)
    expect(again.models).toEqual(r.models)
  })

  it('hashes a file shared by several models once', async () => {
    const r = await computeDigests(Workspace.of(project, { cacheDir: false }), reg())
    // 7 distinct files; pop.csv and util.py are listed twice.
    expect(r.stats).toMatchObject({ files: 7, hashed: 7 })
  })

  it('a change to one input of one model changes that model (and the bundle) only', async () => {
    const before = await computeDigests(Workspace.of(project, { cacheDir: false }), reg())
    const cases: [string, string, string[]][] = [
      ['data/contacts.csv', 'x\n10\n', ['seir']],
      ['models/sir.py', 'class SIR:\n    x = 1\n', ['sir']],
      ['data/pop.csv', 'a,b\n1,3\n', ['sir', 'seir']],
      ['data/obs.csv', 'o\n2\n', ['t']],
    ]
    for (const [file, content, changed] of cases) {
      write(root, file, content)
      const after = await computeDigests(Workspace.of(project, { cacheDir: false }), reg())
      for (const id of ['sir', 'seir']) expect(after.models[id]!.digest !== before.models[id]!.digest, `${file} → ${id}`).toBe(changed.includes(id))
      expect(after.targets.t!.digest !== before.targets.t!.digest, `${file} → t`).toBe(changed.includes('t'))
      expect(after.bundle_digest).not.toBe(before.bundle_digest)
      before.models = after.models
      before.targets = after.targets
      before.bundle_digest = after.bundle_digest
    }
  })

  it('listing a new dependency changes only that model', async () => {
    const before = await computeDigests(Workspace.of(project, { cacheDir: false }), reg())
    const r = reg()
    r.models.sir!.data.push('data/contacts.csv')
    const after = await computeDigests(Workspace.of(project, { cacheDir: false }), r)
    expect(after.models.sir!.digest).not.toBe(before.models.sir!.digest)
    expect(after.models.seir!.digest).toBe(before.models.seir!.digest)
  })

  it('the environment feeds every composite', async () => {
    const a = await computeDigests(Workspace.of(project, { cacheDir: false }), reg())
    const b = await computeDigests(Workspace.of(project, { cacheDir: false }), reg(), { environment: { thread_count: 4 } })
    expect(b.environment.digest).toBe(await environmentDigest({ ...a.environment, thread_count: 4 }))
    for (const id of ['sir', 'seir']) expect(b.models[id]!.digest).not.toBe(a.models[id]!.digest)
  })

  it('a missing file is the component digest "absent" and listed in missing, without throwing', async () => {
    rmSync(`${root}/data/contacts.csv`)
    const r = await computeDigests(Workspace.of(project, { cacheDir: false }), reg())
    expect(r.models.seir!.missing).toEqual(['data/contacts.csv'])
    expect(r.models.seir!.components.find((c) => c.path === 'data/contacts.csv')!.digest).toBe('absent')
    expect(r.models.sir!.missing).toEqual([])
  })

  it('refuses a registry path that is not project-relative', async () => {
    const r = reg()
    r.models.sir!.data.push('../outside.csv')
    await expect(computeDigests(Workspace.of(project, { cacheDir: false }), r)).rejects.toMatchObject({ name: 'ModelopsError', code: 'PATH_INVALID', file: '.modelops-bundle/registry.yaml', message: expect.stringContaining('model sir') })
  })

  it('hashes a directory dependency as tree1', async () => {
    const r = reg()
    r.models.sir!.data = ['data']
    const a = await computeDigests(Workspace.of(project, { cacheDir: false }), r)
    const d = a.models.sir!.components.find((c) => c.path === 'data')!.digest
    expect(d).toMatch(/^tree1:[0-9a-f]{64}$/)
    write(root, 'data/new.csv', 'n\n')
    const b = await computeDigests(Workspace.of(project, { cacheDir: false }), r)
    expect(b.models.sir!.components.find((c) => c.path === 'data')!.digest).not.toBe(d)
  })

  it.skipIf(process.getuid?.() === 0)('an unreadable file is absent with a warning naming it', async () => {
    chmodSync(`${root}/data/pop.csv`, 0o000)
    const r = await computeDigests(Workspace.of(project, { cacheDir: false }), reg())
    expect(r.models.sir!.missing).toEqual(['data/pop.csv'])
    expect(r.warnings.map((w) => w.file)).toContain('data/pop.csv')
  })

  it('a FIFO listed as data is never opened: absent plus a warning', async () => {
    execFileSync('mkfifo', [`${root}/data/pipe`])
    const r = reg()
    r.models.sir!.data.push('data/pipe')
    const d = await computeDigests(Workspace.of(project, { cacheDir: false }), r)
    expect(d.models.sir!.missing).toEqual(['data/pipe'])
    expect(d.warnings).toEqual([expect.objectContaining({ code: 'NOT_A_FILE', file: 'data/pipe' })])
  })
})

describe('Python code files', () => {
  it('are hashed semantically, alone or many at once (parser pool), with project-relative warnings', async () => {
    const code: string[] = []
    for (let i = 0; i < 9; i++) {
      write(root, `pkg/m${i}.py`, `def f${i}(x):\n    return x + ${i}\n`)
      code.push(`pkg/m${i}.py`)
    }
    write(root, 'pkg/broken.py', 'def f(:\n')
    code.push('pkg/broken.py')
    const r = registry({ m: model('models/sir.py', { code }) })
    const many = await computeDigests(Workspace.of(project, { cacheDir: false }), r)
    const one = await computeDigests(Workspace.of(project, { cacheDir: false }), r, { concurrency: 1 })
    expect(many.models).toEqual(one.models)
    const byPath = Object.fromEntries(many.models.m!.components.map((c) => [c.path, c.digest]))
    expect(byPath['pkg/m0.py']).toMatch(/^pysem1:/)
    expect(byPath['pkg/broken.py']).toMatch(/^blake2b256:/)
    for (const rep of [many, one]) {
      const w = rep.warnings.find((x) => x.file === 'pkg/broken.py')
      expect(w).toMatchObject({ file: 'pkg/broken.py', line: 1 })
      expect(w?.message).not.toContain(root)
    }
    // A comment-only change keeps the semantic digest (and so the model digest).
    write(root, 'pkg/m0.py', '# note\ndef f0(x):\n    return x + 0  # same\n')
    expect((await computeDigests(Workspace.of(project, { cacheDir: false }), r)).models.m!.digest).toBe(many.models.m!.digest)
  })
})

describe('computeStatus', () => {
  it('is fresh after recording digestFiles, then explains added/removed/modified/missing', async () => {
    const r = reg()
    for (const m of Object.values(r.models)) {
      const d = await digestFiles(project, { code: [m.path, ...m.code], data: m.data }, { cacheDir: false })
      m.model_digest = d[m.path]!
      m.data_digests = Object.fromEntries(m.data.map((p) => [p, d[p]!]))
      m.code_digests = Object.fromEntries(m.code.map((p) => [p, d[p]!]))
    }
    const t = r.targets.t!
    const td = await digestFiles(project, { code: [t.path], data: t.data }, { cacheDir: false })
    t.target_digest = td[t.path]!
    t.data_digests = { 'data/obs.csv': td['data/obs.csv']! }

    let s = computeStatus(r, await computeDigests(Workspace.of(project, { cacheDir: false }), r))
    expect(s.fresh).toBe(true)
    expect(s.models.map((m) => m.state)).toEqual(['fresh', 'fresh'])

    write(root, 'data/pop.csv', 'changed\n')
    rmSync(`${root}/models/util.py`)
    r.models.sir!.data.push('data/contacts.csv')
    r.models.seir!.data = ['data/pop.csv']
    write(root, 'data/obs.csv', 'o\n5\n')
    s = computeStatus(r, await computeDigests(Workspace.of(project, { cacheDir: false }), r))
    expect(s.fresh).toBe(false)
    const byId = Object.fromEntries([...s.models, ...s.targets].map((e) => [e.id, e.changes.map((c) => `${c.change} ${c.kind} ${c.path}`)]))
    expect(byId.sir).toEqual(['missing CODE_DEP models/util.py', 'added DATA data/contacts.csv', 'modified DATA data/pop.csv'])
    expect(byId.seir).toEqual(['missing CODE_DEP models/util.py', 'removed DATA data/contacts.csv', 'modified DATA data/pop.csv'])
    expect(byId.t).toEqual(['modified TARGET_DATA data/obs.csv'])
    const mod = s.targets[0]!.changes[0]!
    expect(mod.recorded).toMatch(/^blake2b256:/)
    expect(mod.current).toMatch(/^blake2b256:/)
    expect(mod.current).not.toBe(mod.recorded)
  })

  it('reports a model never hashed (model_digest null) as added', async () => {
    const s = computeStatus(reg(), await computeDigests(Workspace.of(project, { cacheDir: false }), reg()))
    expect(s.models[0]!.changes.some((c) => c.kind === 'MODEL_CODE' && c.change === 'added')).toBe(true)
    expect(s.fresh).toBe(false)
  })
})

describe('digestFiles', () => {
  it('maps each existing path to its digest and leaves missing ones out', async () => {
    const d = await digestFiles(project, { code: ['models/sir.py', 'models/gone.py'], data: ['data/pop.csv', 'data'] }, { cacheDir: false })
    expect(Object.keys(d).sort()).toEqual(['data', 'data/pop.csv', 'models/sir.py'])
    expect(d['data/pop.csv']).toBe(await hashBytes('a,b\n1,2\n'))
    expect(d.data).toMatch(/^tree1:/)
    expect(d['models/sir.py']).toMatch(/^(pysem1|blake2b256):/)
  })
})
