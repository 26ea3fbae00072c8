// The semantic digest `pysem1:<hex>`: BLAKE2b-256 of a versioned header plus the canonical token stream
// of the tree-sitter tree (normalize.ts). Files the parser cannot read cleanly fall back to the byte digest.
import { readFile, stat } from 'node:fs/promises'
import type { Parser, Tree } from 'web-tree-sitter'
import { acquireHasher, releaseHasher } from '../digest/blake2b.js'
import { hashBytes } from '../digest/bytes.js'
import type { Warning } from '../errors.js'
import { blankCommentLines } from './blank.js'
import { BlankedInsideString, serializeTree, type TokenSink } from './normalize.js'
import { GRAMMAR_VERSION, GRAMMAR_WASM_SHA256, getParser } from './parser.js'
import { parseUntilError, screenSource } from './screen.js'
import { fstringSpecPatches, PythonSyntaxError, sourceEncoding } from './syntax.js'

export const PYSEM_ALGO = 'pysem1'
/**
 * Everything that defines pysem1 goes into the hashed bytes: the normalisation version and the exact
 * grammar (version + wasm hash). Changing any of them is a new algorithm id, never a silent change.
 */
export const PYSEM_HEADER = `${PYSEM_ALGO}\nnormalisation 1\n${GRAMMAR_VERSION}\nsha256:${GRAMMAR_WASM_SHA256}\n`

/** What semanticDigest returns: the digest, whether it is semantic or the byte fallback, and why it fell back. */
export interface SemanticResult {
  /** `pysem1:<hex>`, or `blake2b256:<hex>` on fallback. */
  digest: string
  kind: 'semantic' | 'bytes'
  /** Set when falling back to bytes: names the file and the line of the first parse error. */
  warning?: Warning
}

export const SEMANTIC_FALLBACK = 'SEMANTIC_FALLBACK'

type Canonical = { ok: true; tokens: string[] } | { ok: false; line: number; reason: string }
type Failure = { ok: false; line: number; reason: string }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Source text as Python reads it (PEP 263 coding cookie or UTF-8, BOM dropped, universal newlines), or why it cannot be. */
export function decodeSource(source: Uint8Array): { ok: true; text: string } | { ok: false; line: number; reason: string } {
  const enc = sourceEncoding(source)
  let text: string
  if (enc.kind === 'unsupported') return { ok: false, line: enc.line, reason: enc.reason }
  if (enc.kind === 'latin-1' || enc.kind === 'ascii') {
    const bad = enc.kind === 'ascii' ? source.findIndex((b) => b > 0x7f) : -1
    if (bad >= 0) return { ok: false, line: lineOfByte(source, bad), reason: 'is not valid ASCII, the encoding its coding cookie declares' }
    const parts: string[] = []
    for (let i = 0; i < source.length; i += 8192) parts.push(String.fromCharCode(...source.subarray(i, i + 8192)))
    text = parts.join('')
  } else {
    try {
      text = utf8.decode(source)
    } catch {
      let line = 1
      // Line of the first invalid byte: decode prefixes line by line until one fails.
      let start = 0
      for (let i = 0; i <= source.length; i++) {
        if (i === source.length || source[i] === 10) {
          try { utf8.decode(source.subarray(start, i)) } catch { break }
          line++
          start = i + 1
        }
      }
      return { ok: false, line, reason: 'is not valid UTF-8' }
    }
  }
  const nul = text.indexOf('\0')
  if (nul >= 0) return { ok: false, line: lineOf(text, nul), reason: 'contains a NUL byte (Python refuses such source)' }
  return { ok: true, text: text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text }
}

function lineOfByte(source: Uint8Array, index: number): number {
  let line = 1
  for (let i = 0; i < index; i++) if (source[i] === 10) line++
  return line
}

function lineOf(text: string, index: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++
  return line
}

/** 1-based line of the first ERROR or MISSING node. */
function firstErrorLine(tree: Tree): number {
  let node = tree.rootNode
  for (;;) {
    let next = null
    for (const ch of node.children) {
      if (!ch) continue
      if (ch.isError || ch.isMissing) return ch.startPosition.row + 1
      if (ch.hasError) { next = ch; break }
    }
    if (!next) return node.startPosition.row + 1
    node = next
  }
}

/**
 * The canonical tokens of `text`, collected (no sink) or streamed to `sink`. With a sink, `restart` is called
 * before a second attempt (comment blanking undone), which must discard what the sink got so far.
 */
