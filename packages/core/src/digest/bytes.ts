// OWNER: core-digest helper.
import { notImplemented } from '../stub.js'

/** `blake2b256:<hex>` of in-memory bytes (WASM BLAKE2b). */
export async function hashBytes(data: Uint8Array | string): Promise<string> { return notImplemented('hashBytes') }
/** `blake2b256:<hex>` of a file, streamed in constant memory. */
export async function hashFile(file: string): Promise<string> { return notImplemented('hashFile') }
