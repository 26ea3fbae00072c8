import { describe, expect, it } from 'vitest'
import { buildManifest, MANIFEST_SCHEMA, serializeManifest } from '../src/manifest/manifest.js'
import type { DigestReport } from '../src/digest/types.js'

const H = (c: string) => c.repeat(64)

function report(reverse = false): DigestReport {
  const models: DigestReport['models'] = {
    sir: {
      digest: `composite1:${H('1')}`, entrypoint: 'models.sir:SIR', path: 'models/sir.py', class_name: 'SIR', outputs: ['incidence'], missing: [],
      components: [
        { kind: 'MODEL_CODE', path: 'models/sir.py', digest: `pysem1:${H('a')}` },
        { kind: 'DATA', path: 'data/pop.csv', digest: `blake2b256:${H('b')}` },
      ],
    },
    seir: {
      digest: `composite1:${H('2')}`, entrypoint: 'models.seir:SEIR', path: 'models/seir.py', class_name: 'SEIR', outputs: ['incidence', 'prevalence'], missing: [],
      components: [{ kind: 'MODEL_CODE', path: 'models/seir.py', digest: `pysem1:${H('c')}` }],
    },
  }
  const entries = Object.entries(models)
  if (reverse) entries.reverse().forEach(([, m]) => m.components.reverse())
  return {
    bundle_digest: `bundle1:${H('f')}`,
    environment: { digest: `env1:${H('e')}`, python_version: '3.11', platform: 'linux-x86_64', dependencies: { numpy: '2.0', b: '1' }, container_image: null, cuda_version: null, rng_algorithm: 'PCG64', thread_count: 1 },
    models: Object.fromEntries(entries),
    targets: { t: { digest: `composite1:${H('3')}`, entrypoint: 'targets.t:fit', path: 'targets/t.py', model_output: 'incidence', missing: [], components: [{ kind: 'TARGET_CODE', path: 'targets/t.py', digest: `pysem1:${H('d')}` }] } },
    warnings: [],
  }
}

describe('manifest', () => {
  it('is canonical: sorted keys at every level, 2-space indent, trailing newline, independent of input order', () => {
    const a = serializeManifest(buildManifest(report(), { sir: [{ path: 'z.csv', digest: 'blake2b256:1', bytes: 3 }, { path: 'a.csv', digest: 'blake2b256:2', bytes: 4 }] }))
    const b = serializeManifest(buildManifest(report(true), { sir: [{ path: 'a.csv', digest: 'blake2b256:2', bytes: 4 }, { path: 'z.csv', digest: 'blake2b256:1', bytes: 3 }] }))
    expect(a).toBe(b)
    expect(a.endsWith('}\n')).toBe(true)
    expect(a).not.toMatch(/\r/)
    const parsed = JSON.parse(a)
    expect(parsed.schema).toBe(MANIFEST_SCHEMA)
    expect(Object.keys(parsed)).toEqual(['bundle_digest', 'environment', 'models', 'schema', 'targets'])
    expect(Object.keys(parsed.models)).toEqual(['seir', 'sir'])
    expect(Object.keys(parsed.environment.dependencies)).toEqual(['b', 'numpy'])
    expect(parsed.models.sir.components.map((c: { path: string }) => c.path)).toEqual(['data/pop.csv', 'models/sir.py'])
    expect(parsed.models.sir.artifacts).toEqual([
      { bytes: 4, digest: 'blake2b256:2', path: 'modelops/sir/a.csv' },
      { bytes: 3, digest: 'blake2b256:1', path: 'modelops/sir/z.csv' },
    ])
    expect(parsed.models.seir.artifacts).toEqual([])
    expect(parsed.targets.t).toEqual({ components: [{ digest: `pysem1:${H('d')}`, kind: 'TARGET_CODE', path: 'targets/t.py' }], digest: `composite1:${H('3')}`, entrypoint: 'targets.t:fit', model_output: 'incidence', path: 'targets/t.py' })
    // No timestamps or absolute paths sneak in.
    expect(a).not.toMatch(/20\d\d-\d\d-\d\d|\/tmp\/|\\\\/)
  })
})
