// OWNER: python helper.
import type { Warning } from '../errors.js'
import { notImplemented } from '../stub.js'

export interface SemanticResult {
  /** `pysem1:<hex>`, or `blake2b256:<hex>` on fallback. */
  digest: string
  kind: 'semantic' | 'bytes'
  /** Set when falling back to bytes: names the file and the line of the first parse error. */
  warning?: Warning
}

/** Semantic digest of Python source; falls back to the byte digest (with a warning) and never throws for bad input. */
export async function semanticDigest(source: Uint8Array, file: string): Promise<SemanticResult> { return notImplemented('semanticDigest') }
