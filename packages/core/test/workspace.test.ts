// Workspace: where the cache lives for a build and for the CLI, and the output tiers' flow in resolveOutputs
// (local hit -> remote, verified and committed locally -> generate -> push).
import { execFileSync } from 'node:child_process'
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { afterAll, describe, expect, it } from 'vitest'
import type { EntrySource, RemoteEntry, RemoteTier } from '../src/cache/types.js'
import { computeDigests } from '../src/digest/compute.js'
import type { DigestReport } from '../src/digest/types.js'
import { resolveOutputs } from '../src/generate/outputs.js'
import { Workspace } from '../src/workspace/workspace.js'

const tmp = realpathSync(mkdtempSync(path.join(tmpdir(), 'mops-ws-')))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** A Python project: `.modelops-bundle/` with a one-model registry, a model file and a data file; no node_modules. */
function pythonProject(name: string): string {
  const root = path.join(tmp, name)
  mkdirSync(path.join(root, '.modelops-bundle'), { recursive: true })
  mkdirSync(path.join(root, 'models'))
  writeFileSync(path.join(root, 'models/sir.py'), 'class SIR:\n    pass\n')
  writeFileSync(path.join(root, 'data.csv'), 'a,b\n1,2\n')
  writeFileSync(path.join(root, '.modelops-bundle/registry.yaml'), 'version: "1.0"\nmodels:\n  sir:\n    entrypoint: models.sir:SIR\n    path: models/sir.py\n    class_name: SIR\n    data: [data.csv]\ntargets: {}\n')
  return root
}

/** Every path under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort()
}

describe('where the cache lives', () => {
  it('CLI in a repository without node_modules: a self-ignoring .modelops-bundle/cache/, and never a node_modules folder', async () => {
    const root = pythonProject('py')
    execFileSync('git', ['init', '-q', root])
    const ws = Workspace.open(path.join(root, 'models'), { mode: 'cli' })
    expect(ws.root).toBe(root)
    expect(ws.cacheDir).toBe(path.join(root, '.modelops-bundle/cache'))
    const report = await computeDigests(ws)
    expect(Object.keys(report.models)).toEqual(['sir'])
    expect(existsSync(path.join(root, 'node_modules'))).toBe(false)
    expect(readFileSync(path.join(ws.cacheDir!, '.gitignore'), 'utf8')).toMatch(/^\*$/m)
    expect(tree(ws.cacheDir!)).toEqual(expect.arrayContaining(['.gitignore', 'CACHEDIR.TAG', 'parse-registry.json']))
    // git sees the project's files, none of the cache (the repository has no .gitignore of its own).
    const untracked = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root, encoding: 'utf8' })
    expect(untracked.split('\n').filter(Boolean).sort()).toEqual(['?? .modelops-bundle/registry.yaml', '?? data.csv', '?? models/sir.py'])
    // Opening again keeps what is there (the .gitignore is written once).
    writeFileSync(path.join(ws.cacheDir!, '.gitignore'), '*\n# edited\n')
    Workspace.open(root)
    expect(readFileSync(path.join(ws.cacheDir!, '.gitignore'), 'utf8')).toBe('*\n# edited\n')
  })

  it('CLI in a repository with node_modules: node_modules/.cache/modelops-bundle, no .modelops-bundle/cache/', async () => {
    const root = pythonProject('js')
    mkdirSync(path.join(root, 'node_modules'))
    const ws = Workspace.open(root)
    expect(ws.cacheDir).toBe(path.join(root, 'node_modules/.cache/modelops-bundle'))
    await computeDigests(ws)
    expect(tree(ws.cacheDir!)).toEqual(expect.arrayContaining(['parse-registry.json']))
    expect(existsSync(path.join(root, '.modelops-bundle/cache'))).toBe(false)
    expect(ws.outputs.local.dir).toBe(path.join(ws.cacheDir!, 'outputs-v1'))
  })

  it('a build: the bundler root\'s node_modules/.cache/modelops-bundle, nothing written into the Python project', async () => {
    const root = pythonProject('built')
    const app = path.join(tmp, 'app')
    mkdirSync(app)
    const ws = Workspace.open(root, { mode: 'build', bundlerRoot: app })
    expect(ws.cacheDir).toBe(path.join(app, 'node_modules/.cache/modelops-bundle'))
    await computeDigests(ws)
    expect(tree(ws.cacheDir!)).toEqual(expect.arrayContaining(['parse-registry.json']))
    expect(tree(root)).toEqual(['.modelops-bundle', '.modelops-bundle/registry.yaml', 'data.csv', 'models', 'models/sir.py'])
  })

  it('an explicit cacheDir is taken from the project root; false writes nothing and has no output store', async () => {
    const root = pythonProject('explicit')
    const ws = Workspace.open(root, { mode: 'build', cacheDir: 'build/cache' })
    expect(ws.cacheDir).toBe(path.join(root, 'build/cache'))
    const none = Workspace.open(path.join(root, 'models'), { cacheDir: false })
    expect(none.cacheDir).toBeUndefined()
    await computeDigests(none)
    expect(tree(root)).toEqual(['.modelops-bundle', '.modelops-bundle/registry.yaml', 'data.csv', 'models', 'models/sir.py'])
    expect(() => none.outputs).toThrow(/cacheDir: false/)
  })

  it('the registry option names another registry file', () => {
    const root = pythonProject('other-registry')
    writeFileSync(path.join(root, 'only.yaml'), 'version: "1.0"\nmodels: {}\ntargets: {}\n')
    expect(Object.keys(Workspace.open(root, { cacheDir: false }).registry().models)).toEqual(['sir'])
    expect(Object.keys(Workspace.open(root, { cacheDir: false, registry: 'only.yaml' }).registry().models)).toEqual([])
  })
})

/**
 * A second tier kept in a folder (what a shared drive would be): one `<key>/index.json` and the files. Not the OCI
 * registry (step 2 tests that against a real one); it exercises the tier contract and resolveOutputs' flow.
 */
