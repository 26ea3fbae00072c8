// A folder of output files as the store sees it: written from streams (another tier's bytes) with each file hashed
// on the way in, then indexed (paths, sizes, BLAKE2b) and compared with an index from elsewhere. Used by the local
// store's staging folders and by a pull into a plain folder when the cache cannot take it.
import { createWriteStream } from 'node:fs'
import { mkdir, open, readdir, stat, type FileHandle } from 'node:fs/promises'
import { Transform, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import path from 'node:path'
import { BYTES_ALGO, hashFileWithSha256 } from '../digest/bytes.js'
import { acquireHasher, releaseHasher } from '../digest/blake2b.js'
import { WriteCursor } from '../digest/follow.js'
import { sharedHashPool, sharedPoolIsRunning } from '../digest/pool.js'
import { ModelopsError } from '../errors.js'
import { outputNameProblem } from '../project/names.js'
import { wallNs, type Stamps } from './stamps.js'
import type { ByteStream, CacheFile } from './types.js'

export const SHA256_RE = /^sha256:[0-9a-f]{64}$/
/** Bytes a written file buffers before the network is paused. */
const WRITE_BUFFER = 4 * 1024 * 1024
/**
 * Files from this size on are hashed by a hash-pool worker behind the writer (writeFollowed) when the pool runs; from
 * FOLLOW_COLD_BYTES on even if a worker must start first. A worker start costs ~100 ms of CPU (measured: 97-99 ms),
 * what in-thread BLAKE2b does with ~40 MiB, so a smaller file is hashed faster here than by a worker still starting.
 */
const FOLLOW_MIN_BYTES = 16 * 1024 * 1024
const FOLLOW_COLD_BYTES = 64 * 1024 * 1024

/** A file `Staging.write` put into staging, with the digest of the bytes it wrote and the file's size and mtime after. */
export interface Written {
  bytes: number
  mtimeNs: bigint
  digest: string
  sha256?: string
}

/** Writes files into `dir` from streams, hashing each as it goes; `written` is what `indexFolder` may trust. */
export class FolderWriter {
  /** Files written, hashed on the way in (keyed by POSIX path). */
  readonly written = new Map<string, Written>()

  /** `what`: the folder in messages (`cache entry 3fa9c1d2e4b5`). */
  constructor(
    readonly dir: string,
    private readonly what: string,
  ) {}

  /**
   * Write `rel` (POSIX, relative to the folder) from a stream; refuses a path that would leave the folder with a
   * ModelopsError 'CACHE'. `sha256`: the digest the stream is known to have (it errors otherwise), recorded.
   * `bytes`: the size the stream is expected to have (a large file's BLAKE2b then runs on a worker: writeFollowed).
   */
  async write(rel: string, data: ByteStream, writeOptions: { signal?: AbortSignal; sha256?: string; bytes?: number } = {}): Promise<void> {
    const abs = safeJoin(this.dir, rel)
    if (!abs) throw new ModelopsError('CACHE', `${this.what} names an unsafe path ${JSON.stringify(rel)}`)
    await mkdir(path.dirname(abs), { recursive: true })
    const sha256 = writeOptions.sha256 && SHA256_RE.test(writeOptions.sha256) ? writeOptions.sha256 : undefined
    const size = writeOptions.bytes ?? 0
    const follow = size >= FOLLOW_COLD_BYTES || (size >= FOLLOW_MIN_BYTES && sharedPoolIsRunning())
    const hashed = follow ? await writeFollowed(abs, data, writeOptions.signal) : await writeHashed(abs, data, writeOptions.signal)
    if (!hashed) return
    const st = await stat(abs, { bigint: true })
    if (Number(st.size) === hashed.bytes) this.written.set(rel, { bytes: hashed.bytes, mtimeNs: st.mtimeNs, digest: `${BYTES_ALGO}:${hashed.hex}`, ...(sha256 ? { sha256 } : {}) })
  }
}

/**
 * Write `abs` from a stream, BLAKE2b computed on this thread as the bytes go to disk (while the next ones are still on
 * the network), so the commit need not read the file again: it takes this digest if the file's size and mtime are
 * those it had when written.
 */
async function writeHashed(abs: string, data: ByteStream, signal?: AbortSignal): Promise<{ bytes: number; hex: string }> {
  const h = await acquireHasher()
  let bytes = 0
  try {
    // Synchronous stages joined by pipe (no async generator hop per chunk), and a write buffer large enough that
    // chunks arriving during a write go out together (writev) instead of pausing the network.
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        h.update(chunk)
        bytes += chunk.byteLength
        callback(null, chunk)
      },
    })
    // 'wx': two index rows naming one file must not silently overwrite each other.
    await pipeline(data, tap, createWriteStream(abs, { flags: 'wx', highWaterMark: WRITE_BUFFER }), { signal })
    return { bytes, hex: h.digest('hex') }
  } finally {
    releaseHasher(h)
  }
}

/**
 * Write `abs` from a stream while a hash-pool worker hashes BLAKE2b behind the writer (follow.ts): this thread only
 * receives and writes (and the sha256 check of a remote blob), so the two hashes run on two cores. Returns undefined
 * when the worker could not hash it (no workers, a read error): the commit then hashes the file itself.
 */
async function writeFollowed(abs: string, data: ByteStream, signal?: AbortSignal): Promise<{ bytes: number; hex: string } | undefined> {
  const fh = await open(abs, 'wx')
  const cursor = new WriteCursor()
  const hashing = sharedHashPool().hashFollowing(abs, cursor).then((hex) => hex, () => undefined)
  const sink = new CursorWriter(fh, cursor)
  try {
    await pipeline(data, sink, { signal })
    cursor.finish()
  } catch (err) {
    cursor.fail()
    await hashing
    throw err
  } finally {
    await fh.close()
  }
  const hex = await hashing
  return hex === undefined ? undefined : { bytes: sink.bytes, hex }
}

