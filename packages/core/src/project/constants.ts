// File names of a project, in a module of their own so that any module can import them without an import cycle.
export const BUNDLE_DIR = '.modelops-bundle'
export const REGISTRY_FILE = 'registry.yaml'
export const CONFIG_FILE = 'config.yaml'
/** The cache folder (stat cache, parse snapshots, output store) of a build, relative to the bundler's root; of the CLI where node_modules exists. */
export const NODE_MODULES_CACHE_DIR = 'node_modules/.cache/modelops-bundle'
/** The cache folder of the CLI in a repository without node_modules (a Python project), relative to the project root; it ignores itself. */
export const WORKSPACE_CACHE_DIR = '.modelops-bundle/cache'
