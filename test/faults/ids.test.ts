// Ids and names: a registry (or a generator) is input from anyone with commit rights. Ids become folders of the
// output, keys of JSON tables and URL segments; odd ones are refused with registry.yaml:line or work as plain names.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { tmpdir } from 'node:os'
import { randomBytes } from 'node:crypto'
import { describe, expect } from 'vitest'
import { fault } from './support/record.js'
import { cli, expectUserError, firstLines, REPO, stackLine } from './support/run.js'
import { listFiles, makeProject, registryYaml } from './support/project.js'
import { build, buildWorld, emitted, expected, expectGoodOutputs, generateOption } from './support/build.js'
import { write } from './support/project.js'

const G = 'ids'

describe('ids that are paths', () => {
  for (const bundler of ['esbuild', 'vite'] as const) {
    fault(G, `model id with ../ (${bundler})`, {
      fault: `registry model id "../../escaped-<nonce>" (from <outDir>/modelops/ it reaches <tmp>/escaped-<nonce>); ${bundler} build`,
      expected: 'the build fails naming registry.yaml:line, no stack; nothing written outside the output folder, no artifact emitted',
    }, async (ctx) => {
      const w = buildWorld(2)
      const escaped = `escaped-${randomBytes(6).toString('hex')}`
      const evil = { ...w.p.models[1]!, id: `../../${escaped}` }
      writeFileSync(w.p.registry, registryYaml([w.p.models[0]!, evil]))
      const { r, outDir } = await build(w, { bundler })
      expectUserError(r, 'registry.yaml', { line: 17 })
      expect(r.stderr).toContain('contains a path separator')
      expect(existsSync(join(tmpdir(), escaped)), `${join(tmpdir(), escaped)} was written`).toBe(false)
      expect(listFiles(outDir).filter((f) => f.includes('modelops')), 'no artifact emitted').toEqual([])
      ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\`; nothing outside the output folder`)
    })
  }

  fault(G, 'colliding ids s/.. and n/..', {
    fault: 'two model ids "s/.." and "n/.." (both reach modelops/); esbuild build',
    expected: 'the build fails naming the first bad id\'s line: no manifest that names one model\'s digest for the other\'s bytes',
  }, async (ctx) => {
    const w = buildWorld(2)
    writeFileSync(w.p.registry, registryYaml([{ ...w.p.models[0]!, id: 's/..' }, { ...w.p.models[1]!, id: 'n/..' }]))
    const { r, outDir } = await build(w)
    expectUserError(r, 'registry.yaml', { line: 3 })
    expect(listFiles(outDir).some((f) => f.endsWith('modelops-manifest.json')), 'no manifest').toBe(false)
    ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\``)
  })

  fault(G, 'ids differing only in case', {
    fault: 'model ids "Sir" and "sir" (one folder on macOS and Windows); list and esbuild build',
    expected: 'refused naming both ids and registry.yaml:line of the second',
  }, async (ctx) => {
    const w = buildWorld(2)
    writeFileSync(w.p.registry, registryYaml([{ ...w.p.models[0]!, id: 'Sir' }, { ...w.p.models[1]!, id: 'sir' }]))
    const l = await cli(['list'], { cwd: w.p.root })
    expectUserError(l, 'registry.yaml', { line: 17 })
    expect(l.stderr).toMatch(/"Sir" \(line 3\) and "sir" differ only in case/)
    const { r } = await build(w)
    expectUserError(r, 'registry.yaml', { line: 17 })
    ctx.observe(`list exit ${l.code}, build exit ${r.code}: \`${firstLines(l.stderr, 1)}\``)
  })

  for (const id of ['../x', 'a\\b', 'con', 'x:y']) {
    fault(G, `register-model --id ${JSON.stringify(id)}`, {
      fault: `mops-bundle register-model models/m0.py --id ${JSON.stringify(id)}`,
      expected: 'refused naming the model file and the id; registry.yaml unchanged',
    }, async (ctx) => {
      const p = makeProject(1)
      const before = readFileSync(p.registry, 'utf8')
      const r = await cli(['register-model', 'models/m0.py', '--id', id], { cwd: p.root })
      expectUserError(r, 'models/m0.py')
      expect(r.stderr).toContain(`model id ${JSON.stringify(id)}`)
      expect(readFileSync(p.registry, 'utf8')).toBe(before)
      ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\``)
    })
  }
})

