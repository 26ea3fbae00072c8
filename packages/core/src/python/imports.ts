// OWNER: python helper.
import { notImplemented } from '../stub.js'

/** `models/sir.py` → `models.sir`; DISCOVERY error with the reference's advice when the module has no dot. */
export function moduleFromPath(rel: string): string { return notImplemented('moduleFromPath') }
/** Every project `.py` reachable from `modelFile` (project-relative) through imports, transitively, sorted; never a directory. */
export async function codeDependencies(root: string, modelFile: string, options?: { codeRoots?: string[] }): Promise<string[]> { return notImplemented('codeDependencies') }
