// Moving entries between the output store's tiers: a remote entry into the local store (verified on the way), a local
// entry out to the remote. Only the local tier touches the disk; the remote sees keys, indexes and streams.
import type { OutputHold } from '../cache/hold.js'
import { checkAgainstIndex, FolderWriter } from '../cache/folder-files.js'
import { folderEntry } from '../cache/local-store.js'
import type { CacheEntry, CacheEntryMeta, OutputStore, RemoteEntry } from '../cache/types.js'

/**
 * Commit a remote entry into the local store through staging -> rename, and return the local entry. Every file is
 * streamed into staging and the folder hashed at commit (`expect`: sizes and BLAKE2b digests must equal the remote's
 * index, no file more or less), so nothing unverified is ever committed or served. Throws on any mismatch or
 * transport error, leaving nothing behind. Call it under the key's lock.
 */
export async function pullEntry(local: OutputStore, remote: RemoteEntry, meta: CacheEntryMeta, options: { hold?: OutputHold; signal?: AbortSignal } = {}): Promise<CacheEntry> {
  const staging = await local.stage(remote.key)
  try {
    for (const file of remote.files) await staging.write(file.path, await remote.open(file.path, { signal: options.signal }), { signal: options.signal, sha256: file.sha256, bytes: file.bytes })
    return await staging.commit(meta, { hold: options.hold, expect: remote.files })
  } finally {
    // After a commit the staging folder is gone (renamed): discard is a no-op then.
    await staging.discard()
  }
}

/**
 * Stream a remote entry into `dir`, a folder outside any store (the local cache cannot take it: read-only, full),
 * with the same checks as a commit: each blob's sha256 and size while it streams, then every file's size and BLAKE2b
 * against the index, no file more or less. Throws on any mismatch; the caller removes `dir` then.
 */
export async function pullIntoFolder(remote: RemoteEntry, dir: string, meta: CacheEntryMeta, options: { signal?: AbortSignal } = {}): Promise<CacheEntry> {
  const what = `cache entry ${remote.key.slice(0, 12)}`
  const writer = new FolderWriter(dir, what)
  for (const file of remote.files) await writer.write(file.path, await remote.open(file.path, { signal: options.signal }), { signal: options.signal, sha256: file.sha256, bytes: file.bytes })
  const entry = await folderEntry(dir, remote.key, meta, writer.written)
  checkAgainstIndex(what, entry.files, remote.files)
  return entry
}
