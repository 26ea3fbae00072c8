// The reference composite layout (reference-spec §2.5), and our two digests built on it:
// composite1 (one model or target) and bundle1 (all of them). docs/digests.md has the byte-level definition.
import type { Component } from './types.js'
import { blake2b256Hex } from './blake2b.js'
import { compareCodePoints } from './canonical.js'

export const COMPOSITE_ALGO = 'composite1'
export const BUNDLE_ALGO = 'bundle1'

interface Triple {
  kind: string
  path: string
  digest: string
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const encoder = new TextEncoder()
// String#isWellFormed (Node 20+) is the same test, native; the regex where a runtime lacks it.
const wellFormed: (s: string) => boolean = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
  ? (s) => (s as string & { isWellFormed(): boolean }).isWellFormed()
  : (s) => !LONE_SURROGATE.test(s)

function utf8(s: string): Uint8Array {
  // TextEncoder would silently write U+FFFD; Python's encode('utf-8') raises.
  if (!wellFormed(s)) throw new TypeError(`composite digest: ${JSON.stringify(s)} is not valid Unicode`)
  return encoder.encode(s)
}

/** Python tuple order over (kind, path, digest), each compared by code point. */
export function compareComponents(a: Triple, b: Triple): number {
  return compareCodePoints(a.kind, b.kind) || compareCodePoints(a.path, b.path) || compareCodePoints(a.digest, b.digest)
}

/** The exact reference pre-image (§2.5): `\0ENV\0env\0` then `\0kind\0path\0digest\0` per component, code-point sorted. */
export function compositePreimage(components: ReadonlyArray<{ kind: string; path: string; digest: string }>, env: string): Uint8Array {
  // One string, one encode: every field is NUL-delimited, so a surrogate lone in a field is lone in the whole
  // (and none can pair across fields), and the bytes are those of encoding field by field.
  let text = `\0ENV\0${env}\0`
  for (const c of [...components].sort(compareComponents)) text += `\0${c.kind}\0${c.path}\0${c.digest}\0`
  return utf8(text)
}

export async function compositeDigestHex(components: ReadonlyArray<{ kind: string; path: string; digest: string }>, env: string): Promise<string> {
  return blake2b256Hex(compositePreimage(components, env))
}

// The layout splits unambiguously on NUL only if no field contains one: refuse it in our own digests.
function checkFields(components: ReadonlyArray<Triple>, env: string): void {
  const check = (s: string) => {
    if (s.includes('\0')) throw new TypeError(`composite digest: field ${JSON.stringify(s)} contains NUL`)
  }
  check(env)
  for (const c of components) {
    check(c.kind)
    check(c.path)
    check(c.digest)
  }
}

const ENTITY_KINDS = new Set(['MODEL_CODE', 'DATA', 'CODE_DEP', 'TARGET_CODE', 'TARGET_DATA'])

/** `composite1:<hex>` of one model or target; `envDigest` is the full `env1:<hex>` string. */
export async function compositeDigest(components: ReadonlyArray<Component>, envDigest: string): Promise<string> {
  for (const c of components) {
    if (!ENTITY_KINDS.has(c.kind)) throw new TypeError(`composite digest: unknown component kind ${JSON.stringify(c.kind)}`)
  }
  checkFields(components, envDigest)
  return `${COMPOSITE_ALGO}:${await compositeDigestHex(components, envDigest)}`
}

/**
 * `bundle1:<hex>`: the same layout over ("MODEL", id, composite1) and ("TARGET", id, composite1) with the
 * environment digest as env. The kinds MODEL/TARGET never occur in a composite1 pre-image, so the two cannot collide.
 */
export async function bundleDigest(
  entities: { models: Record<string, { digest: string }>; targets: Record<string, { digest: string }> },
  envDigest: string,
): Promise<string> {
  const components: Triple[] = [
    ...Object.entries(entities.models).map(([id, m]) => ({ kind: 'MODEL', path: id, digest: m.digest })),
    ...Object.entries(entities.targets).map(([id, t]) => ({ kind: 'TARGET', path: id, digest: t.digest })),
  ]
  checkFields(components, envDigest)
  return `${BUNDLE_ALGO}:${await compositeDigestHex(components, envDigest)}`
}
