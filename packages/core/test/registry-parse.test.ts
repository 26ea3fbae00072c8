import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Warning } from '../src/errors.js'
import { initProject } from '../src/project/project.js'
import { MAX_YAML_BYTES } from '../src/project/yaml.js'
import { deriveEntrypoint, emptyRegistry, loadRegistry, parseRegistry, serializeRegistry } from '../src/registry/registry.js'
import { catchError, tempDir, VECTORS } from './registry-helpers.js'

const HEAD = fs.readFileSync(path.join(VECTORS, 'example-registry-head.yaml'), 'utf8')
const R1 = fs.readFileSync(path.join(VECTORS, 'example-registry-4c20e72.yaml'), 'utf8')
const FILE = '.modelops-bundle/registry.yaml'

function model(over: Record<string, string> = {}): string {
  const fields = { entrypoint: 'models.sir:SIR', path: 'models/sir.py', class_name: 'SIR', ...over }
  return Object.entries(fields)
    .map(([k, v]) => `    ${k}: ${v}`)
    .join('\n')
}

describe('parseRegistry: files written by the Python tool', () => {
  it('reads the R2 example (contracts HEAD) with every field', () => {
    const reg = parseRegistry(HEAD, FILE)
    expect(reg.version).toBe('1.0')
    expect(Object.keys(reg.models)).toEqual(['model_stochasticsir', 'model_deterministicsir', 'model_networksir'])
    expect(reg.models.model_stochasticsir).toEqual({
      entrypoint: 'models.model:StochasticSIR',
      path: 'models/model.py',
      class_name: 'StochasticSIR',
      scenarios: [],
      parameters: [],
      outputs: [],
      data: ['data/data.csv', 'config.yaml'],
      data_digests: {
        'data/data.csv': 'sha256:4f964a58ca00bf043fd3077bf732986ecc9271d11705621eb6cc7adb914081f3',
        'config.yaml': 'sha256:383f0070409f2f4a8e764c01069bf90d7f9fece26cf8ad25535067b060ebd458',
      },
      code: [],
      code_digests: {},
      model_digest: 'sha256:448dc295027b384c26c37d7f417d4efe6db7bda5502b6a6d93a3df9870696e54',
    })
    expect(reg.targets).toEqual({
      incidence_target: {
        path: 'targets/incidence.py',
        entrypoint: 'targets.incidence:incidence_target',
        model_output: 'incidence',
        data: ['data/data.csv'],
        data_digests: {},
        target_digest: 'sha256:b5498113604b8d8d5baa808f0b0c84ea9b98e34041fafd9612f0f24b5a0800e9',
      },
    })
    expect(reg.target_sets).toEqual({ incidence: { targets: ['incidence_target'], weights: {} } })
  })

  it('reads the R1 example (bundle 4c20e72): derives entrypoints, observation becomes target data, bare hex kept', () => {
    const reg = parseRegistry(R1, FILE)
    expect(reg.models.sirmodel).toEqual({
      entrypoint: 'model:SIRModel',
      path: 'src/model.py',
      class_name: 'SIRModel',
      scenarios: [],
      parameters: [],
      outputs: ['prevalence'],
      data: ['data/data.csv'],
      data_digests: {},
      code: [],
      code_digests: {},
      model_digest: '9dc9a26bf9bf98ef4736960b63c696c9dc821904c26f9f43721ea8160d624547',
    })
    expect(reg.targets.prevalence).toEqual({
      path: 'src/targets.py',
      entrypoint: 'targets:prevalence',
      model_output: 'prevalence',
      data: ['data/data.csv'],
      data_digests: {},
      target_digest: '1f14d997045907e6e162846ec69b107524c3efa9b1dbcdbcafd46edbca10580f',
    })
    expect(reg.target_sets).toEqual({})
  })

  it('derives entrypoints with the reference add_model rule', () => {
    expect(deriveEntrypoint('m.py', 'M')).toBe('m:M')
    expect(deriveEntrypoint('src/models/sir.py', 'S')).toBe('models.sir:S')
    expect(deriveEntrypoint('models/sir.py', 'S')).toBe('models.sir:S')
    expect(deriveEntrypoint('notebooks/sir.ipynb', 'S')).toBe('sir:S')
  })

  it('round-trips both examples to R2 and back to the same registry', () => {
    for (const text of [HEAD, R1]) {
      const reg = parseRegistry(text, FILE)
      const out = serializeRegistry(reg)
      expect(parseRegistry(out, FILE)).toEqual(reg)
      expect(serializeRegistry(parseRegistry(out, FILE))).toBe(out)
    }
  })

  it('writes the R2 example back byte for byte except the target data_digests we add', () => {
    const out = serializeRegistry(parseRegistry(HEAD, FILE))
    expect(out).toBe(HEAD.replace('    - data/data.csv\n    target_digest', '    - data/data.csv\n    data_digests: {}\n    target_digest'))
  })

  it('accepts empty files, comments only, a missing target_sets, a BOM, CRLF and version 1.0 unquoted', () => {
    expect(parseRegistry('', FILE)).toEqual(emptyRegistry())
    expect(parseRegistry('# nothing yet\n', FILE)).toEqual(emptyRegistry())
    expect(parseRegistry('version: 1.0\nmodels: {}\ntargets: {}\n', FILE)).toEqual(emptyRegistry())
    expect(parseRegistry('\ufeffversion: "1.0"\r\nmodels:\r\n', FILE)).toEqual(emptyRegistry())
    expect(parseRegistry('models:\n  m:\n' + model(), FILE).models.m?.entrypoint).toBe('models.sir:SIR')
  })

  it('normalises stored paths and makes absolute paths inside the project relative', () => {
    const text = `models:\n  m:\n${model({ path: "'./models//sir.py'" })}\n    data: ['data\\\\x.csv', /proj/data/y.csv, data/dir/]\n    data_digests: {./data/y.csv: blake2b256:aa}\n`
    const reg = parseRegistry(text, FILE, { root: '/proj' })
    expect(reg.models.m?.path).toBe('models/sir.py')
    expect(reg.models.m?.data).toEqual(['data/x.csv', 'data/y.csv', 'data/dir'])
    expect(reg.models.m?.data_digests).toEqual({ 'data/y.csv': 'blake2b256:aa' })
  })

  it('keeps unknown fields through a rewrite and warns about them', () => {
    const warnings: Warning[] = []
    const text = `version: '1.0'\nmodels:\n  m:\n${model()}\n    labels: {team: epi}\n    weight: 2.5\nfuture_section:\n  a: [1, yes]\n`
    const reg = parseRegistry(text, FILE, { warnings })
    expect(warnings.map((w) => [w.line, w.message])).toEqual([
      [7, 'unknown field "labels" in models.m (kept as is)'],
      [8, 'unknown field "weight" in models.m (kept as is)'],
      [9, 'unknown top-level key "future_section" (kept as is)'],
    ])
    const again = parseRegistry(serializeRegistry(reg), FILE)
    expect(serializeRegistry(again)).toContain('    labels:\n      team: epi\n    weight: 2.5\n')
    expect(serializeRegistry(again)).toContain('future_section:\n  a:\n  - 1.0\n  - true\n')
  })

  it('treats an id like __proto__ as a plain id', () => {
    const reg = parseRegistry(`models:\n  __proto__:\n${model()}\n`, FILE)
    expect(Object.keys(reg.models)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(reg.models), 'id tables have no prototype').toBeNull()
    expect(reg.models.toString, 'toString is not an id here').toBeUndefined()
    expect(parseRegistry(serializeRegistry(reg), FILE)).toEqual(reg)
  })
})

