// Hand-written rather than write-file-atomic: that package does not fsync the folder after the rename,
// so a power cut can lose the rename even though the data was synced.
import { randomBytes } from 'node:crypto'
import { constants as fsConstants, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'

export interface AtomicWriteOptions {
  /** When false, fail with EEXIST instead of replacing an existing file (still atomic). Default true. */
  overwrite?: boolean
  /** File mode of a new file. Default 0o666 minus the umask; an existing file keeps its mode. */
  mode?: number
}

/** Same folder so rename() never crosses a file system; a leading dot keeps it out of globs. */
function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
}

/** Temp file in the same folder, fsync, rename, fsync the folder. Readers see the old or the new file, never a torn one. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file)
  const tmp = tempPathFor(file)
  let mode = options.mode
  if (mode === undefined) mode = await fs.stat(file).then((s) => s.mode & 0o7777, () => undefined)
  try {
    const handle = await fs.open(tmp, 'wx', mode ?? 0o666)
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (options.overwrite === false) {
      // link() fails if the target exists: an atomic "create only if absent".
      try {
        await fs.link(tmp, file)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err
        // No hard links here: an exclusive copy still never replaces an existing file.
        await fs.copyFile(tmp, file, fsConstants.COPYFILE_EXCL)
      }
      await fs.unlink(tmp)
    } else {
      await fs.rename(tmp, file)
    }
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => {})
    throw err
  }
  await syncDir(dir)
}

async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined
  try {
    handle = await fs.open(dir, 'r')
    await handle.sync()
  } catch {
    // Some file systems (and Windows) cannot fsync a folder; the rename itself is still atomic.
  } finally {
    await handle?.close().catch(() => {})
  }
}

/** A temp file this old is a leftover of a process killed between write and rename (a write takes microseconds). */
const STALE_TEMP_MS = 10 * 60 * 1000

/**
 * Best-effort synchronous replace for advisory caches (snapshots, stamps): temp file + rename, no fsync (a file torn
 * by a crash must be detectable or harmless to the reader). Removes stale temp files of `file` left by killed
 * writers. Returns false instead of throwing when the folder cannot take the write.
 */
export function replaceFileSync(file: string, data: string): boolean {
  let tmp: string | undefined
  try {
    sweepTempsSync(file)
    tmp = tempPathFor(file)
    writeFileSync(tmp, data, { flag: 'wx' })
    renameSync(tmp, file)
    tmp = undefined
    return true
  } catch {
    return false
  } finally {
    if (tmp) rmSync(tmp, { force: true })
  }
}

function sweepTempsSync(file: string): void {
  const dir = path.dirname(file)
  const prefix = `.${path.basename(file)}.`
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
    const abs = path.join(dir, name)
    try {
      if (Date.now() - statSync(abs).mtimeMs > STALE_TEMP_MS) rmSync(abs, { force: true })
    } catch {
      // Gone meanwhile, or not ours to remove: harmless either way.
    }
  }
}
