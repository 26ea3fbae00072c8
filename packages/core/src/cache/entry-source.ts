import { createReadStream } from 'node:fs'
import type { CacheEntry, EntrySource } from './types.js'

/** A local entry as another tier reads it: its index and a stream (or byte range) of each file; no paths leave here. */
export function entrySource(entry: CacheEntry): EntrySource {
  return {
    key: entry.key,
    meta: entry.meta,
    files: entry.files,
    bytes: entry.bytes,
    async open(rel, options = {}) {
      const { start, end } = options
      // createReadStream's `end` is inclusive; ours is exclusive. An empty range must not read the whole file.
      if (end !== undefined && end <= (start ?? 0)) return (async function* () {})()
      return createReadStream(entry.filePath(rel), { start, end: end === undefined ? undefined : end - 1, highWaterMark: 1 << 20, signal: options.signal })
    },
  }
}
