// File names of a project, in a module of their own so that any module can import them without an import cycle.
export const BUNDLE_DIR = '.modelops-bundle'
export const REGISTRY_FILE = 'registry.yaml'
export const CONFIG_FILE = 'config.yaml'
/** Default cache folder (stat cache, parse snapshots, output cache), relative to the project root. */
export const DEFAULT_CACHE_DIR = 'node_modules/.cache/modelops-bundle'