describe('ids that are names of Object.prototype', () => {
  const NAMES = Object.getOwnPropertyNames(Object.prototype)
  fault(G, 'every Object.prototype name as a model id and a target id', {
    fault: `${NAMES.length} models registered with --id ${NAMES.join(', ')}; ${NAMES.length} targets with name= the same; list, digest, verify, a data edit, an esbuild build with a generator and the bundle's virtual module`,
    expected: 'each is an ordinary id everywhere: registered, listed, digested; verify turns stale when the data of __proto__ or toString changes; the manifest, the emitted files and the virtual module hold every one',
    timeout: 600_000,
  }, async (ctx) => {
    const w = buildWorld(NAMES.length)
    const root = w.p.root
    writeFileSync(w.p.registry, registryYaml([]))
    for (const [i, name] of NAMES.entries()) {
      const r = await cli(['register-model', `models/m${i}.py`, '--id', name, '--data', `data/d${i}.csv`], { cwd: root, timeoutMs: 120_000 })
      expect(r.code, `register-model --id ${name}: ${r.stderr}`).toBe(0)
    }
    const targets = NAMES.map((name, i) => `@cb.calibration_target(name=${JSON.stringify(name)}, model_output="prevalence", data={"observed": "data/d${i}.csv"})\ndef t${i}(data_paths):\n    return data_paths\n`)
    write(join(root, 'targets/__init__.py'), '')
    write(join(root, 'targets/t.py'), `import modelops_calabaria as cb\n\n\n${targets.join('\n\n')}`)
    const rt = await cli(['register-target', 'targets/t.py'], { cwd: root, timeoutMs: 120_000 })
    expect(rt.code, rt.stderr).toBe(0)

    const list = JSON.parse((await cli(['list', '--json'], { cwd: root })).stdout)
    const keysOf = (v: unknown) => Object.keys(Array.isArray(v) ? Object.fromEntries(v.map((e: { id: string }) => [e.id, e])) : (v as object)).sort()
    expect(keysOf(list.models), 'list: model ids').toEqual([...NAMES].sort())
    expect(keysOf(list.targets), 'list: target ids').toEqual([...NAMES].sort())
    const digest = JSON.parse((await cli(['digest', '--json'], { cwd: root })).stdout)
    expect(Object.keys(digest.models).sort(), 'digest: models').toEqual([...NAMES].sort())
    expect(Object.keys(digest.targets).sort(), 'digest: targets').toEqual([...NAMES].sort())
    for (const n of NAMES) expect(digest.models[n].digest, `digest of ${n}`).toMatch(/^composite1:[0-9a-f]{64}$/)
    const fresh = await cli(['verify'], { cwd: root })
    expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0)

    for (const name of ['__proto__', 'toString', 'constructor']) {
      const i = NAMES.indexOf(name)
      const file = join(root, `data/d${i}.csv`)
      const before = readFileSync(file)
      writeFileSync(file, Buffer.concat([before, Buffer.from('9,9\n')]))
      const stale = await cli(['verify'], { cwd: root })
      expect(stale.code, `verify after editing the data of ${name}: ${stale.stdout}${stale.stderr}`).toBe(1)
      expect(stale.stdout + stale.stderr, 'verify names the model').toContain(name)
      writeFileSync(file, before)
    }
    expect((await cli(['verify'], { cwd: root })).code, 'fresh again after restoring').toBe(0)

    write(join(root, 'src/main.js'), "import manifest, { models, targets, artifactUrl } from 'virtual:modelops-bundle'\nexport const ids = Object.keys(models)\nexport const tids = Object.keys(targets)\nexport const urls = ids.map((id) => artifactUrl(id, 'result.txt'))\nexport const proto = Object.getPrototypeOf(models)\nexport default manifest\n")
    const { r, outDir } = await build(w)
    expect(r.code, r.stderr).toBe(0)
    const manifest = JSON.parse(readFileSync(join(outDir, 'modelops-manifest.json'), 'utf8'))
    expect(Object.keys(manifest.models).sort(), 'manifest: models').toEqual([...NAMES].sort())
    expect(Object.keys(manifest.targets).sort(), 'manifest: targets').toEqual([...NAMES].sort())
    for (const n of NAMES) {
      expect(manifest.models[n].artifacts.map((a: { path: string }) => a.path), `manifest artifacts of ${n}`).toEqual([`modelops/${n}/result.txt`, `modelops/${n}/series/s.csv`])
      const file = emitted(outDir, n, 'result.txt')
      expect(file && readFileSync(file).equals(expected(w, n)), `modelops/${n}/result.txt holds ${n}'s bytes`).toBe(true)
    }
    const mod = await import(join(outDir, 'main.js'))
    expect([...mod.ids].sort(), 'virtual module: models').toEqual([...NAMES].sort())
    expect([...mod.tids].sort(), 'virtual module: targets').toEqual([...NAMES].sort())
    expect(mod.proto, 'models has no prototype').toBeNull()
    expect(mod.urls).toContain('/modelops/__proto__/result.txt')
    ctx.observe(`${NAMES.length} models and ${NAMES.length} targets registered, listed, digested; verify exit 1 after each data edit (naming __proto__, toString, constructor), 0 after restoring; build emitted ${NAMES.length * 2} artifacts, each with its own model's bytes; virtual module lists every id`)
  })
})