class FolderTier implements RemoteTier {
  readonly name: string
  uploads = 0
  fetches = 0
  constructor(readonly dir: string, readonly push = true, private readonly broken?: string) {
    this.name = `folder:${path.basename(dir)}`
  }
  async has(key: string): Promise<boolean> {
    return existsSync(path.join(this.dir, key, 'index.json'))
  }
  async fetch(key: string): Promise<RemoteEntry | undefined> {
    this.fetches++
    if (this.broken) throw new Error(this.broken)
    const index = path.join(this.dir, key, 'index.json')
    if (!existsSync(index)) return undefined
    const { meta, files, bytes } = JSON.parse(await readFile(index, 'utf8'))
    return { key, meta, files, bytes, open: async (rel) => createReadStream(path.join(this.dir, key, 'files', rel)) }
  }
  async upload(entry: EntrySource): Promise<void> {
    if (this.broken) throw new Error(this.broken)
    this.uploads++
    for (const f of entry.files) {
      const dest = path.join(this.dir, entry.key, 'files', f.path)
      await mkdir(path.dirname(dest), { recursive: true })
      await pipeline(await entry.open(f.path), createWriteStream(dest))
    }
    await writeFile(path.join(this.dir, entry.key, 'index.json'), JSON.stringify({ meta: entry.meta, files: entry.files, bytes: entry.bytes }))
  }
}

function report(digests: Record<string, string>): DigestReport {
  const models: DigestReport['models'] = {}
  for (const [id, d] of Object.entries(digests)) {
    models[id] = { digest: `composite1:${d.repeat(64)}`, entrypoint: `models.m:${id}`, path: 'models/m.py', class_name: id, outputs: ['o'], components: [], missing: [] }
  }
  return { bundle_digest: 'bundle1:x', environment: { digest: 'env1:x', python_version: '3', platform: 'p', dependencies: {}, container_image: null, cuda_version: null, rng_algorithm: 'r', thread_count: 1 }, models, targets: {}, warnings: [] }
}

