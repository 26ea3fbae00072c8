// The build report (option `report`): what THIS build did. Unlike the manifest it is not deterministic
// (sources depend on the cache, seconds on the machine), so it is a separate file (docs/manifest.md).
import { idTable } from '@modelops-bundle/core/internal'
import type { BuildResult } from './context.js'

export const BUILD_REPORT_SCHEMA = 'modelops-bundle/build-report@1'

export interface BuildReport {
  schema: typeof BUILD_REPORT_SCHEMA
  /** The manifest this build emitted. */
  bundle_digest: string
  /** What made the outputs: `command` and the `geninputs1:` digest of its declared inputs; null without a generator. */
  generator: { command: string | string[] | null; inputs_digest: string | null } | null
  /**
   * Per model with a generator: 'generated' (ran in this build), 'pulled' (fetched from the remote cache and verified
   * in this build) or 'cached' (from the local output cache).
   */
  models: Record<string, { source: 'generated' | 'pulled' | 'cached' }>
  summary: { models: number; cached: number; pulled: number; generated: number; seconds: number }
}

export function buildReport(result: BuildResult): BuildReport {
  const models: BuildReport['models'] = idTable()
  // 'memo' (watch mode: unchanged since the previous run) is shown as the run before showed it, or as cached.
  for (const id of Object.keys(result.sources).sort()) {
    const source = result.sources[id]
    models[id] = { source: source === 'generated' || source === 'pulled' ? source : 'cached' }
  }
  const values = Object.values(models)
  return {
    schema: BUILD_REPORT_SCHEMA,
    bundle_digest: result.manifest.bundle_digest,
    generator: result.generator ?? null,
    models,
    summary: {
      models: Object.keys(result.report.models).length,
      cached: values.filter((m) => m.source === 'cached').length,
      pulled: values.filter((m) => m.source === 'pulled').length,
      generated: values.filter((m) => m.source === 'generated').length,
      seconds: Math.round(result.durationMs) / 1000,
    },
  }
}

export function serializeBuildReport(result: BuildResult): string {
  return `${JSON.stringify(buildReport(result), null, 2)}\n`
}
