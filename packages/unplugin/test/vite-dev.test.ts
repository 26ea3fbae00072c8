import { readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type ViteDevServer } from 'vite'
import VitePlugin from 'unplugin-modelops-bundle/vite'
import { append, makeProject, removeProject, takeGenerated, waitFor } from './fixture.js'

let root: string
let server: ViteDevServer
let url: string
beforeAll(async () => {
  root = await makeProject('mops-vitedev-')
  server = await createServer({ root, configFile: false, logLevel: 'silent', plugins: [VitePlugin({ log: false, report: {} })], server: { port: 0, host: '127.0.0.1' } })
  await server.listen()
  url = server.resolvedUrls!.local[0]!
})
afterAll(async () => {
  await server?.close()
  await removeProject(root)
})

const get = async (p: string) => {
  const res = await fetch(new URL(p, url))
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') }
}

describe('vite dev server', () => {
  it('serves the manifest and artifacts from middleware', async () => {
    const m = await waitFor(async () => { const r = await get('/modelops-manifest.json'); return r.status === 200 && r }, 'manifest')
    expect(m.type).toContain('application/json')
    const manifest = JSON.parse(m.text)
    expect(Object.keys(manifest.models)).toEqual(['seir', 'sir'])
    const csv = await get('/modelops/sir/tables/input.csv')
    expect(csv).toMatchObject({ status: 200, text: 'age,n\n0,100\n1,200\n' })
    expect((await get('/modelops/sir/nope.csv')).status).toBe(404)
    expect(await takeGenerated(root)).toEqual(['seir', 'sir'])
    // The virtual module is served like any module.
    const mod = await server.transformRequest('virtual:modelops-bundle')
    expect(mod?.code).toContain(manifest.bundle_digest)
  })

  it('a data edit recomputes, regenerates only that model and updates the served manifest and virtual module', async () => {
    // Observe what the client channel is told (the original send still runs).
    const sent: Array<{ type: string; event?: string }> = []
    const hot = server.environments.client.hot
    const send = hot.send.bind(hot)
    hot.send = ((payload: { type: string }) => { sent.push(payload); return send(payload as never) }) as typeof hot.send
    const before = JSON.parse((await get('/modelops-manifest.json')).text)
    await append(root, 'data/pop.csv', '2,300\n')
    const after = await waitFor(async () => {
      const m = JSON.parse((await get('/modelops-manifest.json')).text)
      return m.bundle_digest !== before.bundle_digest && m
    }, 'updated manifest')
    expect(after.models.seir).toEqual(before.models.seir)
    expect(after.models.sir.digest).not.toBe(before.models.sir.digest)
    expect(await takeGenerated(root)).toEqual(['sir'])
    expect((await get('/modelops/sir/tables/input.csv')).text).toContain('2,300')
    // Vite invalidates the module once hotUpdate returns it.
    const code = await waitFor(async () => { const c = (await server.transformRequest('virtual:modelops-bundle'))?.code; return c?.includes(after.bundle_digest) && c }, 'virtual module update')
    // Which models were just regenerated is the build report's business (next test), not the module's.
    expect(code).not.toContain('sources')
    // The virtual module has no HMR boundary here, so Vite falls back to a full reload; pages also get our event.
    await waitFor(() => sent.some((p) => p.type === 'full-reload' || p.type === 'update'), 'HMR payload')
    expect(sent.some((p) => p.type === 'custom' && p.event === 'modelops-bundle:update')).toBe(true)
  })

  it('serves the build report of the latest run: which models that edit regenerated', async () => {
    const r = await get('/modelops-build.json')
    expect(r).toMatchObject({ status: 200, type: expect.stringContaining('application/json') })
    const report = JSON.parse(r.text)
    expect(report.schema).toBe('modelops-bundle/build-report@1')
    expect(report.models).toEqual({ seir: { source: 'cached' }, sir: { source: 'generated' } })
    expect(report.summary).toMatchObject({ models: 2, cached: 1, generated: 1 })
    expect(report.bundle_digest).toBe(JSON.parse((await get('/modelops-manifest.json')).text).bundle_digest)
  })

  it('a comment edit in a model changes nothing', async () => {
    const before = (await get('/modelops-manifest.json')).text
    await append(root, path.join('models', 'seir.py'), '# just a comment\n')
    // Give the watcher time to fire and the rerun to finish, then check nothing was generated.
    await new Promise((r) => setTimeout(r, 1500))
    expect((await get('/modelops-manifest.json')).text).toBe(before)
    expect(await takeGenerated(root)).toEqual([])
  })

  it('a registry edit (a model removed) drops it from the served manifest', async () => {
    const registry = path.join(root, '.modelops-bundle/registry.yaml')
    const text = await readFile(registry, 'utf8')
    await writeFile(registry, text.replace(/ {2}seir:[\s\S]*?(?= {2}sir:)/, ''))
    const m = await waitFor(async () => { const x = JSON.parse((await get('/modelops-manifest.json')).text); return !x.models.seir && x }, 'manifest without seir')
    expect(Object.keys(m.models)).toEqual(['sir'])
    expect((await get('/modelops/seir/summary.json')).status).toBe(404)
    expect(await takeGenerated(root)).toEqual([])
  })

  it('a failing generator shows an error, keeps the last good manifest, and recovers when fixed', async () => {
    const sent: Array<{ type: string; err?: { message: string } }> = []
    const hot = server.environments.client.hot
    const send = hot.send.bind(hot)
    hot.send = ((payload: { type: string }) => { sent.push(payload); return send(payload as never) }) as typeof hot.send
    const good = (await get('/modelops-manifest.json')).text
    await writeFile(path.join(root, 'fail-sir'), '')
    await append(root, 'data/pop.csv', '4,400\n')
    const error = await waitFor(() => sent.find((p) => p.type === 'error'), 'error overlay payload')
    expect(error.err!.message).toContain('model sir exploded on purpose')
    expect((await get('/modelops-manifest.json')).text).toBe(good)
    await rm(path.join(root, 'fail-sir'))
    await append(root, 'data/pop.csv', '5,500\n')
    const fixed = await waitFor(async () => { const t = (await get('/modelops-manifest.json')).text; return t !== good && JSON.parse(t) }, 'recovered manifest')
    expect((await get(fixed.models.sir.artifacts[1].path)).text).toContain('5,500')
  })
})
