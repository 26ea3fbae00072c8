// BLAKE2b-256 on WebAssembly SIMD128, its module assembled here from the RFC 7693 round (no toolchain, no binary in
// the repository): the state's rows as pairs of 64-bit lanes, so each G step works two columns at once. ~1.3x
// hash-wasm's scalar build (200 MiB: 520 vs 650-815 ms of CPU, same run), the gain on a pull's critical thread.
// Where SIMD is missing (WebAssembly.validate fails) blake2b.ts keeps hash-wasm's build.

const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4], [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13], [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11], [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5], [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
]
const IV = [0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n, 0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n]
/** Parameter block word 0 of unkeyed BLAKE2b-256: digest length 32, fanout 1, depth 1. */
const PARAM0 = 0x01010020n
/** Memory layout: state h, counter (t0, t1), flags (f0, f1), IV, then the message buffer. */
const H = 0
const T = 64
const F = 80
const IV_AT = 96
const MSG = 256
/** Input is compressed in runs of this many bytes (one call into WASM per run). */
const BUF = 64 * 1024

const leb = (n: number): number[] => {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    out.push(b)
  } while (n)
  return out
}
const vec = (bytes: number[]): number[] => [...leb(bytes.length), ...bytes]
const section = (id: number, bytes: number[]): number[] => [id, ...vec(bytes)]
const name = (s: string): number[] => vec([...Buffer.from(s)])

/**
 * The module: memory (2 pages) and `c(ptr, n, inc)`, which compresses the n 128-byte blocks at ptr into h, adding
 * `inc` to t0 before each (the last block, of fewer bytes, is compressed alone with f0 set).
 */
function assemble(): Uint8Array {
  const code: number[] = []
  const emit = (...parts: number[][]) => {
    for (const p of parts) code.push(...p)
  }
  const get = (i: number) => [0x20, ...leb(i)]
  const set = (i: number) => [0x21, ...leb(i)]
  const i32 = (n: number) => [0x41, ...leb(n)] // n < 64: one byte, the same in signed LEB128
  const load = (off: number) => [0xfd, 0x00, 4, ...leb(off)]
  const store = (off: number) => [0xfd, 0x0b, 4, ...leb(off)]
  const shuffle = (lanes: number[]) => [0xfd, 0x0d, ...lanes]
  const xor = [0xfd, 0x51]
  const or = [0xfd, 0x50]
  const add = [0xfd, ...leb(206)] // i64x2.add
  const shl = [0xfd, ...leb(203)] // i64x2.shl
  const shrU = [0xfd, ...leb(205)] // i64x2.shr_u
  // Locals 0-2 are the parameters (ptr, n, inc); v128 locals follow.
  let locals = 3
  const local = () => locals++
  const A = [local(), local()]
  const B = [local(), local()]
  const C = [local(), local()]
  const D = [local(), local()]
  const M = Array.from({ length: 8 }, local)
  const X = local()
  const Y = local()
  // Lane 0 from a's lane ia, lane 1 from b's lane ib.
  const pick = (ia: number, ib: number) => [...Array.from({ length: 8 }, (_, k) => ia * 8 + k), ...Array.from({ length: 8 }, (_, k) => 16 + ib * 8 + k)]
  const rotBytes = (r: number) => Array.from({ length: 16 }, (_, i) => (i & 8) + (((i & 7) + r) % 8))
  const msg = (i: number, j: number, dst: number) => emit(get(M[i >> 1]!), get(M[j >> 1]!), shuffle(pick(i & 1, j & 1)), set(dst))
  const rotr = (v: number, r: number) => {
    if (r === 63) emit(get(v), i32(1), shl, get(v), i32(63), shrU, or, set(v))
    else emit(get(v), get(v), shuffle(rotBytes(r / 8)), set(v))
  }
  const G = (a: number, b: number, c: number, d: number) => {
    emit(get(a), get(b), add, get(X), add, set(a), get(d), get(a), xor, set(d))
    rotr(d, 32)
    emit(get(c), get(d), add, set(c), get(b), get(c), xor, set(b))
    rotr(b, 24)
    emit(get(a), get(b), add, get(Y), add, set(a), get(d), get(a), xor, set(d))
    rotr(d, 16)
    emit(get(c), get(d), add, set(c), get(b), get(c), xor, set(b))
    rotr(b, 63)
  }
  const pair = (p: number, q: number, ip: number, iq: number, dst: number) => emit(get(p), get(q), shuffle(pick(ip, iq)), set(dst))

  emit([0x02, 0x40], [0x03, 0x40]) // block, loop
  emit(get(1), [0x45], [0x0d, 1]) // n == 0: out
  emit(i32(0), i32(0), [0x29, 3, ...leb(T)], get(2), [0x7c], [0x37, 3, ...leb(T)]) // t0 += inc
  for (let k = 0; k < 8; k++) emit(get(0), load(16 * k), set(M[k]!))
  emit(i32(0), load(H), set(A[0]!), i32(0), load(H + 16), set(A[1]!), i32(0), load(H + 32), set(B[0]!), i32(0), load(H + 48), set(B[1]!))
  emit(i32(0), load(IV_AT), set(C[0]!), i32(0), load(IV_AT + 16), set(C[1]!))
  emit(i32(0), load(IV_AT + 32), i32(0), load(T), xor, set(D[0]!), i32(0), load(IV_AT + 48), i32(0), load(F), xor, set(D[1]!))
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10]!
    // Columns: (v0,v1)(v4,v5)(v8,v9)(v12,v13) and (v2,v3)(v6,v7)(v10,v11)(v14,v15).
    msg(s[0]!, s[2]!, X), msg(s[1]!, s[3]!, Y), G(A[0]!, B[0]!, C[0]!, D[0]!)
    msg(s[4]!, s[6]!, X), msg(s[5]!, s[7]!, Y), G(A[1]!, B[1]!, C[1]!, D[1]!)
    // Diagonals: B as (v5,v6)(v7,v4), C as (v10,v11)(v8,v9), D as (v15,v12)(v13,v14).
    const [b0, b1, d0, d1] = [local(), local(), local(), local()]
    pair(B[0]!, B[1]!, 1, 0, b0), pair(B[1]!, B[0]!, 1, 0, b1), pair(D[1]!, D[0]!, 1, 0, d0), pair(D[0]!, D[1]!, 1, 0, d1)
    msg(s[8]!, s[10]!, X), msg(s[9]!, s[11]!, Y), G(A[0]!, b0, C[1]!, d0)
    msg(s[12]!, s[14]!, X), msg(s[13]!, s[15]!, Y), G(A[1]!, b1, C[0]!, d1)
    pair(b1, b0, 1, 0, B[0]!), pair(b0, b1, 1, 0, B[1]!), pair(d0, d1, 1, 0, D[0]!), pair(d1, d0, 1, 0, D[1]!)
  }
  // h ^= v[0..7] ^ v[8..15]
  for (const [off, a, c] of [[H, A[0]!, C[0]!], [H + 16, A[1]!, C[1]!], [H + 32, B[0]!, D[0]!], [H + 48, B[1]!, D[1]!]] as const) {
    emit(i32(0), i32(0), load(off), get(a), xor, get(c), xor, store(off))
  }
  emit(get(0), [0x41, 0x80, 0x01], [0x6a], set(0), get(1), i32(1), [0x6b], set(1), [0x0c, 0], [0x0b, 0x0b]) // ptr += 128; n -= 1; again
  const body = [1, ...leb(locals - 3), 0x7b, ...code, 0x0b]
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7e, 0]), // (i32, i32, i64) -> ()
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 2]), // memory: 2 pages
    ...section(7, [2, ...name('c'), 0, 0, ...name('memory'), 2, 0]),
    ...section(10, [1, ...vec(body)]),
  ])
}

