// OWNER: core-digest helper.
import { notImplemented } from '../stub.js'

/** `json.dumps(sort_keys=True, separators=(',',':'), ensure_ascii=False)` with Python float repr. */
export function canonicalJson(value: unknown): string { return notImplemented('canonicalJson') }
