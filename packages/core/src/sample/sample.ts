// OWNER: cli helper (sample-create). Templates of a runnable sample project.
import { notImplemented } from '../stub.js'

/** Write the sample project into `dir` (created; must be empty or absent). Returns its root and written files. */
export async function createSample(dir: string, options?: { name?: string }): Promise<{ root: string; files: string[] }> { return notImplemented('createSample') }
