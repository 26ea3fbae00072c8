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
import { build, buildWorld } from './support/build.js'

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
