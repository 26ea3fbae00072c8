// Moving entries between the output store's tiers: a remote entry into the local store (verified on the way), a local
// entry out to the remote. Only the local tier touches the disk; the remote sees keys, indexes and streams.
import type { OutputHold } from '../cache/hold.js'
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
    for (const file of remote.files) await staging.write(file.path, await remote.open(file.path, { signal: options.signal }), { signal: options.signal, sha256: file.sha256 })
    return await staging.commit(meta, { hold: options.hold, expect: remote.files })
  } finally {
    // After a commit the staging folder is gone (renamed): discard is a no-op then.
    await staging.discard()
  }
}