describe('parseRegistry: every defect names file, line and column, and the fix', () => {
  const cases: Array<[string, string, number, number, RegExp]> = [
    ['YAML syntax error', 'models:\n  m: [a, b\n', 3, 1, /YAML syntax error/],
    ['bad indentation', 'models:\n  m:\n    path: a.py\n   class_name: X\n', 4, 1, /YAML syntax error/],
    ['tab indentation', 'models:\n\tm: {}\n', 2, 1, /YAML syntax error/],
    ['data: 5', `models:\n  m:\n${model()}\n    data: 5\n`, 6, 11, /models\.m\.data must be a list, got a number \(5\)/],
    ['models not a mapping', 'models:\n- a\n- b\n', 2, 1, /models must be a mapping, got a list/],
    ['the document a list', '- a\n', 1, 1, /the registry must be a mapping/],
    ['a scalar document', 'hello\n', 1, 1, /the registry must be a mapping/],
    ['unknown version', "version: '2.0'\nmodels: {}\n", 1, 10, /unsupported registry version "2\.0": this tool reads version '1\.0'/],
    ['version as a list', 'version: [1]\n', 1, 10, /unsupported registry version/],
    ['duplicate model ids', `models:\n  m:\n${model()}\n  m:\n${model()}\n`, 6, 3, /duplicate key "m" \(first at line 2\)/],
    ['duplicate fields', `models:\n  m:\n${model()}\n    path: other.py\n`, 6, 5, /duplicate key "path"/],
    ['missing path', 'models:\n  m:\n    class_name: X\n', 2, 3, /models\.m has no path/],
    ['missing class_name', 'models:\n  m:\n    path: m/x.py\n', 2, 3, /models\.m has no class_name/],
    ['class_name a boolean', `models:\n  m:\n${model({ class_name: 'yes' })}\n`, 5, 17, /models\.m\.class_name must be a string, got a boolean \(true, written yes\)/],
    ['path a number', `models:\n  m:\n${model({ path: '1.5' })}\n`, 4, 11, /models\.m\.path must be a string, got a number \(1\.5\)/],
    ['a data item a mapping', `models:\n  m:\n${model()}\n    data:\n    - {a: 1}\n`, 7, 7, /models\.m\.data\[0\] must be a string, got a mapping/],
    ['digest a list', `models:\n  m:\n${model()}\n    model_digest: [x]\n`, 6, 19, /model_digest must be a string/],
    ['data_digests a list', `models:\n  m:\n${model()}\n    data_digests: [x]\n`, 6, 19, /data_digests must be a mapping/],
    ['weights not numbers', 'target_sets:\n  s:\n    targets: [a]\n    weights: {a: heavy}\n', 4, 18, /weights\.a must be a number, got a string/],
    ['path outside (..)', `models:\n  m:\n${model({ path: '../elsewhere/m.py' })}\n`, 4, 11, /path "\.\.\/elsewhere\/m\.py" points outside the project/],
    ['absolute path', `models:\n  m:\n${model()}\n    data: [/etc/passwd]\n`, 6, 12, /path "\/etc\/passwd" is absolute/],
    ['empty entry', 'models:\n  m:\n', 2, 5, /models\.m is empty/],
    ['a date as id value', `models:\n  m:\n${model({ class_name: '2024-01-01' })}\n`, 5, 17, /got a date \(2024-01-01\)/],
    ['two documents', 'models: {}\n---\nmodels: {}\n', 2, 1, /YAML syntax error/],
  ]
  it.each(cases)('%s', (_name, text, line, column, message) => {
    const err = catchError(() => parseRegistry(text, FILE))
    expect(['REGISTRY_INVALID', 'PATH_OUTSIDE']).toContain(err.code)
    expect(err.message).toMatch(message)
    expect({ line: err.line, column: err.column }).toEqual({ line, column })
    expect(err.text.startsWith(`${FILE}:${line}:${column}: `)).toBe(true)
    expect(err.hint && err.hint.length > 10).toBe(true)
    expect(err.stack).toBeDefined()
  })

  it('refuses an alias bomb quickly', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`)
    const t = Date.now()
    const err = catchError(() => parseRegistry(lines.join('\n'), FILE))
    expect(err.message).toMatch(/too many YAML aliases/)
    expect(err.line).toBe(2)
    expect(Date.now() - t).toBeLessThan(20_000)
  })

  it('accepts the few aliases PyYAML writes for shared lists', () => {
    const text = `models:\n  a:\n${model()}\n    data: &id001\n    - d.csv\n  b:\n${model()}\n    data: *id001\n`
    expect(parseRegistry(text, FILE).models.b?.data).toEqual(['d.csv'])
  })

  it('reports absurd nesting instead of overflowing the stack', () => {
    const err = catchError(() => parseRegistry(`${'['.repeat(50_000)}${']'.repeat(50_000)}`, FILE))
    expect(err.code).toBe('REGISTRY_INVALID')
    expect(err.line).toBe(1)
  })

  it('refuses a huge text without parsing it', () => {
    const err = catchError(() => parseRegistry(`# ${'x'.repeat(MAX_YAML_BYTES)}\n`, FILE))
    expect(err.message).toMatch(/too large .*limit is 10\.0 MiB/)
  })
})