function parseAndSerialize(parser: Parser, text: string, blank: boolean, sink?: TokenSink, restart?: () => void): Canonical {
  const b = blank ? blankCommentLines(text) : { text, rows: [] as number[] }
  // Stopped at the first syntax error (screen.ts): recovering from it can take minutes on garbage.
  let parsed = parseUntilError(parser, b.text)
  if (b.text.includes(':=')) {
    // f"{y:=10}" is y with the format spec "=10" in Python; tree-sitter reads a walrus (or fails). The
    // parsed text gets a space for that "=" (same offsets); the tokens are read from the real text.
    const patched = fstringSpecPatches(parser, b.text, 'tree' in parsed ? parsed.tree : null)
    if (patched) {
      if ('tree' in parsed) parsed.tree.delete()
      parsed = patched
    }
  }
  if (!('tree' in parsed)) {
    if (b.rows.length === 0) return { ok: false, line: parsed.errorLine, reason: 'has a syntax error tree-sitter cannot parse' }
    restart?.()
    return parseAndSerialize(parser, text, false, sink, restart)
  }
  const { tree } = parsed
  try {
    if (tree.rootNode.hasError) {
      // Blanking never creates an error in valid code, but be sure before blaming the file.
      if (b.rows.length === 0) return { ok: false, line: firstErrorLine(tree), reason: 'has a syntax error tree-sitter cannot parse' }
    } else return { ok: true, tokens: serializeTree(tree, b.text, b.rows, sink) }
  } catch (err) {
    if (err instanceof PythonSyntaxError) return { ok: false, line: lineOf(b.text, err.index), reason: `has a syntax error: ${err.message}` }
    if (!(err instanceof BlankedInsideString)) throw err
  } finally {
    tree.delete()
  }
  restart?.()
  return parseAndSerialize(parser, text, false, sink, restart)
}

/** pysem1 hex of `text`, the tokens streamed into BLAKE2b (a big file never becomes one huge string). */
async function semanticHex(parser: Parser, text: string): Promise<{ ok: true; hex: string } | Failure> {
  const h = await acquireHasher()
  try {
    let first = true
    const restart = () => {
      h.init()
      h.update(PYSEM_HEADER)
      first = true
    }
    restart()
    const sink = (tokens: string[]) => {
      h.update(first ? tokens.join('\n') : '\n' + tokens.join('\n'))
      first = false
    }
    const r = parseAndSerialize(parser, text, true, sink, restart)
    return r.ok ? { ok: true, hex: h.digest('hex') } : r
  } finally {
    releaseHasher(h)
  }
}

/** The canonical pysem1 token stream of Python source text (for tests and docs); null when it does not parse cleanly. */
export async function semanticTokens(text: string): Promise<string[] | null> {
  const r = parseAndSerialize(await getParser(), text, true)
  return r.ok ? r.tokens : null
}

/** Same as semanticDigest, with an already loaded parser (what the parse worker runs). */
export async function semanticDigestWith(parser: Parser, source: Uint8Array, file: string): Promise<SemanticResult> {
  const decoded = decodeSource(source)
  let canon: { ok: true; hex: string } | Failure
  const screened = decoded.ok ? screenSource(decoded.text) : undefined
  if (!decoded.ok) canon = decoded
  else if (screened) canon = { ok: false, ...screened }
  else {
    try {
      canon = await semanticHex(parser, decoded.text)
    } catch (err) {
      // Never crash on input: anything unexpected in the walk is reported like a parse failure.
      canon = { ok: false, line: 1, reason: `could not be normalised (${(err as Error).message})` }
    }
  }
  if (!canon.ok) {
    return {
      digest: await hashBytes(source),
      kind: 'bytes',
      warning: {
        code: SEMANTIC_FALLBACK,
        // The location lives in file/line: every printer formats `file:line: message`.
        message: `${canon.reason}; using its byte digest instead of the semantic digest`,
        file,
        line: canon.line,
      },
    }
  }
  return { digest: `${PYSEM_ALGO}:${canon.hex}`, kind: 'semantic' }
}

/** Semantic digest of Python source; falls back to the byte digest (with a warning) and never throws for bad input. */
export async function semanticDigest(source: Uint8Array, file: string): Promise<SemanticResult> {
  return semanticDigestWith(await getParser(), source, file)
}

export interface SemanticFileResult extends SemanticResult {
  /** The path as given. */
  path: string
}

export interface SemanticManyOptions {
  /**
   * Worker threads; default min(2, available parallelism) when the files' bytes repay starting the pool
   * (parsePoolPaysOff in pool.ts: the one rule every pool follows), else 0 (this thread).
   */
  workers?: number
  /** Called with a file's index in `files` when its digest is done (progress). */
  onFileDone?: (index: number) => void
  /** The files' sizes in bytes, when the caller has them: the pool then sends the largest first. */
  sizes?: readonly number[]
}

/** Semantic digests of many files (paths absolute or cwd-relative), in input order, spread over worker threads. */
export async function semanticDigestMany(files: string[], options: SemanticManyOptions = {}): Promise<SemanticFileResult[]> {
  const { defaultWorkers, parsePoolPaysOff, runInPool } = await import('./pool.js')
  let workers = options.workers
  let sizes = options.sizes
  if (workers === undefined) {
    // A file that cannot be stat'ed counts as empty here; reading it below reports it.
    sizes ??= files.length < 2 ? [] : await Promise.all(files.map((f) => stat(f).then((s) => s.size, () => 0)))
    workers = parsePoolPaysOff(sizes) ? defaultWorkers() : 0
  }
  if (workers <= 0) {
    const out: SemanticFileResult[] = []
    for (const path of files) {
      out.push({ path, ...(await semanticDigest(await readFile(path), path)) })
      options.onFileDone?.(out.length - 1)
    }
    return out
  }
  return runInPool(files, workers, options.onFileDone, sizes)
}
