// What we write must load with the Python tool's own reader (PyYAML safe_load) to exactly the structure we mean,
// and what PyYAML wrote must load with ours. python3 runs once per batch, not once per case.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseRegistry, serializeRegistry } from '../src/registry/registry.js'
import { idFoldKey, idProblem } from '../src/project/names.js'
import type { ModelEntry, Registry, TargetEntry } from '../src/registry/types.js'
import { pyyamlLoadMany, tagForPython, VECTORS } from './registry-helpers.js'

const FILE = '.modelops-bundle/registry.yaml'

/** Strings YAML readers love to misread, plus the awkward characters. */
const TRICKY = [
  'yes', 'No', 'ON', 'off', 'y', 'N', 'true', 'False', 'null', 'Null', '~', '', ' ', '1.0', '1', '0x1f', '0o17', '1_000', '1:20',
  '190:20:30.15', '2024-01-01', '2001-12-14t21:59:43.10-05:00', '.inf', '-.inf', '.NaN', '1e3', '+1', '-', '--', '---', '...', '*a', '&a', '!x',
  '!!str', '%x', '@x', '`x', '|', '>', '?', '? x', '- x', 'a: b', 'a:', ':a', 'a:b', 'a #c', '#c', ' lead', 'trail ', "it's", '"q"',
  '\\', 'tab\there', 'line\nbreak', 'cr\rx', '\u0085nel', 'ls\u2028ps\u2029', '\ufeffbom', 'é', '日本語', '😀', 'a\u0000b', '\u0007bell',
  '\u007fdel', '\u009fc1', 'lone\ud800', '[a]', '{a: 1}', 'a,b', '<<', '=', 'models.model:StochasticSIR', 'sha256:ab', 'x'.repeat(1100),
]

const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_./:-]{0,15}$/) },
)
const list = fc.array(text, { maxLength: 3 })
const dict = fc.dictionary(text, text, { maxKeys: 3 })
const digest = fc.option(text, { nil: null })
const finite = fc.double({ noNaN: true, noDefaultInfinity: true })

const modelArb: fc.Arbitrary<ModelEntry> = fc.record({
  entrypoint: text,
  path: text,
  class_name: text,
  scenarios: list,
  parameters: list,
  outputs: list,
  data: list,
  data_digests: dict,
  code: list,
  code_digests: dict,
  model_digest: digest,
})
const targetArb: fc.Arbitrary<TargetEntry> = fc.record({
  path: text,
  entrypoint: text,
  model_output: text,
  data: list,
  // Not written to registry.yaml (target data digests live in digests.json, docs/interop.md).
  data_digests: fc.constant({}),
  target_digest: digest,
})
const registryArb: fc.Arbitrary<Registry> = fc.record({
  version: fc.constant('1.0'),
  models: fc.dictionary(text, modelArb, { maxKeys: 3 }),
  targets: fc.dictionary(text, targetArb, { maxKeys: 2 }),
  target_sets: fc.dictionary(text, fc.record({ targets: list, weights: fc.dictionary(text, finite, { maxKeys: 3 }) }), { maxKeys: 2 }),
})

