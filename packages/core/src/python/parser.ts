// Loads web-tree-sitter and the pinned tree-sitter-python grammar once per process (per worker thread).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Parser } from 'web-tree-sitter'
import { vendoredFile } from '../vendored.js'
import { enableFastCursors, releaseTransfer } from './cursor.js'

/**
 * The grammar pysem1 is defined against. Grammar versions change trees (0.23.6 and 0.25.0 differ on
 * `except*`), so the exact wasm bytes are part of the digest's identity: a different wasm refuses to load
 * instead of silently changing every digest.
 */
export const GRAMMAR_VERSION = 'tree-sitter-python@0.25.0'
export const GRAMMAR_WASM_SHA256 = '16108b50df4ee9a30168794252ab55e7c93bfc5765d7fa0aa3e335752c515f47'

/** Absolute path of the grammar's .wasm (only the .wasm ships; the package's native binding is never loaded). */
export function grammarWasmPath(): string {
  return vendoredFile('tree-sitter-python.wasm', 'tree-sitter-python/tree-sitter-python.wasm')
}

/** sha256 hex of the installed grammar wasm. */
export function grammarWasmSha256(): string {
  return createHash('sha256').update(readFileSync(grammarWasmPath())).digest('hex')
}

let loading: Promise<Parser> | undefined

type Access = { setValue: (p: number, v: number, t?: string) => void; getValue: (p: number, t?: string) => number; HEAP32?: Int32Array }

/**
 * Every tree-cursor call marshals the cursor through Emscripten's generic setValue/getValue, which go
 * through a DataView so big-endian hosts work: about a third of the walk's time. On little-endian hosts an
 * aligned i32 is the same through HEAP32 (read per call: the view is replaced when memory grows). Every use of
 * the transfer buffer by web-tree-sitter starts with one of them, which lets the walk's cursor skip most (cursor.ts).
 */
function fastI32Access(module: Record<string, unknown>): void {
  const m = module as unknown as Access
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) return
  if (typeof m.setValue !== 'function' || typeof m.getValue !== 'function' || !(m.HEAP32 instanceof Int32Array)) return
  const set = m.setValue
  const get = m.getValue
  m.setValue = (p, v, t = 'i8') => {
    releaseTransfer()
    if (t === 'i32' && (p & 3) === 0) m.HEAP32![p >> 2] = v
    else set(p, v, t)
  }
  m.getValue = (p, t = 'i8') => {
    releaseTransfer()
    return t === 'i32' && (p & 3) === 0 ? m.HEAP32![p >> 2]! : get(p, t)
  }
  enableFastCursors(module)
}

/** The process-wide parser; the first call pays the WASM start-up (tens of ms), later calls are free. */
export function getParser(): Promise<Parser> {
  loading ??= (async () => {
    const wasm = readFileSync(grammarWasmPath())
    const sha = createHash('sha256').update(wasm).digest('hex')
    if (sha !== GRAMMAR_WASM_SHA256) {
      throw new Error(
        `tree-sitter-python grammar wasm has sha256 ${sha}, but pysem1 is pinned to ${GRAMMAR_VERSION} (${GRAMMAR_WASM_SHA256}). ` +
          'A different grammar would silently change semantic digests: reinstall the pinned version, or define a new pysem version.',
      )
    }
    // Loaded on first use: a warm build whose Python files all hit the stat cache never needs the parser.
    const { Language, Parser } = await import('web-tree-sitter')
    const mod: Record<string, unknown> = {}
    await Parser.init(mod)
    fastI32Access(mod)
    const language = await Language.load(wasm)
    const parser = new Parser()
    parser.setLanguage(language)
    return parser
  })()
  // A failed load (e.g. a wrong wasm) must not poison later calls forever in long-lived processes.
  loading.catch(() => { loading = undefined })
  return loading
}
