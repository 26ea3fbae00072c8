// The shared output cache with real builds and a real registry: two cache folders stand for two machines.
// Machine A builds and pushes; machine B (another copy of the project, another cache folder) builds with 0 generated
// and byte-identical outputs and manifest. Credentials never leak into outputs, caches or messages.
import { cp, readdir, readFile } from 'node:fs/promises'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { build } from './bundlers.js'
import { makeProject, removeProject, takeGenerated } from './fixture.js'
import { startRegistry, type TestRegistry } from '../../../test/support/oci-registry.mjs'

const tmp = (p: string) => mkdtempSync(path.join(tmpdir(), p))

/** Every file under `dir` as relative path -> bytes. */
async function tree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  const walk = async (rel: string) => {
    for (const d of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name
      if (d.isDirectory()) await walk(r)
      else if (d.isFile()) out.set(r, await readFile(path.join(dir, r)))
    }
  }
  await walk('')
  return out
}

/** Capture what the plugin prints (its logger writes to console). */
function capture() {
  const lines: string[] = []
  const warn = vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')))
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')))
  return { lines, restore: () => { warn.mockRestore(); log.mockRestore() } }
}

describe('remote cache: two machines', () => {
  let reg: TestRegistry
  const dirs: string[] = []
  beforeAll(async () => { reg = await startRegistry() })
  afterAll(async () => {
    await reg?.stop()
    for (const d of dirs) await removeProject(d)
  })

  it('machine B builds what machine A built: 0 generated, byte-identical outputs and manifest', async () => {
    const url = reg.url('team/outputs')
    const a = await makeProject('mops-remote-a-')
    const b = tmp('mops-remote-b-')
    dirs.push(a, b)
    await cp(a, b, { recursive: true })
    const cacheA = tmp('mops-cache-a-')
    const cacheB = tmp('mops-cache-b-')
    dirs.push(cacheA, cacheB)

    await build('esbuild', a, path.join(a, 'dist'), { cacheDir: cacheA, remoteCache: { url } })
    expect(await takeGenerated(a)).toEqual(['seir', 'sir'])

    const out = capture()
    try {
      await build('esbuild', b, path.join(b, 'dist'), { cacheDir: cacheB, remoteCache: { url }, log: true, report: {} })
    } finally {
      out.restore()
    }
    expect(await takeGenerated(b), 'machine B generates nothing').toEqual([])
    expect(out.lines.join('\n')).toMatch(/2 models · 0 cached · 2 pulled · 0 generated/)
    // The build report tells pulled (fetched and verified in this build) apart from local hits and from generated.
    const reportB = JSON.parse(await readFile(path.join(b, 'dist', 'modelops-build.json'), 'utf8'))
    expect(reportB.models).toEqual({ seir: { source: 'pulled' }, sir: { source: 'pulled' } })
    expect(reportB.summary).toMatchObject({ models: 2, cached: 0, pulled: 2, generated: 0 })
    expect(out.lines.filter((l) => /remote cache/.test(l)), 'no warning').toEqual([])
    const [ta, tb] = [await tree(path.join(a, 'dist')), await tree(path.join(b, 'dist'))]
    const assets = (t: Map<string, Buffer>) => [...t.keys()].filter((k) => k.startsWith('modelops/') || k === 'modelops-manifest.json').sort()
    expect(assets(tb)).toEqual(assets(ta))
    expect(assets(ta).length).toBeGreaterThan(3)
    for (const k of assets(ta)) expect(tb.get(k)!.equals(ta.get(k)!), `${k} byte-identical`).toBe(true)

    // Machine B's entries are now local hits: a third build neither generates nor asks the registry for files.
    await build('esbuild', b, path.join(b, 'dist2'), { cacheDir: cacheB, remoteCache: { url }, report: {} })
    expect(await takeGenerated(b)).toEqual([])
    const reportB2 = JSON.parse(await readFile(path.join(b, 'dist2', 'modelops-build.json'), 'utf8'))
    expect(reportB2.models).toEqual({ seir: { source: 'cached' }, sir: { source: 'cached' } })
    expect(reportB2.summary).toMatchObject({ cached: 2, pulled: 0, generated: 0 })
  })

  it('MODELOPS_REMOTE_CACHE_PUSH=0 reads but never pushes', async () => {
    const url = reg.url('team/readonly')
    const a = await makeProject('mops-remote-ro-')
    dirs.push(a)
    const cache = tmp('mops-cache-ro-')
    dirs.push(cache)
    process.env.MODELOPS_REMOTE_CACHE_PUSH = '0'
    try {
      await build('esbuild', a, path.join(a, 'dist'), { cacheDir: cache, remoteCache: { url } })
    } finally {
      delete process.env.MODELOPS_REMOTE_CACHE_PUSH
    }
    expect(await takeGenerated(a)).toEqual(['seir', 'sir'])
    const tags = await fetch(`http://${reg.host}/v2/team/readonly/tags/list`).then((r) => r.status)
    expect(tags, 'nothing was pushed: the repository does not exist').toBe(404)
  })
})

