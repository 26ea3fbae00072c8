// Property-based tests (fast-check) against the BUILT core: registry YAML round-trips, the composite
// pre-image never collides, the semantic digest ignores formatting and sees program changes.
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import { fault } from './support/record.js'
import { CORE_DIST, run } from './support/run.js'
import { genProgram, mutate, render, type Mutation } from './support/pygen.js'
import { HAS_PYYAML } from './support/python.js'
import { tempDir } from './support/project.js'

const G = 'property'
const SEED = Number(process.env.FAULTS_SEED ?? 20261127)
const RUNS = Number(process.env.FAULTS_PROPERTY_RUNS ?? 200)
const core = () => import(CORE_DIST) as Promise<any>
const composite = () => import('../../packages/core/src/digest/composite.js')

// ---------- registry ----------
const TRICKY = ['yes', 'no', 'on', 'off', 'null', 'Null', '~', 'true', '1.0', '1', '0x1F', '1e3', '.inf', '-.nan', '0o7', '012',
  '-', '- a', ': ', 'a: b', 'a #b', '#', "'", '"', '\\', '&a', '*a', '!tag', '%x', '@x', '`x', '|', '>', '{}', '[]', '? x',
  ' lead', 'trail ', 'ñ', '日本', '😀', 'a\u2028b', 'tab\there', '---', '...', '<<', '=']
const text = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.string({ unit: 'grapheme-ascii', maxLength: 8 }))
  .filter((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s))
/** Free text (outputs, scenarios): anything non-blank, newlines and tabs included. */
const value = text.filter((s) => s.trim() !== '')
// Internals (not in core's public API) come from its sources; the public functions from the built package.
const { idProblem, idFoldKey, setNameProblem } = await import('../../packages/core/src/project/names.js')
/** Ids: what the core's one rule for ids accepts (project/names.ts); target-set names: non-blank, no control characters. */
const key = value.filter((s) => idProblem(s) === undefined)
const setName = value.filter((s) => setNameProblem(s) === undefined && !/[\t\n\r]/.test(s))
/** An id table: ids that differ only in case or Unicode form are one id (the registry refuses both). */
const idDict = <T>(v: fc.Arbitrary<T>, maxKeys: number) => fc.uniqueArray(fc.tuple(key, v), { maxLength: maxKeys, selector: ([k]) => idFoldKey(k) }).map((es) => Object.fromEntries(es))
const segment = fc.oneof(fc.constantFrom('models', 'data', 'my file', 'é', '日本', "it's", 'a:b', '#x', '-x', 'x y.csv', 'null', 'yes'), fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/))
  .filter((s) => s !== '.' && s !== '..')
const relPath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((a) => a.join('/'))
const hex = fc.stringMatching(/^[0-9a-f]{64}$/)
const digest = fc.tuple(fc.constantFrom('blake2b256', 'sha256', 'pysem1'), hex).map(([a, h]) => `${a}:${h}`)
const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/)
const entrypoint = fc.tuple(fc.array(ident, { minLength: 2, maxLength: 3 }), ident).map(([m, c]) => `${m.join('.')}:${c}`)
const digests = (paths: string[]) => fc.subarray(paths).chain((ks) => fc.tuple(...ks.map(() => digest)).map((ds) => Object.fromEntries(ks.map((k, i) => [k, ds[i]!]))))
const model = fc.record({ entrypoint, path: relPath, class_name: ident, scenarios: fc.array(value, { maxLength: 3 }), parameters: fc.array(value, { maxLength: 3 }), outputs: fc.array(key, { maxLength: 3 }), data: fc.uniqueArray(relPath, { maxLength: 3 }), code: fc.uniqueArray(relPath, { maxLength: 3 }), model_digest: fc.option(digest, { nil: null }) })
  .chain((m) => fc.tuple(digests(m.data), digests(m.code)).map(([dd, cd]) => ({ entrypoint: m.entrypoint, path: m.path, class_name: m.class_name, scenarios: m.scenarios, parameters: m.parameters, outputs: m.outputs, data: m.data, data_digests: dd, code: m.code, code_digests: cd, model_digest: m.model_digest })))
