// Ids and output names become folders and files of every build's output: the rules of project/names.ts, the
// registry errors that enforce them, and the property that two distinct ids never map to one emitted path.
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { artifactPath } from '../src/manifest/manifest.js'
import { emitPathProblem, idFoldKey, idProblem, outputFilePath, outputNameProblem } from '../src/project/names.js'
import { parseRegistry } from '../src/registry/registry.js'

const FILE = '.modelops-bundle/registry.yaml'

const GOOD_IDS = ['sir_stochasticsir', 'model-2', 'v1.2', 'é_日本', 'a b', '#hash', '%25', '...x', ...Object.getOwnPropertyNames(Object.prototype)]
const BAD_IDS: Array<[string, RegExp]> = [
  ['', /empty/], ['  ', /empty/], ['.', /dots/], ['..', /dots/], ['...', /dots/], ['../../../../tmp/x', /separator/], ['s/..', /separator/],
  ['n/..', /separator/], ['a\\b', /separator/], ['/abs', /separator/], ['a\nb', /control/], ['a\u0000b', /control/], ['tab\t', /control/],
  ['\u0085', /control/], ['a:b', /":"/], ['a?b', /"\?"/], ['a*', /"\*"/], ['a|b', /"\|"/], ['"q"', /"\\""/], ['<a>', /"<"/], ['trail.', /ends in a dot/],
  ['trail ', /ends in a dot or a space/], ['con', /device/], ['NUL.txt', /device/], ['com1', /device/], ['lpt9', /device/],
]

describe('idProblem', () => {
  it.each(GOOD_IDS)('accepts %j', (id) => expect(idProblem(id)).toBeUndefined())
  it.each(BAD_IDS)('refuses %j', (id, why) => expect(idProblem(id)).toMatch(why))
})

describe('outputNameProblem', () => {
  it.each(['result.txt', 'series/s.csv', 'a?b#c%d.txt', 'with space.csv', 'ünï/😀.json', '.hidden'])('accepts %j', (n) => expect(outputNameProblem(n)).toBeUndefined())
  it.each(['', 'a\\b', 'a\nb', 'a\u0000b', 'a\rb', '../x', 'a//b', './x', 'x/', 'bad\ufffd', 'dot.', 'sp ', 'd./x'])('refuses %j', (n) => expect(outputNameProblem(n)).toBeDefined())
})

describe('outputFilePath', () => {
  const dir = path.resolve('/tmp/out')
  it('joins plain names inside the folder', () => {
    expect(outputFilePath(dir, 'modelops/a/x.txt')).toBe(path.join(dir, 'modelops', 'a', 'x.txt'))
  })
  it.each(['../x', 'modelops/../../x', '/etc/passwd', 'C:/x', 'a\\..\\..\\x', 'modelops/./a', 'a//b', ''])('refuses %j with PATH_OUTSIDE', (name) => {
    expect(() => outputFilePath(dir, name)).toThrow(expect.objectContaining({ code: 'PATH_OUTSIDE' }))
    expect(emitPathProblem(name)).toBeDefined()
  })
})

describe('two distinct ids never map to one emitted path', () => {
  const dir = path.resolve('/tmp/out')
  // Ids from the whole Unicode range (graphemes) plus the troublesome ASCII, kept only when the registry accepts them.
  const anyId = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
    fc.stringMatching(/^[A-Za-z0-9_.\-/\\ :%#?]{1,8}$/),
    fc.constantFrom(...GOOD_IDS, 'A', 'a', 'Ä', 'ä', 'A\u0308', 'ß', 'SS'),
  ).filter((s) => idProblem(s) === undefined)
  const file = fc.array(fc.stringMatching(/^[A-Za-z0-9_.\- ?#%é]{1,6}$/), { minLength: 1, maxLength: 3 }).map((p) => p.join('/')).filter((n) => outputNameProblem(n) === undefined)

  it('distinct ids (as the registry accepts them) give distinct, contained output paths, also on case-insensitive disks', () => {
    fc.assert(
      fc.property(anyId, anyId, file, file, (a, b, f, g) => {
        fc.pre(a !== b && idFoldKey(a) !== idFoldKey(b))
        const pa = outputFilePath(dir, artifactPath(a, f))
        const pb = outputFilePath(dir, artifactPath(b, g))
        for (const p of [pa, pb]) expect(p.startsWith(dir + path.sep)).toBe(true)
        expect(pa).not.toBe(pb)
        expect(idFoldKey(pa)).not.toBe(idFoldKey(pb))
        // The folder of a model is exactly modelops/<id>: no id reaches into another's folder.
        expect(path.relative(path.join(dir, 'modelops'), pa).split(path.sep)[0]).toBe(a)
      }),
      { numRuns: 2000 },
    )
  })

  it('the registry refuses ids that only differ in case or Unicode form, naming both lines', () => {
    const text = "version: '1.0'\nmodels:\n  Sir:\n    path: m.py\n    class_name: Sir\n  sir:\n    path: m.py\n    class_name: Sir\n"
    expect(() => parseRegistry(text, FILE)).toThrow(expect.objectContaining({ code: 'REGISTRY_INVALID', line: 6, message: expect.stringMatching(/"Sir" \(line 3\) and "sir" differ only in case/) }))
    const nfd = "version: '1.0'\nmodels:\n  \"caf\\xE9\":\n    path: m.py\n    class_name: C\n  \"cafe\\u0301\":\n    path: m.py\n    class_name: C\n"
    expect(() => parseRegistry(nfd, FILE)).toThrow(expect.objectContaining({ line: 6 }))
  })
})

describe('registry ids are checked where the registry is read', () => {
  const reg = (section: 'models' | 'targets', id: string) =>
    section === 'models'
      ? `version: '1.0'\nmodels:\n  ok:\n    path: m.py\n    class_name: M\n  ${JSON.stringify(id)}:\n    path: m.py\n    class_name: M\n`
      : `version: '1.0'\ntargets:\n  ok:\n    path: t.py\n    model_output: x\n  ${JSON.stringify(id)}:\n    path: t.py\n    model_output: x\n`
  it.each(['../../../../tmp/x', 's/..', 'n/..', '..', 'a\u0007', 'x:y'])('model and target id %j: REGISTRY_INVALID at its line', (id) => {
    for (const section of ['models', 'targets'] as const) {
      expect(() => parseRegistry(reg(section, id), FILE)).toThrow(expect.objectContaining({ code: 'REGISTRY_INVALID', file: FILE, line: 6, message: expect.stringContaining(`${section}: id ${JSON.stringify(id)}`) }))
    }
  })
  it('output names and model_output follow the same rules', () => {
    const out = "version: '1.0'\nmodels:\n  m:\n    path: m.py\n    class_name: M\n    outputs:\n    - ok\n    - ../x\n"
    expect(() => parseRegistry(out, FILE)).toThrow(expect.objectContaining({ line: 8, message: expect.stringContaining('models.m.outputs[1] "../x"') }))
    const mo = "version: '1.0'\ntargets:\n  t:\n    path: t.py\n    model_output: a/b\n"
    expect(() => parseRegistry(mo, FILE)).toThrow(expect.objectContaining({ line: 5, message: expect.stringContaining('targets.t.model_output "a/b"') }))
  })
  it('every Object.prototype name is an ordinary id', () => {
    const names = Object.getOwnPropertyNames(Object.prototype)
    const text = `version: '1.0'\nmodels:\n${names.map((n) => `  ${JSON.stringify(n)}:\n    path: m.py\n    class_name: M\n`).join('')}`
    const r = parseRegistry(text, FILE)
    expect(Object.keys(r.models)).toEqual(names)
  })
})