/** A generator (node script in the world's folder) that writes the given names (hex of raw bytes) for every model. */
function namesGenerator(w: ReturnType<typeof buildWorld>, tag: string, names: Buffer[]) {
  const script = join(w.p.root, '..', `gen-${tag}.mjs`)
  write(script, `import { writeFileSync } from 'node:fs'
const out = Buffer.from(process.env.MODELOPS_OUT_DIR + '/')
for (const hex of ${JSON.stringify(names.map((n) => n.toString('hex')))}) writeFileSync(Buffer.concat([out, Buffer.from(hex, 'hex')]), 'bytes of ' + Buffer.from(hex, 'hex').toString() + '\\n')
`)
  return { command: [process.execPath, script] }
}

describe('names a generator writes', () => {
  fault(G, 'output names with backslash, newline, tab, invalid UTF-8', {
    fault: 'the generator writes ok.txt plus `a\\b.txt`, `new<LF>line.txt`, `tab<TAB>.txt` and a name with byte 0xFF (NUL cannot be in a file name on POSIX); esbuild build, then a build with a fixed generator',
    expected: 'the build fails with one message naming every bad name, no stack; nothing committed to the cache; the next build (fixed generator) succeeds',
  }, async (ctx) => {
    const w = buildWorld(1)
    const bad = [Buffer.from('a\\b.txt'), Buffer.from('new\nline.txt'), Buffer.from('tab\t.txt'), Buffer.from([0x78, 0xff, 0x2e, 0x74, 0x78, 0x74])]
    const { r } = await build(w, { generate: namesGenerator(w, 'bad', [Buffer.from('ok.txt'), ...bad]) })
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    expect(r.stderr).toContain('wrote 4 file names that cannot be published')
    for (const s of ['"a\\\\b.txt" contains a backslash', '"new\\nline.txt" contains a control character', '"tab\\t.txt" contains a control character', 'is not valid UTF-8']) expect(r.stderr).toContain(s)
    const cached = listFiles(w.cacheDir).filter((f) => f.includes(`${sep}entries${sep}`))
    expect(cached, 'nothing committed').toEqual([])
    const next = await build(w)
    expect(next.r.code, next.r.stderr).toBe(0)
    expectGoodOutputs(w, next.outDir)
    ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\`; no cache entry; the next build exit 0 with good outputs`)
  })

  fault(G, 'generator writes nothing', {
    fault: 'the generator exits 0 without writing a file, for models declaring the output `prevalence`; esbuild build, then a build with a working generator',
    expected: 'the build fails naming the model and its declared outputs; nothing cached; the next build succeeds',
  }, async (ctx) => {
    const w = buildWorld(1)
    const { r } = await build(w, { generate: namesGenerator(w, 'none', []) })
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    expect(r.stderr).toContain('the generator wrote no files for model m0_m0, which declares outputs (prevalence)')
    expect(listFiles(w.cacheDir).filter((f) => f.includes(`${sep}entries${sep}`)), 'nothing committed').toEqual([])
    const next = await build(w)
    expect(next.r.code, next.r.stderr).toBe(0)
    expectGoodOutputs(w, next.outDir)
    ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\`; the next build exit 0`)
  })

  fault(G, 'artifactUrl of names with ? # % space and non-ASCII', {
    fault: 'the generator writes `what?.txt`, `#1.csv`, `50%.csv`, `with space.txt`, `ünï/😀.json`; esbuild build; the bundle calls artifactUrl for each',
    expected: 'each URL has every path segment percent-encoded and decodes back to the emitted file\'s path; the files are emitted under their real names',
  }, async (ctx) => {
    const w = buildWorld(1)
    const names = ['what?.txt', '#1.csv', '50%.csv', 'with space.txt', 'ünï/😀.json']
    const script = join(w.p.root, '..', 'gen-odd.mjs')
    write(script, `import { mkdirSync, writeFileSync } from 'node:fs'\nimport { dirname, join } from 'node:path'\nfor (const n of ${JSON.stringify(names)}) { const f = join(process.env.MODELOPS_OUT_DIR, n); mkdirSync(dirname(f), { recursive: true }); writeFileSync(f, n) }\n`)
    write(join(w.p.root, 'src/main.js'), `import { artifactUrl } from 'virtual:modelops-bundle'\nexport const urls = ${JSON.stringify(names)}.map((n) => artifactUrl('m0_m0', n))\n`)
    const { r, outDir } = await build(w, { generate: { command: [process.execPath, script] } })
    expect(r.code, r.stderr).toBe(0)
    const mod = await import(join(outDir, 'main.js'))
    expect(mod.urls).toEqual(['/modelops/m0_m0/what%3F.txt', '/modelops/m0_m0/%231.csv', '/modelops/m0_m0/50%25.csv', '/modelops/m0_m0/with%20space.txt', '/modelops/m0_m0/%C3%BCn%C3%AF/%F0%9F%98%80.json'])
    for (const [i, n] of names.entries()) {
      expect(decodeURIComponent(new URL(mod.urls[i], 'http://x/').pathname)).toBe(`/modelops/m0_m0/${n}`)
      expect(readFileSync(join(outDir, 'modelops/m0_m0', n), 'utf8')).toBe(n)
    }
    ctx.observe(`URLs: ${mod.urls.join(' ')}`)
  })

  fault(G, 'dev server: malformed URL', {
    fault: 'Vite dev server with the plugin: GET /%, /modelops/m0_m0/%E0%A4%A, /%zz',
    expected: '400, no URIError stack in the body or the log; the manifest is still served',
  }, async (ctx) => {
    const w = buildWorld(1)
    const { createServer } = await import('vite')
    const plugin = (await import(pathToFileURL(join(REPO, 'packages/unplugin/dist/vite.js')).href)).default
    const logged: string[] = []
    const server = await createServer({
      root: w.p.root, configFile: false, logLevel: 'silent', server: { port: 0, host: '127.0.0.1' },
      plugins: [plugin({ root: w.p.root, cacheDir: w.cacheDir, generate: generateOption(w), log: false })],
      customLogger: { info: () => {}, warn: (m: string) => logged.push(m), warnOnce: () => {}, error: (m: string) => logged.push(m), clearScreen: () => {}, hasErrorLogged: () => false, hasWarned: false },
    })
    try {
      await server.listen()
      const url = server.resolvedUrls!.local[0]!
      let manifest = 0
      for (let i = 0; i < 1200 && manifest !== 200; i++) {
        manifest = (await fetch(new URL('/modelops-manifest.json', url))).status
        if (manifest !== 200) await new Promise((res) => setTimeout(res, 100))
      }
      expect(manifest).toBe(200)
      const seen: string[] = []
      for (const p of ['/%', '/modelops/m0_m0/%E0%A4%A', '/%zz']) {
        const res = await fetch(new URL(p, url))
        const body = await res.text()
        expect(res.status, `${p}: ${body}`).toBe(400)
        expect(body).not.toMatch(/URIError|^\s+at /m)
        seen.push(`${p} → ${res.status}`)
      }
      expect(logged.join('\n')).not.toMatch(/URIError/)
      expect((await fetch(new URL('/modelops-manifest.json', url))).status).toBe(200)
      ctx.observe(seen.join(', '))
    } finally {
      await server.close()
    }
  })
})
