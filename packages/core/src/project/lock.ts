// OWNER: core-registry helper.
import type { Project } from './project.js'
import { notImplemented } from '../stub.js'

/** Run `fn` holding the project's cross-process lock (stale locks from killed processes are recovered). */
export async function withProjectLock<T>(project: Project, fn: () => Promise<T> | T): Promise<T> { return notImplemented('withProjectLock') }
