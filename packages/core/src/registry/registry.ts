// OWNER: core-registry helper.
import type { Project } from '../project/project.js'
import type { Registry } from './types.js'
import { notImplemented } from '../stub.js'

export function emptyRegistry(): Registry { return { version: '1.0', models: {}, targets: {}, target_sets: {} } }
/** Parse R1 or R2 YAML; REGISTRY_INVALID naming `file`, line and column on any defect. */
export function parseRegistry(text: string, file: string): Registry { return notImplemented('parseRegistry') }
/** R2 YAML that PyYAML's safe_load reads back to the same structure. */
export function serializeRegistry(registry: Registry): string { return notImplemented('serializeRegistry') }
/** The project's registry, or an empty one when the file does not exist. */
export function loadRegistry(project: Project): Registry { return notImplemented('loadRegistry') }
/** Lock, re-read, apply `mutate`, write atomically. Concurrent callers never lose each other's entries. */
export async function updateRegistry<T>(project: Project, mutate: (registry: Registry) => T | Promise<T>): Promise<T> { return notImplemented('updateRegistry') }