describe('loadRegistry', () => {
  it('returns an empty registry when the file is missing', async () => {
    const { project } = await initProject(tempDir())
    fs.rmSync(project.registryPath)
    expect(loadRegistry(project)).toEqual(emptyRegistry())
  })

  it('refuses a 50 MB file from its size, fast, naming the file', async () => {
    const { project } = await initProject(tempDir())
    const fd = fs.openSync(project.registryPath, 'w')
    fs.writeSync(fd, "version: '1.0'\nmodels:\n")
    fs.ftruncateSync(fd, 50 * 1024 * 1024)
    fs.closeSync(fd)
    const t = Date.now()
    const err = catchError(() => loadRegistry(project))
    expect(Date.now() - t).toBeLessThan(10_000)
    expect(err.text).toMatch(/^\.modelops-bundle\/registry\.yaml:1:1: file is too large .*50\.0 MiB/)
  })

  it('points at the first byte that is not UTF-8', async () => {
    const { project } = await initProject(tempDir())
    fs.writeFileSync(project.registryPath, Buffer.concat([Buffer.from("version: '1.0'\nmodels:\n  m\u00e9: x\n  bad"), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]))
    const err = catchError(() => loadRegistry(project))
    expect(err.text).toMatch(/^\.modelops-bundle\/registry\.yaml:4:6: the registry is not valid UTF-8/)
  })

  it('refuses a registry path that is a folder', async () => {
    const { project } = await initProject(tempDir())
    fs.rmSync(project.registryPath)
    fs.mkdirSync(project.registryPath)
    expect(catchError(() => loadRegistry(project)).message).toMatch(/is a folder/)
  })
})