const target = fc.record({ path: relPath, entrypoint, model_output: key, data: fc.uniqueArray(relPath, { maxLength: 3 }), target_digest: fc.option(digest, { nil: null }) })
  // A target's data digests live in .modelops-bundle/digests.json, not in registry.yaml (docs/interop.md).
  .map((t) => ({ path: t.path, entrypoint: t.entrypoint, model_output: t.model_output, data: t.data, data_digests: {}, target_digest: t.target_digest }))
const registry = fc.tuple(idDict(model, 4), idDict(target, 3)).chain(([models, targets]) => {
  const ids = Object.keys(targets)
  const set = fc.subarray(ids).chain((ts) => fc.tuple(...ts.map(() => fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)))).map((ws) => ({ targets: ts, weights: Object.fromEntries(ts.map((t, i) => [t, ws[i]!])) })))
  return fc.dictionary(setName, set, { maxKeys: 2 }).map((target_sets) => ({ version: '1.0', models, targets, target_sets }))
})

// ---------- composite ----------
/** Reference §2.5, written independently: the byte layout the core must produce. */
function preimage(components: Array<{ kind: string; path: string; digest: string }>, env: string): Buffer {
  const cmp = (a: string, b: string) => { const x = [...a].map((c) => c.codePointAt(0)!); const y = [...b].map((c) => c.codePointAt(0)!); for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!; return x.length - y.length }
  const sorted = [...components].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.path, b.path) || cmp(a.digest, b.digest))
  const parts = [Buffer.from(`\0ENV\0${env}\0`)]
  for (const c of sorted) parts.push(Buffer.from(`\0${c.kind}\0${c.path}\0${c.digest}\0`))
  return Buffer.concat(parts)
}
// A small alphabet makes near-collisions likely; astral characters test the code-point sort. No NUL: paths cannot hold one.
const small = fc.string({ unit: fc.constantFrom('a', 'b', '/', ' ', 'é', '\uffff', '😀', '\u0001', 'ENV'), maxLength: 4 })
const component = fc.record({ kind: fc.constantFrom('MODEL_CODE', 'DATA', 'CODE_DEP', 'TARGET_CODE', 'TARGET_DATA'), path: small, digest: small })
const components = fc.array(component, { maxLength: 4 })
const canonical = (cs: Array<{ kind: string; path: string; digest: string }>, env: string) => preimage(cs, env).toString('hex')

