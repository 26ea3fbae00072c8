// Public API of @modelops-bundle/core, by concept; docs/api.md lists and explains every name (test/api.test.ts
// holds the two equal). Everything else is internal: the CLI and the plugin reach the few internals they share
// through `@modelops-bundle/core/internal` (src/internal.ts), which is not a public contract.

// Errors: every user-facing failure is a ModelopsError with a code, a location and a hint.
export { ModelopsError, isModelopsError, formatError, type ErrorCode, type ErrorLocation, type Warning } from './errors.js'

// Workspace: the project (`.modelops-bundle/`), its config and its cache folder.
export { Workspace, type WorkspaceSettings, type WorkspaceOutputs } from './workspace/workspace.js'
export { findProject, initProject, type InitOptions, type Project, type ProjectConfig } from './project/project.js'
export { resolveProjectPath } from './project/paths.js'
export { NODE_MODULES_CACHE_DIR, WORKSPACE_CACHE_DIR } from './project/constants.js'
export { createSample, type SampleOptions } from './sample/sample.js'

// Registry: `.modelops-bundle/registry.yaml` in the Python tool's schema, and the commands that change it.
export { loadRegistry, updateRegistry, parseRegistry, serializeRegistry } from './registry/registry.js'
export type { Registry, ModelEntry, TargetEntry, TargetSet } from './registry/types.js'
export { modelOutputs } from './registry/types.js'
export { reconcileModels, reconcileTargets, type ReconcileModelsOptions, type ReconcileTargetsOptions, type ReconcileReport, type RegistryChange, type ChangeOp } from './registry/reconcile.js'
export { setTargetSet, deleteTargetSet } from './registry/target-sets.js'

// Discovery: models and targets of a Python file, from its AST (never runs code).
export { ModuleScans } from './python/scans.js'
export { discoverFile, type DiscoverOptions, type DiscoveryResult, type DiscoveredModel, type DiscoveredTarget, type DiscoveryIssue } from './python/discover.js'

// Digests: provenance digests of models and targets, and their freshness against the registry (docs/digests.md).
export { computeDigests, type ComputeOptions } from './digest/compute.js'
export { computeStatus } from './digest/status.js'
export { formatStatus, statusJson, type FormatStatusOptions, type RegistryPaths } from './digest/explain.js'
export type {
  DigestReport, ModelDigest, TargetDigest, EntityDigest, Component, ComponentKind, EnvironmentInputs, EnvironmentReport,
  StatusReport, EntityStatus, ComponentChange, ChangeKind,
} from './digest/types.js'
export { describeProgress, type HashProgress, type ProgressCallback } from './digest/progress.js'
export { hashFile } from './digest/bytes.js'
export { semanticDigest, type SemanticResult } from './python/semantic.js'

// Outputs and cache: generators run once per model digest, their files kept in a content-addressed cache (docs/cache.md).
export { resolveOutputs, type ResolveOutputsOptions, type ResolveOutputsResult, type ModelOutputs } from './generate/outputs.js'
export type { Generator, GeneratorCommand, GeneratorFunction, GenerateModel, GenerateContext } from './generate/run.js'
export { LocalStore, type LocalStoreOptions, type VerifyResult, type VerifyEntryResult } from './cache/local-store.js'
export type { CacheEntry, CacheFile, CacheInfo, PruneResult } from './cache/types.js'
export type { OutputHold } from './cache/hold.js'
export type { RemoteCacheOptions } from './cache/remote/settings.js'

// Manifest: what a build emits beside the bundle (docs/manifest.md).
export { buildManifest, serializeManifest, artifactPath, MANIFEST_FILE } from './manifest/manifest.js'
export type { Manifest, ManifestModel, ManifestTarget, ManifestArtifact, ManifestComponent } from './manifest/types.js'
