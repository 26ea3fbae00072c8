// The one table of digest algorithms (docs/digests.md, docs/interop.md): which digest a file gets, and how a digest
// recorded in a registry is checked. computeDigests (engine.ts), status (status.ts) and `mops-bundle hash` all ask here.
import { BYTES_ALGO } from './bytes.js'
import { TREE_ALGO } from './tree.js'

export type AlgorithmId = 'pysem1' | 'blake2b256' | 'tree1' | 'sha256' | 'r1-hex'

export interface Algorithm {
  id: AlgorithmId
  /** What it digests. */
  of: 'python-semantics' | 'bytes' | 'folder'
  /** Computed by this tool (a recorded one is compared with ours now); else recorded by the Python tool and checked as it would. */
  ours: boolean
  /** How a recorded digest of it looks. */
  pattern: RegExp
  note: string
}

export const ALGORITHMS: readonly Algorithm[] = [
  { id: 'pysem1', of: 'python-semantics', ours: true, pattern: /^pysem1:[0-9a-f]{64}$/, note: 'semantic digest of Python source (.py, .pyi): formatting and comments never change it' },
  { id: BYTES_ALGO, of: 'bytes', ours: true, pattern: /^blake2b256:[0-9a-f]{64}$/, note: 'BLAKE2b-256 of the bytes: data, and Python that does not parse' },
  { id: TREE_ALGO, of: 'folder', ours: true, pattern: /^tree1:[0-9a-f]{64}$/, note: 'a folder: sorted relative paths and per-file digests' },
  { id: 'sha256', of: 'bytes', ours: false, pattern: /^sha256:[0-9a-f]{64}$/, note: 'the Python tool (R2) and the registry fields it reads: SHA-256 of the bytes' },
  { id: 'r1-hex', of: 'bytes', ours: false, pattern: /^[0-9a-f]{64}$/, note: "R1's bare hex: SHA-256 of the bytes, or for .py a token hash (interpreter-dependent, not recomputed: 'outdated')" },
] as const

/** Python source, digested semantically wherever a file is digested as code. */
export function isPythonSource(path: string): boolean {
  return /\.pyi?$/.test(path)
}

/** The algorithm a file gets when digested as code (or as data: always bytes). */
export function fileAlgorithm(path: string, mode: 'code' | 'data'): 'pysem1' | 'blake2b256' {
  return mode === 'code' && isPythonSource(path) ? 'pysem1' : 'blake2b256'
}

/** The algorithm of a recorded digest, or undefined for one this tool does not know. */
export function algorithmOf(digest: string): Algorithm | undefined {
  return ALGORITHMS.find((a) => a.pattern.test(digest))
}