describe('properties', () => {
  fault(G, 'registry YAML round-trips', { fault: `${RUNS} generated registries: YAML-tricky scalars (yes, null, 1.0, '#', ': ', quotes, astral characters), odd paths, floats`, expected: 'parseRegistry(serializeRegistry(r)) deep-equals r; PyYAML safe_load reads the same structure' }, async (ctx) => {
    const { parseRegistry, serializeRegistry } = await core()
    const samples: Array<{ reg: unknown; yaml: string }> = []
    let n = 0
    fc.assert(fc.property(registry, (reg) => {
      n++
      const yaml = serializeRegistry(reg)
      expect(parseRegistry(yaml, '.modelops-bundle/registry.yaml'), yaml).toEqual(reg)
      if (samples.length < 100) samples.push({ reg, yaml })
    }), { seed: SEED, numRuns: RUNS })
    // The Python tool's loader reads what we write (one python process for the batch).
    if (!HAS_PYYAML) {
      ctx.tries(n, 0)
      ctx.observe(`${n} round-trips through our parser; PyYAML not installed, its check skipped`)
      return
    }
    const dir = tempDir('mops-prop-')
    const file = join(dir, 'batch.json')
    writeFileSync(file, JSON.stringify(samples.map((s) => s.yaml)))
    const py = await run('python3', ['-c', 'import yaml,json,sys\nprint(json.dumps([yaml.safe_load(t) for t in json.load(open(sys.argv[1]))]))', file], { timeoutMs: 120_000 })
    expect(py.code, py.stderr).toBe(0)
    const loaded = JSON.parse(py.stdout) as unknown[]
    // What the file holds: a target's data digests are kept in digests.json, not written to registry.yaml.
    const asWritten = (reg: unknown) => {
      const r = JSON.parse(JSON.stringify(reg)) as { targets: Record<string, { data_digests?: unknown }> }
      for (const t of Object.values(r.targets)) delete t.data_digests
      return r
    }
    samples.forEach((s, i) => expect(loaded[i], `PyYAML reading:\n${s.yaml}`).toEqual(asWritten(s.reg)))
    ctx.tries(n + samples.length, 0)
    ctx.observe(`${n} round-trips through our parser, ${samples.length} through PyYAML`)
  })

  fault(G, 'registries written by PyYAML load', { fault: `${Math.min(RUNS, 150)} generated registries dumped by PyYAML safe_dump (sort_keys=False, the Python tool's call: escaped non-ASCII, folded long scalars), plus long-string variants`, expected: 'parseRegistry reads the same structure' }, async (ctx) => {
    if (!HAS_PYYAML) { ctx.observe('not run: PyYAML not installed'); return }
    const { parseRegistry } = await core()
    const long = fc.string({ unit: 'grapheme', minLength: 60, maxLength: 200 }).filter((s) => s.trim() !== '' && !/[\u0000-\u001f\u007f]/.test(s) && idProblem(s) === undefined && idProblem(`${s} ${s}`) === undefined)
    const withLong = registry.chain((r) => long.map((l) => {
      const m = Object.values(r.models)[0] as { outputs: string[] } | undefined
      if (m) m.outputs = [...m.outputs, l, `${l} ${l}`]
      return r
    }))
    const samples = fc.sample(withLong, { seed: SEED, numRuns: Math.min(RUNS, 150) })
    const dir = tempDir('mops-prop-')
    const file = join(dir, 'in.json')
    writeFileSync(file, JSON.stringify(samples))
    const py = await run('python3', ['-c', 'import yaml,json,sys\nprint(json.dumps([yaml.safe_dump(r, sort_keys=False) for r in json.load(open(sys.argv[1]))]))', file], { timeoutMs: 120_000 })
    expect(py.code, py.stderr).toBe(0)
    const dumped = JSON.parse(py.stdout) as string[]
    dumped.forEach((y, i) => expect(parseRegistry(y, '.modelops-bundle/registry.yaml'), `PyYAML wrote:\n${y}`).toEqual(samples[i]))
    ctx.tries(samples.length, 0)
    ctx.observe(`${samples.length} PyYAML-written registries read back identically`)
  })

  fault(G, 'composite pre-image is the reference layout', { fault: `${RUNS} generated component lists (small alphabet with astral and control characters)`, expected: 'compositePreimage equals an independent implementation of reference §2.5 byte for byte' }, async (ctx) => {
    const { compositePreimage } = await composite()
    let n = 0
    fc.assert(fc.property(components, small, (cs, env) => {
      n++
      expect(Buffer.from(compositePreimage(cs, env)).toString('hex')).toBe(preimage(cs, env).toString('hex'))
    }), { seed: SEED, numRuns: RUNS })
    ctx.tries(n, 0)
    ctx.observe(`${n} lists, identical bytes`)
  })

  fault(G, 'composite pre-image never collides', { fault: `${RUNS * 5} pairs of generated component lists + env digests over a 9-symbol alphabet`, expected: 'different multisets (or envs) give different pre-images and digests; order never matters' }, async (ctx) => {
    const { compositePreimage, compositeDigestHex } = await composite()
    let n = 0
    let distinct = 0
    await fc.assert(fc.asyncProperty(components, small, components, small, fc.integer(), async (a, ea, b, eb, shuffle) => {
      n++
      const pa = Buffer.from(compositePreimage(a, ea)).toString('hex')
      const pb = Buffer.from(compositePreimage(b, eb)).toString('hex')
      const same = canonical(a, ea) === canonical(b, eb)
      if (!same) distinct++
      expect(pa === pb, `pre-images ${same ? 'differ for the same' : 'collide for different'} lists:\n${JSON.stringify([a, ea])}\n${JSON.stringify([b, eb])}`).toBe(same)
      // Permuting the list changes nothing.
      const perm = [...a].sort(() => ((shuffle = (shuffle * 1103515245 + 12345) | 0) & 1 ? 1 : -1))
      expect(Buffer.from(compositePreimage(perm, ea)).toString('hex')).toBe(pa)
      if (!same && n % 10 === 0) expect(await compositeDigestHex(a, ea)).not.toBe(await compositeDigestHex(b, eb))
    }), { seed: SEED, numRuns: RUNS * 5 })
    ctx.tries(n, 0)
    ctx.observe(`${n} pairs (${distinct} distinct), no collision; permutations equal`)
  })

  fault(G, 'composite pre-image: boundary shifts', { fault: `${RUNS * 2} component lists with one character moved across a field boundary (path↔digest, kind↔path, env↔first component, component↔next component)`, expected: 'a different pre-image every time (separators are unambiguous without NUL)' }, async (ctx) => {
    const { compositePreimage } = await composite()
    let n = 0
    fc.assert(fc.property(fc.array(component, { minLength: 1, maxLength: 3 }), small, fc.nat(), fc.constantFrom('path>digest', 'digest>path', 'env>path', 'path>env', 'digest>next'), (a, env, pick, how) => {
      const b = a.map((c) => ({ ...c }))
      let envB = env
      const c = b[pick % b.length]!
      const next = b[(pick + 1) % b.length]!
      const cut = (x: string) => { const cs = [...x]; return { head: cs.slice(0, -1).join(''), last: cs.at(-1) ?? '' } }
      if (how === 'path>digest') { const { head, last } = cut(c.path); if (!last) return; c.path = head; c.digest = last + c.digest }
      else if (how === 'digest>path') { const [first, ...rest] = [...c.digest]; if (!first) return; c.digest = rest.join(''); c.path += first }
      else if (how === 'env>path') { const { head, last } = cut(envB); if (!last) return; envB = head; c.path = last + c.path }
      else if (how === 'path>env') { const [first, ...rest] = [...c.path]; if (!first) return; c.path = rest.join(''); envB += first }
      else { if (b.length < 2 || next === c) return; const { head, last } = cut(c.digest); if (!last) return; c.digest = head; next.kind = (last + next.kind) as never }
      n++
      const same = canonical(a, env) === canonical(b, envB)
      expect(Buffer.from(compositePreimage(a, env)).equals(Buffer.from(compositePreimage(b, envB))), `boundary shift ${how}:\n${JSON.stringify([a, env])}\n${JSON.stringify([b, envB])}`).toBe(same)
    }), { seed: SEED, numRuns: RUNS * 2 })
    ctx.tries(n, 0)
    ctx.observe(`${n} shifted lists, no collision`)
  })

  // ---------- semantic digest ----------
  fault(G, 'generator check: Python agrees on what is formatting', { fault: '60 generated programs, two formattings each and one mutation of each kind, judged by Python ast.dump', expected: 'formattings have equal ast.dump; mutations differ (validates the test generator itself)' }, async (ctx) => {
    const cases: string[] = []
    const kinds: Mutation[] = ['rename', 'literal', 'operator', 'dedent']
    const meta: Array<{ seed: number; what: string }> = []
    for (let seed = 1; seed <= 60; seed++) {
      const p = genProgram(SEED + seed)
      cases.push(render(p, null), render(p, seed * 7), render(p, seed * 13))
      meta.push({ seed, what: 'format' })
      for (const k of kinds) { const m = mutate(p, k, seed); cases.push(m ? render(m, seed * 3) : '') }
    }
    const dir = tempDir('mops-prop-')
    writeFileSync(join(dir, 'batch.json'), JSON.stringify(cases))
    const py = await run('python3', ['-c', 'import ast,json,sys\nout=[]\nfor s in json.load(open(sys.argv[1])):\n    try: out.append(ast.dump(ast.parse(s.encode("utf-8"))) if s else None)\n    except SyntaxError as e: out.append("SyntaxError: %s line %s" % (e.msg, e.lineno))\nprint(json.dumps(out))', join(dir, 'batch.json')], { timeoutMs: 120_000 })
    expect(py.code, py.stderr).toBe(0)
    const dumps = JSON.parse(py.stdout) as Array<string | null>
    const per = 3 + kinds.length
    for (let i = 0; i < meta.length; i++) {
      const d = dumps.slice(i * per, (i + 1) * per)
      for (let j = 0; j < 3; j++) expect(d[j], `program ${i} rendering ${j}:\n${cases[i * per + j]}`).not.toMatch(/^SyntaxError/)
      expect(d[1], `formatting changed the AST:\n${cases[i * per]}\n---\n${cases[i * per + 1]}`).toBe(d[0])
      expect(d[2]).toBe(d[0])
      for (let k = 0; k < kinds.length; k++) if (d[3 + k] !== null) expect(d[3 + k], `${kinds[k]} kept the AST:\n${cases[i * per + 3 + k]}`).not.toBe(d[0])
    }
    ctx.tries(cases.length, 0)
    ctx.observe(`${cases.length} sources judged by CPython ${'ast'}`)
  })

  fault(G, 'semantic digest ignores formatting', { fault: `${RUNS} generated programs, each rendered twice with random indentation unit (1-8 spaces or tab), spaces, comments, blank lines, line breaks in brackets, backslash continuations, quote style, hex case, redundant parens, trailing commas, CRLF`, expected: 'the same pysem1 digest' }, async (ctx) => {
    const { semanticDigest } = await core()
    let n = 0
    await fc.assert(fc.asyncProperty(fc.integer(), fc.integer(), fc.integer(), async (ps, s1, s2) => {
      n++
      const p = genProgram(ps)
      const a = render(p, s1)
      const b = render(p, s2)
      const da = await semanticDigest(Buffer.from(a), 'a.py')
      const db = await semanticDigest(Buffer.from(b), 'b.py')
      expect(da.kind, `not parsed semantically:\n${a}\n${JSON.stringify(da.warning)}`).toBe('semantic')
      expect(db.kind, `not parsed semantically:\n${b}\n${JSON.stringify(db.warning)}`).toBe('semantic')
      expect(da.digest, `formatting changed the digest:\n--- a\n${a}\n--- b\n${b}`).toBe(db.digest)
    }), { seed: SEED, numRuns: RUNS })
    ctx.tries(n, 0)
    ctx.observe(`${n} pairs, equal digests`)
  })

  fault(G, 'semantic digest sees program changes', { fault: `${RUNS} generated programs with one change each: identifier rename, literal change, operator change, or a statement moved out of its block (indentation only), rendered in different formattings`, expected: 'a different digest every time' }, async (ctx) => {
    const { semanticDigest } = await core()
    let n = 0
    const kinds: Mutation[] = ['rename', 'literal', 'operator', 'dedent']
    await fc.assert(fc.asyncProperty(fc.integer(), fc.integer(), fc.integer(), fc.constantFrom(...kinds), async (ps, s1, s2, kind) => {
      const p = genProgram(ps)
      const m = mutate(p, kind, s1)
      if (!m) return
      n++
      const a = render(p, s1)
      const b = render(m, s2)
      const da = await semanticDigest(Buffer.from(a), 'a.py')
      const db = await semanticDigest(Buffer.from(b), 'b.py')
      expect(da.kind).toBe('semantic')
      expect(db.kind).toBe('semantic')
      expect(da.digest, `${kind} did not change the digest:\n--- before\n${a}\n--- after\n${b}`).not.toBe(db.digest)
    }), { seed: SEED, numRuns: RUNS })
    ctx.tries(n, 0)
    ctx.observe(`${n} mutated programs, all digests differ`)
  })
})
