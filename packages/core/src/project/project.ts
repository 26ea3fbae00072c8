// OWNER: core-registry helper. Contract stub: signatures are the agreed API.
import type { EnvironmentInputs } from '../digest/types.js'
import { notImplemented } from '../stub.js'

export const BUNDLE_DIR = '.modelops-bundle'
export const REGISTRY_FILE = 'registry.yaml'
export const CONFIG_FILE = 'config.yaml'

/** `.modelops-bundle/config.yaml`, with defaults applied. */
export interface ProjectConfig {
  /** Overrides of the environment digest inputs. */
  environment: Partial<EnvironmentInputs>
  /** Fully qualified base classes that make a model, e.g. `modelops_calabaria.BaseModel`. */
  base_classes: string[]
  /** Where first-party Python code lives, for import-following (reference auto_code.code_roots). */
  code_roots: string[]
  /** Follow imports to add code dependencies on register-model (default true). */
  auto_code: boolean
  /** Generator used by the build plugin and `mops-bundle`, if any. */
  generator?: { command: string | string[]; timeout?: number }
}

export interface Project {
  /** Absolute path of the folder that holds `.modelops-bundle/`. */
  root: string
  /** Absolute path of `.modelops-bundle/`. */
  dir: string
  registryPath: string
  configPath: string
  config: ProjectConfig
}

/** Nearest ancestor of `from` (inclusive) holding `.modelops-bundle/`; NOT_A_PROJECT error otherwise. */
export function findProject(from?: string): Project { return notImplemented("findProject") }
/** Create `.modelops-bundle/` with an empty registry and a commented config.yaml; idempotent. */
export async function initProject(dir: string): Promise<{ project: Project; created: string[] }> { return notImplemented("initProject") }
/** Load `root/.modelops-bundle/config.yaml` (defaults when absent); CONFIG_INVALID with file:line:col on bad input. */
export function openProject(root: string): Project { return notImplemented('openProject') }
