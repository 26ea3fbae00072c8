// OWNER: core-digest helper. The one function every caller (status, verify, digest, plugin) uses.
import type { Project } from '../project/project.js'
import type { Registry } from '../registry/types.js'
import type { DigestReport, EnvironmentInputs, StatusReport } from './types.js'
import { notImplemented } from '../stub.js'

export interface ComputeOptions {
  /** Overrides of environment inputs (plugin option `environment`). */
  environment?: Partial<EnvironmentInputs>
  /** Stat cache folder; default `<root>/node_modules/.cache/modelops-bundle`. false disables it. */
  cacheDir?: string | false
  /** Worker threads for hashing; default min(2, cores). */
  concurrency?: number
}

export async function computeDigests(project: Project, registry: Registry, options?: ComputeOptions): Promise<DigestReport> { return notImplemented('computeDigests') }
/** Compare the digests recorded in the registry with `report` and explain every difference. */
export function computeStatus(registry: Registry, report: DigestReport): StatusReport { return notImplemented('computeStatus') }
/** The per-file digests to record in the registry for one model/target (model_digest, data_digests, code_digests). */
export async function digestFiles(project: Project, paths: { code: string[]; data: string[] }, options?: ComputeOptions): Promise<Record<string, string>> { return notImplemented('digestFiles') }
