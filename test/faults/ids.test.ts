// Ids and names: a registry (or a generator) is input from anyone with commit rights. Ids become folders of the
// output, keys of JSON tables and URL segments; odd ones are refused with registry.yaml:line or work as plain names.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { randomBytes } from 'node:crypto'
import { describe, expect } from 'vitest'
import { fault } from './support/record.js'
import { cli, expectUserError, firstLines } from './support/run.js'
import { listFiles, makeProject, registryYaml } from './support/project.js'
import { build, buildWorld, emitted, expected } from './support/build.js'
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