describe('output tiers in resolveOutputs', () => {
  const project = pythonProject('tiers')
  const log = path.join(tmp, 'tiers.log')
  const gen = { command: `echo "$MODELOPS_MODEL_ID" >> ${JSON.stringify(log)}; mkdir -p "$MODELOPS_OUT_DIR/sub"; printf "%s" "$MODELOPS_MODEL_DIGEST" > "$MODELOPS_OUT_DIR/sub/out.txt"` }
  const runs = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0)
  /** One machine: its own local cache folder, the shared tier. */
  const machine = (name: string, remote: RemoteTier, warnings: string[] = []) =>
    Workspace.open(project, { cacheDir: path.join(tmp, `cache-${name}`), remote, onWarning: (m) => warnings.push(m) })

  it('machine A generates and pushes; machine B pulls (0 generated, same bytes); B\'s next build is a local hit', async () => {
    const shared = new FolderTier(path.join(tmp, 'shared'))
    const a = await resolveOutputs(machine('a', shared), { report: report({ x: '1', y: '2' }), generator: gen })
    expect([a.generated, a.pushed, a.pulled, runs()]).toEqual([2, 2, 0, 2])
    const warnings: string[] = []
    const wsB = machine('b', shared, warnings)
    const b = await resolveOutputs(wsB, { report: report({ x: '1', y: '2' }), generator: gen, onWarning: (m) => warnings.push(m) })
    expect([b.generated, b.pulled, b.pushed, runs()]).toEqual([0, 2, 0, 2])
    expect(warnings).toEqual([])
    for (const id of ['x', 'y']) {
      const fromA = a.outputs.get(id)!.entry
      const fromB = b.outputs.get(id)!.entry
      expect(fromB.files).toEqual(fromA.files)
      expect(await readFile(fromB.filePath('sub/out.txt'), 'utf8')).toBe(await readFile(fromA.filePath('sub/out.txt'), 'utf8'))
    }
    expect((await wsB.outputs.local.info()).entries).toBe(2)
    const fetches = shared.fetches
    const again = await resolveOutputs(machine('b', shared), { report: report({ x: '1', y: '2' }), generator: gen })
    expect([again.cached, again.pulled, again.generated, shared.fetches - fetches]).toEqual([2, 0, 0, 0])
  })

  it('a remote entry whose bytes do not match its index is a miss: one warning, regenerated, nothing unverified served', async () => {
    const shared = new FolderTier(path.join(tmp, 'tampered'))
    const first = await resolveOutputs(machine('t1', shared), { report: report({ z: '3' }), generator: gen })
    const key = first.outputs.get('z')!.key
    const remoteFile = path.join(shared.dir, key, 'files/sub/out.txt')
    writeFileSync(remoteFile, readFileSync(remoteFile, 'utf8').replace('composite1', 'COMPOSITE1')) // same size, other bytes
    const warnings: string[] = []
    const before = runs()
    const ws = machine('t2', shared, warnings)
    const r = await resolveOutputs(ws, { report: report({ z: '3' }), generator: gen, onWarning: (m) => warnings.push(m) })
    expect([r.pulled, r.generated, runs() - before]).toEqual([0, 1, 1])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/remote cache folder:tampered: fetching [0-9a-f]{12} failed \(.*sub\/out\.txt has digest blake2b256:/)
    expect(await readFile(r.outputs.get('z')!.entry.filePath('sub/out.txt'), 'utf8')).toBe(`composite1:${'3'.repeat(64)}`)
    expect(readdirSync(path.join(ws.outputs.local.dir, 'staging'))).toEqual([])
  })

  it('a remote that fails costs one warning per call, is not asked again, and never fails the build', async () => {
    const down = new FolderTier(path.join(tmp, 'down'), true, 'connect ECONNREFUSED 127.0.0.1:5000')
    const warnings: string[] = []
    const before = runs()
    const r = await resolveOutputs(machine('down', down, warnings), { report: report({ p: '4', q: '5', s: '6' }), generator: gen, onWarning: (m) => warnings.push(m), concurrency: 1 })
    expect([r.generated, r.pushed, runs() - before]).toEqual([3, 0, 3])
    expect(down.fetches).toBe(1)
    expect(warnings).toEqual([expect.stringContaining('ECONNREFUSED')])
  })

  it('push: false reads from the remote but never uploads', async () => {
    const readOnly = new FolderTier(path.join(tmp, 'read-only'), false)
    const r = await resolveOutputs(machine('ro', readOnly), { report: report({ v: '7' }), generator: gen })
    expect([r.generated, r.pushed, readOnly.uploads]).toEqual([1, 0, 0])
  })
})
