// OWNER: core-registry helper.
import type { Project } from './project.js'
import { notImplemented } from '../stub.js'

/**
 * Turn a user-typed path (relative to `cwd`, default process.cwd()) into a project-relative POSIX path.
 * Refuses (PATH_OUTSIDE) `..` escapes, absolute paths outside the root and symlinks resolving outside.
 */
export function resolveProjectPath(project: Project, input: string, cwd?: string): string { return notImplemented('resolveProjectPath') }
/** Absolute path of a stored project-relative path. */
export function absolutePath(project: Project, rel: string): string { return notImplemented('absolutePath') }
