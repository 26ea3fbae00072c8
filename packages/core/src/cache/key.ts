import { canonicalJson } from '../digest/canonical.js'
import { hashBytes } from '../digest/bytes.js'

/** Bump when what a key covers changes; old entries then simply stop matching. */
export const CACHE_KEY_SCHEMA = 'modelops-bundle/cache-key@1'

export interface CacheKeyInput {
  /** The model's identity: two classes in one file with the same data share a digest but not outputs. */
  entrypoint: string
  /** The model's composite digest (`composite1:…`). */
  digest: string
  /** Generator identity (`generatorIdentity()`): its command, or function name and source digest, and options. */
  generator: unknown
}

/** Bare 64-hex key of a model's outputs: canonical JSON of the inputs, hashed (no ambiguous concatenation). */
export async function cacheKey(input: CacheKeyInput): Promise<string> {
  const digest = await hashBytes(canonicalJson({ schema: CACHE_KEY_SCHEMA, entrypoint: input.entrypoint, digest: input.digest, generator: input.generator ?? null }))
  return digest.slice(digest.indexOf(':') + 1)
}
