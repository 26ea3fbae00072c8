/**
 * @internal Helpers the CLI, the plugin and the benchmarks share with core that are not public API: no semver
 * promise, not in docs/api.md, and may change in any release. Users import from `@modelops-bundle/core`.
 * Keep this list short: a name a user needs too belongs in index.ts, documented.
 * @module
 */

// The keys and tiers of the output cache, for `mops-bundle cache status|push|pull` (computed as a build does).
export { ModelKeys, type ModelKey } from './generate/keys.js'
export { entrySource } from './cache/entry-source.js'
export { pullEntry } from './generate/tiers.js'
export { generatorInputsOf } from './generate/inputs.js'
export type { CacheEntryMeta, RemoteTier } from './cache/types.js'
// The remote tier itself and its url, for the benchmark of pulls and pushes against curl (bench/suites/remote-cache.mjs).
export { OciRemoteTier } from './cache/remote/oci-tier.js'
export { parseOciUrl } from './cache/remote/reference.js'

// Command-line and option parsing shared by the CLI and the plugin, so both take the same forms.
export { parseWeight } from './registry/target-sets.js'
export { strictProblems } from './digest/status.js'
export { formatBytes, parseDuration, parseSize } from './util/units.js'
export { idTable, outputFilePath } from './project/names.js'
// The plugin's esbuild watch stamp (rewritten on every data change; readers must never see a torn one).
export { writeFileAtomic } from './project/atomic.js'
export { isProjectRelative } from './digest/engine.js'

// The CLI's views of a status (`status <id>`, `--files`, `--explain`, `--untracked-only`); when progress starts.
export { entryDetails, fileViews, findEntry, formatDetails, formatExplain, formatFiles } from './digest/status-views.js'
export { untrackedFiles } from './interop/tracked.js'
export { progressAfterMs } from './digest/progress.js'

// Worker pools, for the benchmarks (bench/drivers).
export { sharedHashPool, closeHashPool } from './digest/pool.js'
export { semanticDigestMany } from './python/semantic.js'
