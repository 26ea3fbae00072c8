// Reading the files a registry names: regular files only, and never a wait without end. A FIFO, device or socket
// put where a data file was (or swapped in after the stat) is refused without blocking: it is opened
// non-blocking and checked with fstat before any read. Every read has a deadline, so a file that never answers
// (a hung network mount) fails the run with its name instead of hanging it.
import fs, { constants, type Stats } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { ModelopsError } from '../errors.js'
import { envDuration } from '../util/units.js'

/**
 * How long one read may take before the run gives up on the file. Generous: a read of one chunk from a slow disk
 * takes milliseconds. `MODELOPS_READ_TIMEOUT_MS` overrides it (tests, very slow mounts).
 */
export function readTimeoutMs(): number {
  return envDuration('MODELOPS_READ_TIMEOUT_MS', 120_000)
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. Regular files ignore the flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device'
  if (st.isSocket()) return 'a socket'
  if (st.isDirectory()) return 'a folder'
  return 'not a regular file'
}

/** Open `file` for reading if it is a regular file; else PATH_INVALID naming `shown` (project-relative). */
export async function openRegularFile(file: string, shown: string = file): Promise<FileHandle> {
  const fh = await open(file, OPEN_FLAGS)
  try {
    const st = await withDeadline(fh.stat(), shown)
    if (!st.isFile()) {
      throw new ModelopsError('PATH_INVALID', `${shown} is ${kindOf(st)}, not a regular file: it is not read`, {
        file: shown,
        hint: 'registered data and code must be regular files (or folders of them); replace it by a plain file or remove it from the registry',
      })
    }
    return fh
  } catch (err) {
    await fh.close().catch(() => {})
    throw err
  }
}

/** `op`, or READ_TIMEOUT naming `shown` once it has taken readTimeoutMs(). */
export function withDeadline<T>(op: Promise<T>, shown: string, ms: number = readTimeoutMs()): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new ModelopsError('READ_TIMEOUT', `reading ${shown} took longer than ${Math.round(ms / 1000)} s; gave up`, {
        file: shown,
        hint: 'the file does not answer (a hung network mount, a special file): check it can be read (e.g. with cat), or set MODELOPS_READ_TIMEOUT_MS for a very slow disk',
      }))
    }, ms)
    timer.unref()
  })
  op.catch(() => {})
  return Promise.race([op, deadline]).finally(() => clearTimeout(timer))
}

/** The whole of a regular file, each read under the deadline. For small files (Python sources). */
export async function readRegularFile(file: string, shown: string = file): Promise<Buffer> {
  const fh = await openRegularFile(file, shown)
  try {
    const chunks: Buffer[] = []
    for (;;) {
      const buf = Buffer.allocUnsafe(1 << 16)
      const { bytesRead } = await withDeadline(fh.read(buf, 0, buf.length, null), shown)
      if (bytesRead === 0) break
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead))
    }
    return Buffer.concat(chunks)
  } finally {
    await fh.close().catch(() => {})
  }
}

/** Errors that mean "this file is refused", which a worker thread reports by code only. */
export function isReadRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return code === 'PATH_INVALID' || code === 'READ_TIMEOUT'
}

/**
 * Synchronous whole read of a small bookkeeping file (registry.yaml, config.yaml) that refuses anything but a
 * regular file without blocking: errors with code `EISDIR` for a folder, `ENOTREGULAR` (message "is a FIFO …")
 * for the rest. `check(size)` runs before the read (size limits).
 */
export function readRegularFileSync(file: string, check?: (size: number) => void): Buffer {
  const fd = fs.openSync(file, OPEN_FLAGS)
  try {
    const st = fs.fstatSync(fd)
    if (st.isDirectory()) throw Object.assign(new Error('is a folder, not a file'), { code: 'EISDIR' })
    if (!st.isFile()) throw Object.assign(new Error(`is ${kindOf(st)}, not a regular file`), { code: 'ENOTREGULAR' })
    check?.(st.size)
    return fs.readFileSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}