describe('our YAML loads in PyYAML to the structure we mean', () => {
  it('for every tricky string as id, path, list item, dict key, digest and weight key', () => {
    const reg: Registry = { version: '1.0', models: {}, targets: {}, target_sets: {} }
    TRICKY.forEach((s, i) => {
      reg.models[s] = {
        entrypoint: s, path: s, class_name: s, scenarios: [s], parameters: [], outputs: [s, s], data: [s], data_digests: { [s]: s },
        code: [], code_digests: {}, model_digest: i % 2 ? s : null,
      }
    })
    reg.target_sets.s = { targets: TRICKY, weights: Object.fromEntries(TRICKY.map((s, i) => [s, i / 7])) }
    reg.target_sets.n = { targets: [], weights: { a: 1, b: -0, c: 1e21, d: 1e-7, e: -2.5e-300, f: Number.MAX_VALUE, g: 5e-324 } }
    const [loaded] = pyyamlLoadMany([serializeRegistry(reg)])
    expect(JSON.stringify(loaded)).toBe(JSON.stringify(tagForPython(reg)))
  })

  it('for generated registries (fast-check, one python3 run)', () => {
    const samples = fc.sample(registryArb, { numRuns: 300, seed: 20261127 })
    const loaded = pyyamlLoadMany(samples.map(serializeRegistry))
    const mismatches = samples
      .map((reg, i) => ({ reg, got: loaded[i] }))
      .filter(({ reg, got }) => JSON.stringify(got) !== JSON.stringify(tagForPython(reg)))
    expect(mismatches.slice(0, 2).map(({ reg, got }) => ({ yaml: serializeRegistry(reg), got }))).toEqual([])
  })

  it('for generated registries with a fresh seed each run (fast-check property, batched)', () => {
    // A property over batches: each run serialises 50 registries and checks them in one python3 process.
    fc.assert(
      fc.property(fc.array(registryArb, { minLength: 50, maxLength: 50 }), (batch) => {
        const loaded = pyyamlLoadMany(batch.map(serializeRegistry))
        batch.forEach((reg, i) => expect(JSON.stringify(loaded[i])).toBe(JSON.stringify(tagForPython(reg))))
      }),
      { numRuns: 4 },
    )
  })
})

describe('PyYAML-written registries load in ours', () => {
  it('the reference examples load with PyYAML to the same structure we parse (modulo our additions)', () => {
    const head = fs.readFileSync(path.join(VECTORS, 'example-registry-head.yaml'), 'utf8')
    const [py] = pyyamlLoadMany([head]) as [Registry]
    const ours = parseRegistry(head, FILE)
    for (const t of Object.values(ours.targets)) expect(t.data_digests).toEqual({})
    for (const t of Object.values(ours.targets)) delete (t as Partial<TargetEntry>).data_digests
    expect(ours).toEqual(py)
  })

  it('for generated registries dumped by PyYAML itself (safe_dump, default and allow_unicode, narrow width)', () => {
    // Only paths our schema accepts: project-relative, no NUL/newline, not `..`.
    const seg = fc.oneof(fc.constantFrom('yes', 'null', '1.0', 'é', '日本', 'a b', "it's", '~', '*x', '-x', '#c', 'x'.repeat(90)), fc.stringMatching(/^[\w .,;=+@%!$&'()[\]{}-]{1,12}$/))
    const rel = fc
      .array(seg, { minLength: 1, maxLength: 3 })
      .map((parts) => parts.map((p) => p.trim()).filter((p) => p && p !== '.' && p !== '..').join('/'))
      .filter((p) => p !== '' && !p.startsWith('/'))
    const name = fc.oneof(fc.constantFrom('yes', 'on', 'null', '1.0', '2024-01-01', 'é', 'a: b'), fc.stringMatching(/^\w[\w.:-]{0,20}$/))
    // Model ids and output names are folder and file names (project/names.ts).
    const id = name.filter((s) => idProblem(s) === undefined)
    const entry = fc.record({
      entrypoint: name, path: rel, class_name: name, scenarios: fc.array(name, { maxLength: 2 }), parameters: fc.constant([]),
      outputs: fc.array(id, { maxLength: 2 }), data: fc.array(rel, { maxLength: 3 }), data_digests: fc.dictionary(rel, name, { maxKeys: 2 }),
      code: fc.array(rel, { maxLength: 2 }), code_digests: fc.dictionary(rel, name, { maxKeys: 2 }), model_digest: fc.option(name, { nil: null }),
    })
    const regs = fc.sample(
      fc.record({
        version: fc.constant('1.0'),
        models: fc.dictionary(id, entry, { maxKeys: 3 }).filter((m) => new Set(Object.keys(m).map(idFoldKey)).size === Object.keys(m).length),
        targets: fc.constant({}),
        target_sets: fc.dictionary(name, fc.record({ targets: fc.array(name, { maxLength: 2 }), weights: fc.dictionary(name, fc.double({ noNaN: true, noDefaultInfinity: true }), { maxKeys: 2 }) }), { maxKeys: 2 }),
      }),
      { numRuns: 150, seed: 7 },
    ) as unknown as Registry[]
    // Ask PyYAML to write them (three styles), then read each text with our parser.
    const dumped = pyyamlDumpMany(regs)
    dumped.forEach((texts, i) => {
      for (const t of texts) {
        const expected = JSON.parse(JSON.stringify(regs[i])) as Registry
        const got = parseRegistry(t, FILE)
        expect(JSON.stringify(got)).toBe(JSON.stringify(withTargetDigests(expected)))
      }
    })
  })
})

function withTargetDigests(reg: Registry): Registry {
  for (const t of Object.values(reg.targets)) t.data_digests ??= {}
  return reg
}

function pyyamlDumpMany(regs: Registry[]): string[][] {
  const script = `
import json, sys, yaml
regs = json.load(sys.stdin)
out = []
for r in regs:
    for ts in r["target_sets"].values():
        ts["weights"] = {k: float(v) for k, v in ts["weights"].items()}
    out.append([
        yaml.safe_dump(r, sort_keys=False),
        yaml.safe_dump(r, sort_keys=False, allow_unicode=True),
        yaml.safe_dump(r, sort_keys=False, width=20, default_style=None),
        yaml.dump(r, sort_keys=False, default_flow_style=False),
    ])
sys.stdout.write(json.dumps(out))
`
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(regs), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })) as string[][]
}

