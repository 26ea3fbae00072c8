// BLAKE2b-256 in WASM (~20x faster than pure JS; @noble/hashes is the reference in the differential tests).
// One hasher per in-flight computation: a streamed file awaits between chunks, so hashers must never be shared.
//
// Hashers run on our SIMD128 module (blake2b-simd.ts, ~1.3x faster) wherever WebAssembly has SIMD; otherwise on
// the scalar build below. The scalar WASM is hash-wasm's BLAKE2b build (version pinned in package.json; only that build ships, copied into dist/). We compile it ourselves, synchronously:
// hash-wasm's own loader decodes base64 and steps through promise chains in cold JavaScript, ~6 ms before the
// first digest of every build (measured), against ~2 ms here. If the build ever stops looking as expected, we use
// hash-wasm's loader instead, so a dependency change can cost time but never a digest.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { vendoredFile } from '../vendored.js'
import { SimdHasher, simdModule } from './blake2b-simd.js'

/** What callers use of a hasher (a subset of hash-wasm's IHasher, which the fallback returns). */
export interface Blake2bHasher {
  init(): void
  update(data: Uint8Array | string): void
  digest(format: 'hex'): string
}

const require = createRequire(import.meta.url)
/** hash-wasm's BLAKE2b-only build (UMD, CommonJS when required: `.cjs` in dist/). */
const BUILD = vendoredFile('hash-wasm-blake2b.cjs', 'hash-wasm/dist/blake2b.umd.min.js')
/** hash-wasm's scratch buffer size (its MAX_HEAP): input goes through it in pieces of this size. */
const CHUNK = 16 * 1024
const BITS = 256

// The few WebAssembly types used here (this package's TypeScript libs have no WebAssembly declarations).
interface WasmModule { readonly __wasmModule?: never }
interface WasmApi {
  Module: { new (bytes: Uint8Array): WasmModule; exports(module: WasmModule): Array<{ name: string }> }
  Instance: new (module: WasmModule, imports: object) => { exports: unknown }
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

interface Exports {
  memory: { buffer: ArrayBuffer }
  Hash_GetBuffer(): number
  Hash_Init(bits: number): void
  Hash_Update(length: number): void
  Hash_Final(): void
}

let wasmModule: WasmModule | null | undefined

/** hash-wasm's BLAKE2b module, compiled once; null when its build cannot be read as expected. */
export function blake2bModule(): WasmModule | null {
  if (wasmModule !== undefined) return wasmModule
  try {
    const source = readFileSync(BUILD, 'utf8')
    const m = /name:"blake2b",data:"([A-Za-z0-9+/]+={0,2})"/.exec(source)
    wasmModule = m ? new WebAssembly.Module(Buffer.from(m[1]!, 'base64')) : null
    const exports = wasmModule ? WebAssembly.Module.exports(wasmModule).map((e) => e.name) : []
    if (!['memory', 'Hash_GetBuffer', 'Hash_Init', 'Hash_Update', 'Hash_Final'].every((n) => exports.includes(n))) wasmModule = null
  } catch {
    wasmModule = null
  }
  return wasmModule
}

class WasmHasher implements Blake2bHasher {
  private readonly ex: Exports
  private view: Uint8Array

  constructor(module: WasmModule) {
    this.ex = new WebAssembly.Instance(module, {}).exports as unknown as Exports
    this.view = this.buffer()
    this.init()
  }

  private buffer(): Uint8Array {
    return new Uint8Array(this.ex.memory.buffer, this.ex.Hash_GetBuffer(), CHUNK)
  }

  init(): void {
    this.ex.Hash_Init(BITS)
  }

  update(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    // A grown memory detaches old views.
    if (this.view.byteLength === 0) this.view = this.buffer()
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const piece = bytes.subarray(at, at + CHUNK)
      this.view.set(piece)
      this.ex.Hash_Update(piece.length)
    }
  }

  digest(): string {
    this.ex.Hash_Final()
    if (this.view.byteLength === 0) this.view = this.buffer()
    return Buffer.from(this.view.buffer, this.view.byteOffset, BITS / 8).toString('hex')
  }
}

const idle: Blake2bHasher[] = []

/** A fresh (initialised) BLAKE2b-256 hasher; give it back with releaseHasher. */
export async function acquireHasher(): Promise<Blake2bHasher> {
  let h = idle.pop()
  if (!h) {
    const simd = simdModule()
    h = simd ? new SimdHasher(simd) : await scalarHasher()
  }
  h.init()
  return h
}

/** A hasher on hash-wasm's scalar build (our loader, else hash-wasm's): where WebAssembly has no SIMD; tests. */
export async function scalarHasher(): Promise<Blake2bHasher> {
  const module = blake2bModule()
  return module ? new WasmHasher(module) : await (require(BUILD) as typeof import('hash-wasm')).createBLAKE2b(BITS)
}

export function releaseHasher(h: Blake2bHasher): void {
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

/**
 * Which implementation hashes (tests, diagnostics): 'simd' (blake2b-simd.ts), else 'wasm' (ours over hash-wasm's
 * module) or 'hash-wasm'.
 */
export function blake2bBackend(): 'simd' | 'wasm' | 'hash-wasm' {
  return simdModule() ? 'simd' : blake2bModule() ? 'wasm' : 'hash-wasm'
}
