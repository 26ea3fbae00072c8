// Public API of @modelops-bundle/core. The CLI and the build plugins use only what is exported here.
export * from './errors.js'
export * from './registry/types.js'
export * from './digest/types.js'

export * from './project/project.js'
export * from './project/paths.js'
export * from './project/lock.js'
export * from './project/atomic.js'
export * from './registry/registry.js'

export * from './digest/bytes.js'
export * from './digest/canonical.js'
export * from './digest/composite.js'
export * from './digest/environment.js'
export * from './digest/compute.js'

export * from './python/semantic.js'
export * from './python/discover.js'
export * from './python/imports.js'

export * from './sample/sample.js'