describe('our own reader', () => {
  it('reads back exactly what we write (fast-check round trip)', () => {
    // Values our schema accepts: non-blank names, project-relative paths, finite weights.
    const name = fc.oneof(fc.constantFrom(...TRICKY.filter((s) => s.trim() !== '' && !/[\u0000-\u001f\u007f-\u009f]/.test(s))), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).filter((s) => s.trim() !== '' && !/[\u0000-\u001f\u007f-\u009f]/.test(s)))
    // Model and target ids and output names are folder and file names (project/names.ts).
    const id = name.filter((s) => idProblem(s) === undefined)
    const seg = fc.oneof(fc.constantFrom('yes', 'null', '1.0', 'é', '日本', 'a b', "it's", '~', '*x', '-x', '#c', '😀'), fc.stringMatching(/^[\w .,;=+@%!$&'()[\]{}-]{1,8}$/)).map((s) => s.trim()).filter((s) => s !== '' && s !== '.' && s !== '..')
    const rel = fc.array(seg, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'))
    const modelArbValid = fc.record({
      entrypoint: name, path: rel, class_name: name, scenarios: fc.array(text, { maxLength: 2 }), parameters: fc.array(text, { maxLength: 2 }),
      outputs: fc.array(id, { maxLength: 2 }), data: fc.array(rel, { maxLength: 3 }), data_digests: fc.dictionary(rel, name, { maxKeys: 2 }),
      code: fc.array(rel, { maxLength: 2 }), code_digests: fc.dictionary(rel, name, { maxKeys: 2 }), model_digest: fc.option(name, { nil: null }),
    })
    const targetArbValid = fc.record({
      // Target data digests are not written to registry.yaml (they live in digests.json): always empty here.
      path: rel, entrypoint: name, model_output: id, data: fc.array(rel, { maxLength: 2 }), data_digests: fc.constant({}), target_digest: fc.option(name, { nil: null }),
    })
    const regArb = fc.record({
      version: fc.constant('1.0'),
      models: fc.dictionary(id, modelArbValid, { maxKeys: 3 }).filter((m) => new Set(Object.keys(m).map(idFoldKey)).size === Object.keys(m).length),
      targets: fc.dictionary(id, targetArbValid, { maxKeys: 2 }),
      target_sets: fc.dictionary(name, fc.record({ targets: fc.array(text, { maxLength: 3 }), weights: fc.dictionary(text, finite, { maxKeys: 3 }) }), { maxKeys: 2 }),
    })
    fc.assert(
      fc.property(regArb, (reg) => {
        const yaml = serializeRegistry(reg)
        const back = parseRegistry(yaml, FILE)
        expect(JSON.stringify(back)).toBe(JSON.stringify(reg))
        expect(serializeRegistry(back)).toBe(yaml)
      }),
      { numRuns: 300 },
    )
  })
})
