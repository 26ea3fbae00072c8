// What a model's outputs are looked up by in every tier (local store, remote cache): its cache key and the meta its
// entry records. One place, so a build and `mops-bundle cache status|push|pull` can never compute different keys.
import { cacheKey } from '../cache/key.js'
import type { CacheEntryMeta } from '../cache/types.js'
import type { DigestReport } from '../digest/types.js'
import type { Workspace } from '../workspace/workspace.js'
import { generatorInputsDigest } from './inputs.js'
import { generatorIdentity, type Generator } from './run.js'

/** One model's key and the meta its cache entry records. */
export interface ModelKey {
  id: string
  key: string
  meta: CacheEntryMeta
}

/**
 * The keys of `generator`'s outputs for the models of `report`: a function of each model's entrypoint and digest and
 * of the generator's identity (its command or function, env, and the `geninputs1:` digest of its declared inputs).
 */
export class ModelKeys {
  private constructor(
    /** Part of every key: what about the generator decides its outputs. */
    readonly identity: unknown,
    /** `geninputs1:` digest of the generator's declared inputs, when it has any. */
    readonly inputsDigest: string | undefined,
  ) {}

  static async of(ws: Workspace, generator: Generator, report: Pick<DigestReport, 'generator_inputs'>): Promise<ModelKeys> {
    const inputsDigest = await generatorInputsDigest(ws, generator, report)
    return new ModelKeys(generatorIdentity(generator, inputsDigest), inputsDigest)
  }

  async key(id: string, model: { entrypoint: string; digest: string }): Promise<ModelKey> {
    const { entrypoint, digest } = model
    return { id, key: await cacheKey({ entrypoint, digest, generator: this.identity }), meta: { model_id: id, entrypoint, digest, generator: this.identity } }
  }
}
