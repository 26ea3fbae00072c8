// Output file names with URL-special characters: artifactUrl() encodes each path segment, the files are emitted
// under their real names, and the Vite dev server serves them at those URLs. Malformed URLs get a 400, not a 500.
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type ViteDevServer } from 'vite'
import VitePlugin from 'unplugin-modelops-bundle/vite'
import { virtualModuleCode } from '../src/core/virtual.js'
import type { BuildResult } from '../src/core/context.js'
import { build } from './bundlers.js'
import { makeProject, removeProject } from './fixture.js'

/** File names (relative to the model's output folder) and the URL path artifactUrl must give for them. */
const ODD: Array<[string, string]> = [
  ['what?.txt', 'what%3F.txt'],
  ['#1.csv', '%231.csv'],
  ['50%.csv', '50%25.csv'],
  ['with space.txt', 'with%20space.txt'],
  ['ünï/😀.json', '%C3%BCn%C3%AF/%F0%9F%98%80.json'],
  ['a+b&c=d.txt', 'a%2Bb%26c%3Dd.txt'],
]

const GEN = `import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
const out = process.env.MODELOPS_OUT_DIR
for (const name of ${JSON.stringify(ODD.map(([n]) => n))}) {
  mkdirSync(dirname(join(out, name)), { recursive: true })
  writeFileSync(join(out, name), 'bytes of ' + name + ' for ' + process.env.MODELOPS_MODEL_ID + '\\n')
}
`

let root: string
beforeAll(async () => {
  root = await makeProject('mops-oddnames-')
  await writeFile(path.join(root, 'gen.mjs'), GEN)
  await writeFile(path.join(root, 'src/main.js'), `import { artifactUrl } from 'virtual:modelops-bundle'\nexport const urls = ${JSON.stringify(ODD.map(([n]) => n))}.map((n) => artifactUrl('sir', n))\n`)
})
afterAll(async () => { await removeProject(root) })

describe('artifactUrl encodes each path segment', () => {
  it('in a real esbuild build: URLs encoded, files emitted under their real names', async () => {
    const out = path.join(root, 'dist', 'esbuild')
    await build('esbuild', root, out)
    const mod = await import(path.join(out, 'main.js'))
    expect(mod.urls).toEqual(ODD.map(([, enc]) => `/modelops/sir/${enc}`))
    for (const [name] of ODD) expect(await readFile(path.join(out, 'modelops/sir', name), 'utf8')).toBe(`bytes of ${name} for sir\n`)
    // What a browser makes of the URL is the file's path again.
    for (const [i, [name]] of ODD.entries()) expect(decodeURIComponent(new URL(mod.urls[i], 'http://x/').pathname)).toBe(`/modelops/sir/${name}`)
  })

  it('the virtual module encodes a newline, `#`, `?` and `%` in ids and names, and keeps a __proto__ id', async () => {
    // Written by hand: an object literal would take `__proto__` as its prototype (JSON.parse makes it a key).
    const text = '{"bundle_digest":"bundle1:0","models":{"__proto__":{"artifacts":[{"path":"modelops/__proto__/a\\nb?.txt"}]},"x#%":{"artifacts":[{"path":"modelops/x#%/%.txt"}]}},"targets":{}}\n'
    const code = virtualModuleCode({ manifestText: text } as BuildResult, '/base/')
    const mod = await import(`data:text/javascript,${encodeURIComponent(code)}`)
    expect(Object.keys(mod.models).sort()).toEqual(['__proto__', 'x#%'])
    expect(Object.getPrototypeOf(mod.models)).toBeNull()
    expect(mod.artifactUrl('__proto__', 'a\nb?.txt')).toBe('/base/modelops/__proto__/a%0Ab%3F.txt')
    expect(mod.artifactUrl('x#%', '%.txt')).toBe('/base/modelops/x%23%25/%25.txt')
    expect(() => mod.artifactUrl('toString', 'x')).toThrow(/unknown model "toString"/)
    expect(() => mod.artifactUrl('constructor', 'x')).toThrow(/unknown model "constructor"/)
  })
})

describe('vite dev server with odd names and malformed URLs', () => {
  let server: ViteDevServer
  let url: string
  beforeAll(async () => {
    server = await createServer({ root, configFile: false, logLevel: 'silent', plugins: [VitePlugin({ log: false })], server: { port: 0, host: '127.0.0.1' } })
    await server.listen()
    url = server.resolvedUrls!.local[0]!
  })
  afterAll(async () => { await server?.close() })

  it('serves every odd name at its encoded URL', async () => {
    // The first run may still be going: the manifest shows when it is done.
    for (let i = 0; i < 600 && (await fetch(new URL('/modelops-manifest.json', url))).status !== 200; i++) await new Promise((r) => setTimeout(r, 100))
    for (const [name, enc] of ODD) {
      const res = await fetch(new URL(`/modelops/sir/${enc}`, url))
      expect(res.status, name).toBe(200)
      expect(await res.text()).toBe(`bytes of ${name} for sir\n`)
    }
  })

  it.each(['/%', '/modelops/sir/%E0%A4%A', '/%zz', '/modelops/%'])('GET %s answers 400 without a stack trace', async (p) => {
    const res = await fetch(new URL(p, url))
    const body = await res.text()
    expect(res.status, body).toBe(400)
    expect(body).not.toMatch(/URIError|^\s+at /m)
  })
})
