// OWNER: python helper.
import { notImplemented } from '../stub.js'

export interface DiscoveredModel { name: string; line: number; bases: string[]; outputs: string[]; entrypoint: string | null }
export interface DiscoveredTarget { name: string; function: string; line: number; model_output: string; data: Record<string, string>; entrypoint: string | null }
export interface DiscoveryIssue { line: number; message: string }
export interface DiscoveryResult { path: string; models: DiscoveredModel[]; targets: DiscoveredTarget[]; errors: DiscoveryIssue[] }

export interface DiscoverOptions {
  /** Project root for import resolution and entrypoints; null outside a project (entrypoint from the path as given). */
  root?: string | null
  /** Fully qualified base classes; default modelops_calabaria.BaseModel and calabaria.BaseModel. */
  baseClasses?: string[]
}

/** Models, outputs and targets of one file, by reading its AST; never runs code. `file` absolute or cwd-relative. */
export async function discoverFile(file: string, options?: DiscoverOptions): Promise<DiscoveryResult> { return notImplemented('discoverFile') }
