// Reference vectors (reference-spec §2.9, vectors/*.json) reproduced bit for bit.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { blake2b } from '@noble/hashes/blake2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { compositeDigestHex, compositePreimage } from '../src/digest/composite.js'
import { environmentDigestHex, environmentPreimage } from '../src/digest/environment.js'
import { canonicalJson, pyFloat } from '../src/digest/canonical.js'
import { blake2b256Hex } from '../src/digest/blake2b.js'
import { hashBytes } from '../src/digest/bytes.js'
import type { EnvironmentInputs } from '../src/digest/types.js'

const VECTORS = fileURLToPath(new URL('../../../test/reference-vectors', import.meta.url))
const files = ['vectors-py311.json', 'vectors-py312.json', 'vectors-py313.json']
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

interface CompositeVector { name: string; env: string; components: [string, string, string][]; sorted_components: [string, string, string][]; preimage_hex: string; digest: string }
interface EnvVector { name: string; python_version: string; platform: string; dependencies: Record<string, string>; container_image?: string; cuda_version?: string; rng_algorithm?: string; thread_count?: number; hashed_string: string; digest: string }
interface ParamVector { name: string; hashed_string: string; param_id: string }

const triples = (cs: [string, string, string][]) => cs.map(([kind, path, digest]) => ({ kind, path, digest }))

describe.each(files)('%s', (file) => {
  const v = JSON.parse(readFileSync(`${VECTORS}/${file}`, 'utf8'))

  it.each(v.composite as CompositeVector[])('composite $name', async (c) => {
    expect(hex(compositePreimage(triples(c.components), c.env))).toBe(c.preimage_hex)
    expect(await compositeDigestHex(triples(c.components), c.env)).toBe(c.digest)
    // Input order never matters: the sorted list gives the same pre-image.
    expect(hex(compositePreimage(triples([...c.components].reverse()), c.env))).toBe(c.preimage_hex)
  })

  it.each(v.environment as EnvVector[])('environment $name', async (e) => {
    const env: EnvironmentInputs = {
      python_version: e.python_version,
      platform: e.platform,
      dependencies: e.dependencies,
      container_image: e.container_image ?? null,
      cuda_version: e.cuda_version ?? null,
      rng_algorithm: e.rng_algorithm ?? 'PCG64',
      thread_count: e.thread_count ?? 1,
    }
    expect(environmentPreimage(env)).toBe(e.hashed_string)
    expect(await environmentDigestHex(env)).toBe(e.digest)
  })

  it('file_digest bytes: our blake2b256 agrees with an independent BLAKE2b', async () => {
    for (const f of Object.values(v.file_digest) as { bytes_hex: string }[]) {
      const bytes = Buffer.from(f.bytes_hex, 'hex')
      expect(await hashBytes(bytes)).toBe(`blake2b256:${bytesToHex(blake2b(bytes, { dkLen: 32 }))}`)
    }
  })

  it('code_sig (BLAKE2b-256 of a namespaced string)', async () => {
    for (const c of v.code_sig as { records: [string, string][]; sig: string }[]) {
      const joined = [...c.records].sort().map(([p, h]) => `${p}::${h}`).join('|')
      expect(await blake2b256Hex(`bundle:code_sig:v1|${joined}`)).toBe(c.sig)
    }
  })
})

// make_param_id through canonicalJson: a test of the Python number formatter.
const params: Record<string, unknown> = {
  beta_gamma: { beta: pyFloat(0.5), gamma: pyFloat(0.25) },
  gamma_beta_reordered: { gamma: pyFloat(0.25), beta: pyFloat(0.5) },
  lr_batch: { learning_rate: pyFloat(0.01), batch_size: 32 },
  float_vs_int: { a: pyFloat(1.0), b: 1 },
  float_formatting_py_vs_js: { small: pyFloat(1e-7), big: pyFloat(1e16), neg_zero: pyFloat(-0) },
  bool_none_str_nested: { flag: true, none: null, s: 'é', nested: { z: 1, a: [1, 2] } },
}

describe('make_param_id (E5)', () => {
  const v = JSON.parse(readFileSync(`${VECTORS}/vectors-py311.json`, 'utf8'))
  it.each(v.param_id as ParamVector[])('$name', async (p) => {
    const s = `contracts:param:v1|${canonicalJson(params[p.name])}`
    expect(s).toBe(p.hashed_string)
    expect(await blake2b256Hex(s)).toBe(p.param_id)
  })
})

describe('E3 in the spec text', () => {
  it('digest ce7bc5d4…', async () => {
    const cs = [
      { kind: 'MODEL_CODE', path: 'src/model.py', digest: 'hash_model' },
      { kind: 'DATA', path: 'data/pop.csv', digest: 'hash_data' },
      { kind: 'CODE_DEP', path: 'src/utils.py', digest: 'hash_utils' },
    ]
    expect(await compositeDigestHex(cs, 'env_hash_12345')).toBe('ce7bc5d4d27e1c009692ccf46a6420bd65211cec472e59e03d6a9e65299df328')
  })
})

describe('sample project composites (sample-vectors)', () => {
  for (const f of ['sample-vectors-py311.json', 'sample-vectors-py312.json']) {
    const v = JSON.parse(readFileSync(`${VECTORS}/${f}`, 'utf8'))
    for (const [rev, r] of Object.entries(v.revisions) as [string, any][]) {
      it(`${f} ${rev} manifest composite`, async () => {
        expect(`bundle:${await compositeDigestHex(triples(r.manifest_components), v.env_digest)}`).toBe(r.manifest_bundle_digest)
      })
      it(`${f} ${rev} registry composite`, async () => {
        expect(await compositeDigestHex(triples(r.registry_components), v.env_digest)).toBe(r.registry_bundle_digest)
      })
    }
  }
})
