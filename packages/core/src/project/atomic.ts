// OWNER: core-registry helper.
import { notImplemented } from '../stub.js'

/** Temp file in the same folder, fsync, rename, fsync the folder. Readers see the old or the new file, never a torn one. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> { return notImplemented('writeFileAtomic') }
