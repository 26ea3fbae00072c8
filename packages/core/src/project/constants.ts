// File names of a project, in a module of their own so that any module can import them without an import cycle.
export const BUNDLE_DIR = '.modelops-bundle'
export const REGISTRY_FILE = 'registry.yaml'
export const CONFIG_FILE = 'config.yaml'
