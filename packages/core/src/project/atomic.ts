// Hand-written rather than write-file-atomic: that package does not fsync the folder after the rename,
// so a power cut can lose the rename even though the data was synced.
import { randomBytes } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'

export interface AtomicWriteOptions {
  /** When false, fail with EEXIST instead of replacing an existing file (still atomic). Default true. */
  overwrite?: boolean
  /** File mode of a new file. Default 0o666 minus the umask; an existing file keeps its mode. */
  mode?: number
}

/** Temp file in the same folder, fsync, rename, fsync the folder. Readers see the old or the new file, never a torn one. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file)
  // Same folder so rename() never crosses a file system; a leading dot keeps it out of globs.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
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
