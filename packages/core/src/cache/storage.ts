// Telling a cache folder that cannot take writes (read-only, full, a file, no permission) from real failures,
// and saying why in words (docs/cache.md, "An unusable cache folder").
import { randomBytes } from 'node:crypto'
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'

const REASONS: Record<string, string> = {
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a path component is a file, not a folder',
  EEXIST: 'a file is in the way',
  EIO: 'an I/O error',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
}

/** Is `err` the file system refusing a write (not a bug, not a user's generator)? */
export function isStorageError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' && (code in REASONS || code === 'ENOENT') && typeof (err as { syscall?: unknown }).syscall === 'string'
}

/**
 * Why `dir` cannot take cache writes (`… is a file, not a folder`, `the file system is read-only (EROFS)`),
 * or undefined if a probe write succeeds. Probes rather than trusting the first error: a recursive mkdir
 * on a read-only mount reports ENOENT.
 */
export async function cacheFolderProblem(dir: string): Promise<string | undefined> {
  let existing = path.resolve(dir)
  for (;;) {
    const st = await stat(existing).catch(() => undefined)
    if (st) {
      if (!st.isDirectory()) return `${existing} is a file, not a folder`
      break
    }
    const parent = path.dirname(existing)
    if (parent === existing) break
    existing = parent
  }
  const probe = path.join(dir, `.probe.${process.pid}.${randomBytes(4).toString('hex')}`)
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(probe, 'x'.repeat(4096))
    await unlink(probe)
    return undefined
  } catch (err) {
    await unlink(probe).catch(() => {})
    // Recursive mkdir reports EROFS as ENOENT: ask the nearest existing folder directly.
    if ((err as { code?: string }).code === 'ENOENT') {
      const again = await writeFile(path.join(existing, path.basename(probe)), 'x').then(() => undefined, (e: NodeJS.ErrnoException) => e)
      await unlink(path.join(existing, path.basename(probe))).catch(() => {})
      if (again) return storageReason(again)
    }
    return storageReason(err)
  }
}

/** `the file system is read-only (EROFS)` */
export function storageReason(err: unknown): string {
  const code = (err as { code?: string })?.code ?? ''
  return REASONS[code] ? `${REASONS[code]} (${code})` : (err as Error)?.message ?? String(err)
}