describe('remote cache: credentials', () => {
  let reg: TestRegistry
  const username = 'ci'
  const password = `s3cret-${randomBytes(12).toString('hex')}`
  const dirs: string[] = []
  beforeAll(async () => { reg = await startRegistry({ auth: { username, password } }) })
  afterAll(async () => {
    await reg?.stop()
    for (const d of dirs) await removeProject(d)
    delete process.env.MODELOPS_REMOTE_CACHE_USERNAME
    delete process.env.MODELOPS_REMOTE_CACHE_PASSWORD
  })

  const leaks = async (dirsToScan: string[], lines: string[]) => {
    const hits: string[] = []
    const needles = [password, Buffer.from(`${username}:${password}`).toString('base64')]
    for (const d of dirsToScan) for (const [rel, bytes] of await tree(d)) if (needles.some((n) => bytes.includes(n))) hits.push(`${d}/${rel}`)
    for (const l of lines) if (needles.some((n) => l.includes(n))) hits.push(`message: ${l}`)
    return hits
  }

  it('pushes and pulls with MODELOPS_REMOTE_CACHE_USERNAME/PASSWORD; a wrong password is one warning, never printed', async () => {
    const url = reg.url('secure/outputs')
    const a = await makeProject('mops-remote-auth-a-')
    const b = tmp('mops-remote-auth-b-')
    await cp(a, b, { recursive: true })
    const c = tmp('mops-remote-auth-c-')
    await cp(a, c, { recursive: true })
    const [cacheA, cacheB, cacheC] = [tmp('mops-ca-'), tmp('mops-cb-'), tmp('mops-cc-')]
    dirs.push(a, b, c, cacheA, cacheB, cacheC)
    process.env.MODELOPS_REMOTE_CACHE_USERNAME = username
    process.env.MODELOPS_REMOTE_CACHE_PASSWORD = password
    const out = capture()
    try {
      await build('esbuild', a, path.join(a, 'dist'), { cacheDir: cacheA, remoteCache: { url }, log: true, report: {} })
      await build('esbuild', b, path.join(b, 'dist'), { cacheDir: cacheB, remoteCache: { url }, log: true, report: {} })
      process.env.MODELOPS_REMOTE_CACHE_PASSWORD = `${password}-wrong`
      await build('esbuild', c, path.join(c, 'dist'), { cacheDir: cacheC, remoteCache: { url }, log: true, report: {} })
    } finally {
      out.restore()
      process.env.MODELOPS_REMOTE_CACHE_PASSWORD = password
    }
    expect(await takeGenerated(a)).toEqual(['seir', 'sir'])
    expect(await takeGenerated(b), 'B pulled with the credentials').toEqual([])
    expect(await takeGenerated(c), 'C was refused and generated locally').toEqual(['seir', 'sir'])
    const warnings = out.lines.filter((l) => /remote cache/.test(l))
    expect(warnings.length, warnings.join('\n')).toBe(1)
    expect(warnings[0]).toMatch(/refused the credentials from MODELOPS_REMOTE_CACHE_USERNAME\/MODELOPS_REMOTE_CACHE_PASSWORD \(HTTP 401\)/)
    expect(await leaks([a, b, c, cacheA, cacheB, cacheC], out.lines)).toEqual([])
  })
})