interface Exports {
  c(ptr: number, n: number, inc: bigint): void
  memory: { buffer: ArrayBuffer }
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

let compiled: object | null | undefined

/** The SIMD module, compiled once; null where this WebAssembly has no SIMD (then hash-wasm's build is used). */
export function simdModule(): object | null {
  if (compiled !== undefined) return compiled
  try {
    const bytes = assemble()
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null
  } catch {
    compiled = null
  }
  return compiled
}

/** One BLAKE2b-256 computation at a time (init, update…, digest), on its own instance and memory. */
export class SimdHasher {
  private readonly compress: Exports['c']
  private readonly u8: Uint8Array
  private readonly view: DataView
  /** Bytes waiting at MSG: the last block is always held back, since it must be compressed with f0 set. */
  private held = 0

  constructor(module: object) {
    const ex = new WebAssembly.Instance(module, {}).exports as Exports
    this.compress = ex.c
    this.u8 = new Uint8Array(ex.memory.buffer)
    this.view = new DataView(ex.memory.buffer)
    for (let i = 0; i < 8; i++) this.view.setBigUint64(IV_AT + 8 * i, IV[i]!, true)
    this.init()
  }

  init(): void {
    for (let i = 0; i < 8; i++) this.view.setBigUint64(H + 8 * i, IV[i]!, true)
    this.view.setBigUint64(H, IV[0]! ^ PARAM0, true)
    this.u8.fill(0, T, F + 16)
    this.held = 0
  }

  update(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    for (let at = 0; at < bytes.length; ) {
      if (this.held === BUF) {
        // Full: compress all but the last block, which stays (more input may follow it, or none).
        this.compress(MSG, BUF / 128 - 1, 128n)
        this.u8.copyWithin(MSG, MSG + BUF - 128, MSG + BUF)
        this.held = 128
      }
      const take = Math.min(BUF - this.held, bytes.length - at)
      this.u8.set(take === bytes.length ? bytes : bytes.subarray(at, at + take), MSG + this.held)
      this.held += take
      at += take
    }
  }

  digest(_format: 'hex' = 'hex'): string {
    const whole = this.held > 0 ? Math.ceil(this.held / 128) - 1 : 0
    if (whole > 0) {
      this.compress(MSG, whole, 128n)
      this.u8.copyWithin(MSG, MSG + whole * 128, MSG + this.held)
      this.held -= whole * 128
    }
    this.u8.fill(0, MSG + this.held, MSG + 128)
    this.view.setBigUint64(F, 0xffffffffffffffffn, true)
    this.compress(MSG, 1, BigInt(this.held))
    return Buffer.from(this.u8.subarray(H, H + 32)).toString('hex')
  }
}
