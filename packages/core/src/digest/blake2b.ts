// BLAKE2b-256 through hash-wasm (WASM, ~20x faster than pure JS). One hasher per in-flight
// computation: a streamed file awaits between chunks, so hashers must never be shared.
import { createRequire } from 'node:module'
import type { IHasher } from 'hash-wasm'

// hash-wasm's BLAKE2b-only build, required as CommonJS: its main entry bundles 30 algorithms, and importing it
// as ESM makes Node lex all 280 KB for named exports (measured: ~15 ms of every build's start-up, vs ~2 ms).
const { createBLAKE2b } = createRequire(import.meta.url)('hash-wasm/dist/blake2b.umd.min.js') as typeof import('hash-wasm')

const idle: IHasher[] = []

/** A fresh (initialised) BLAKE2b-256 hasher; give it back with releaseHasher. */
export async function acquireHasher(): Promise<IHasher> {
  const h = idle.pop() ?? (await createBLAKE2b(256))
  h.init()
  return h
}

export function releaseHasher(h: IHasher): void {
  // A handful is enough: each holds its own WASM memory.
  if (idle.length < 8) idle.push(h)
}

/** Lowercase hex BLAKE2b-256 (digest_size=32, no key/salt/person) of bytes or the UTF-8 encoding of a string. */
export async function blake2b256Hex(data: Uint8Array | string): Promise<string> {
  const h = await acquireHasher()
  try {
    h.update(data)
    return h.digest('hex')
  } finally {
    releaseHasher(h)
  }
}