/** A file written from a stream (writev of what has queued), each write published to the cursor once it is on disk. */
class CursorWriter extends Writable {
  bytes = 0

  constructor(
    private readonly fh: FileHandle,
    private readonly cursor: WriteCursor,
  ) {
    super({ highWaterMark: WRITE_BUFFER })
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.put([chunk]).then(() => callback(), callback)
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    this.put(chunks.map((c) => c.chunk)).then(() => callback(), callback)
  }

  private async put(bufs: Buffer[]): Promise<void> {
    let left = bufs.reduce((n, b) => n + b.byteLength, 0)
    const n = left
    while (left > 0) {
      const { bytesWritten } = await this.fh.writev(bufs)
      left -= bytesWritten
      if (left > 0) bufs = rest(bufs, bytesWritten)
    }
    this.bytes += n
    this.cursor.advance(n)
  }
}

/** `bufs` less their first `skip` bytes (after a short write). */
function rest(bufs: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = []
  for (const b of bufs) {
    if (skip >= b.byteLength) skip -= b.byteLength
    else {
      out.push(skip > 0 ? b.subarray(skip) : b)
      skip = 0
    }
  }
  return out
}

/**
 * Every regular file under `root`, sorted by POSIX path; symlinks and other special files are refused.
 * With `stamps`, records the stamp of each file that did not change while hashed and is not racy (rare at commit:
 * a generator's files are usually seconds old, so their first warm lookup hashes and stamps them).
 */
export async function indexFolder(root: string, stamps?: Stamps, who = 'the generator', written?: ReadonlyMap<string, Written>): Promise<CacheFile[]> {
  // Names first, bytes after: a folder with one unpublishable name is refused before anything is hashed or
  // committed, with every such name in one message (names come as bytes: invalid UTF-8 is seen as such).
  const found: string[] = []
  const unsafe: string[] = []
  const walk = async (rel: string) => {
    const dirents = await readdir(path.join(root, rel), { withFileTypes: true, encoding: 'buffer' })
    for (const d of dirents) {
      const raw = d.name as unknown as Buffer
      const name = raw.toString('utf8')
      const childRel = rel ? `${rel}/${name}` : name
      const problem = Buffer.from(name, 'utf8').equals(raw) ? outputNameProblem(childRel) : 'is not valid UTF-8'
      if (problem) unsafe.push(`${JSON.stringify(childRel)} ${problem}`)
      else if (d.isDirectory()) await walk(childRel)
      else if (d.isFile()) found.push(childRel)
      else {
        throw new ModelopsError('GENERATOR_FAILED', `${who} wrote ${childRel}, which is not a regular file`, {
          hint: 'Write plain files into MODELOPS_OUT_DIR (no symlinks, sockets or pipes).',
        })
      }
    }
  }
  await walk('')
  if (unsafe.length > 0) {
    throw new ModelopsError('GENERATOR_FAILED', `${who} wrote ${unsafe.length === 1 ? 'a file name' : `${unsafe.length} file names`} that cannot be published: ${unsafe.sort().join('; ')}. Nothing was cached`, {
      hint: 'Output names become paths in the build and URLs: no backslashes, control characters (newline, NUL, tab), invalid UTF-8, or names ending in a dot or a space. Rename them in the generator.',
    })
  }
  const files: CacheFile[] = []
  for (const rel of found) {
    const abs = path.join(root, ...rel.split('/'))
    const statNs = wallNs()
    const st = await stat(abs, { bigint: true })
    const w = written?.get(rel)
    if (w && Number(st.size) === w.bytes && st.mtimeNs === w.mtimeNs) {
      files.push({ path: rel, bytes: w.bytes, digest: w.digest, ...(w.sha256 ? { sha256: w.sha256 } : {}) })
      continue
    }
    const { digest, sha256 } = await hashFileWithSha256(abs)
    files.push({ path: rel, bytes: Number(st.size), digest, sha256 })
    stamps?.recordHashed(abs, st, digest, statNs)
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** How `actual` (as indexed) differs from `expected` (an index from elsewhere), or undefined when equal. */
function indexMismatch(actual: readonly CacheFile[], expected: readonly CacheFile[]): string | undefined {
  const want = new Map(expected.map((f) => [f.path, f]))
  for (const f of actual) {
    const w = want.get(f.path)
    if (!w) return `${JSON.stringify(f.path)} is not in the index`
    if (w.bytes !== f.bytes) return `${f.path} has ${f.bytes} bytes, index says ${w.bytes}`
    if (w.digest !== f.digest) return `${f.path} has digest ${f.digest}, index says ${w.digest}`
    want.delete(f.path)
  }
  const [missing] = want.keys()
  return missing === undefined ? undefined : `${missing} is missing`
}

/** Throw a ModelopsError 'CACHE' saying how `files` (as indexed) differ from `expected` (another tier's claim). */
export function checkAgainstIndex(what: string, files: readonly CacheFile[], expected: readonly CacheFile[]): void {
  const problem = indexMismatch(files, expected)
  if (problem) throw new ModelopsError('CACHE', `${what} does not match the index it came with: ${problem}`)
}

/** `rel` (POSIX) joined under `root`, or undefined when it would not stay there (`..`, absolute, backslash, NUL). */
export function safeJoin(root: string, rel: string): string | undefined {
  if (typeof rel !== 'string' || rel === '' || rel.includes('\0') || rel.includes('\\') || rel.startsWith('/')) return undefined
  if (rel.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) return undefined
  return path.join(root, ...rel.split('/'))
}

