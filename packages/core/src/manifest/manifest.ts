import type { Component, DigestReport } from '../digest/types.js'
import type { Manifest, ManifestComponent, ManifestModel, ManifestSchema, ManifestTarget } from './types.js'
import { idTable } from '../project/names.js'

export type { Manifest, ManifestArtifact, ManifestComponent, ManifestModel, ManifestTarget } from './types.js'

/** Data-contract id of the manifest (docs/manifest.md). */
export const MANIFEST_SCHEMA: ManifestSchema = 'modelops-bundle/manifest@1'
/** Default file name, at the output root. */
export const MANIFEST_FILE = 'modelops-manifest.json'
/** Output-root folder that holds every model's artifacts: `modelops/<model id>/<file>`. */
export const ARTIFACTS_DIR = 'modelops'

/**
 * Path of one artifact in the output: `modelops/<id>/<file>`.
 * Does not check the names: writers go through the output-path check, which refuses names that lead outside the output.
 */
export function artifactPath(modelId: string, file: string): string {
  return `${ARTIFACTS_DIR}/${modelId}/${file}`
}

/**
 * The manifest of a project: digests from `computeDigests`, and per model the files its generator produced
 * (`artifacts[id]`, paths relative to the model's output folder). Models without an entry get `artifacts: []`.
 */
export function buildManifest(report: DigestReport, artifacts: Record<string, ReadonlyArray<{ path: string; digest: string; bytes: number }>> = {}): Manifest {
  const models = idTable<ManifestModel>()
  for (const [id, m] of Object.entries(report.models)) {
    models[id] = {
      entrypoint: m.entrypoint,
      path: m.path,
      class_name: m.class_name,
      digest: m.digest,
      components: components(m.components),
      outputs: [...m.outputs],
      artifacts: ((Object.hasOwn(artifacts, id) ? artifacts[id] : undefined) ?? [])
        .map((a) => ({ path: artifactPath(id, a.path), digest: a.digest, bytes: a.bytes }))
        .sort((a, b) => cmp(a.path, b.path)),
    }
  }
  const targets = idTable<ManifestTarget>()
  for (const [id, t] of Object.entries(report.targets)) {
    targets[id] = { entrypoint: t.entrypoint, path: t.path, model_output: t.model_output, digest: t.digest, components: components(t.components) }
  }
  return { schema: MANIFEST_SCHEMA, bundle_digest: report.bundle_digest, environment: { ...report.environment }, models, targets }
}

/** Canonical text: keys sorted by code point at every level, 2-space indent, `\n` line ends and a trailing newline. */
export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(sortKeys(manifest), null, 2)}\n`
}

function components(list: ReadonlyArray<Component>): ManifestComponent[] {
  return list.map((c) => ({ kind: c.kind, path: c.path, digest: c.digest })).sort((a, b) => cmp(a.path, b.path) || cmp(a.kind, b.kind))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    // Keys are ids and paths: `__proto__` must stay an own key (a plain object would take it as its prototype).
    const out = idTable<unknown>()
    for (const key of Object.keys(value).sort(cmp)) {
      const v = (value as Record<string, unknown>)[key]
      if (v !== undefined) out[key] = sortKeys(v)
    }
    return out
  }
  return value
}

/** Code-point order (UTF-8 byte order; not locale, not UTF-16 order): the same on every machine and in Python. */
function cmp(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
