// The manifest's shape, types only and nothing Node: unplugin's client.d.ts reads them in browser apps
// (through the `@modelops-bundle/core/manifest-types` entry), where Node's types are not loaded.
import type { Component, EnvironmentReport } from '../digest/types.js'

/** Data-contract id of the manifest (docs/manifest.md); the value is MANIFEST_SCHEMA. */
export type ManifestSchema = 'modelops-bundle/manifest@1'

/** One output file of a model in the manifest: its path in the output and its digest. */
export interface ManifestArtifact {
  /** POSIX path relative to the output root: `modelops/<model id>/<file>`. */
  path: string
  /** `blake2b256:<hex>` */
  digest: string
  bytes: number
}

/** One input file of a model or target in the manifest (as Component). */
export interface ManifestComponent {
  kind: Component['kind']
  path: string
  digest: string
}

/** One model in the manifest: entrypoint, composite digest, components and artifacts. */
export interface ManifestModel {
  entrypoint: string
  path: string
  class_name: string
  /** `composite1:<hex>` */
  digest: string
  components: ManifestComponent[]
  outputs: string[]
  artifacts: ManifestArtifact[]
}

/** One target in the manifest: entrypoint, model output, digest and components. */
export interface ManifestTarget {
  entrypoint: string
  path: string
  model_output: string
  digest: string
  components: ManifestComponent[]
}

/** The manifest a build emits beside the bundle (`modelops-manifest.json`, data contract in docs/manifest.md). */
export interface Manifest {
  schema: ManifestSchema
  /** `bundle1:<hex>` */
  bundle_digest: string
  environment: EnvironmentReport
  models: Record<string, ManifestModel>
  targets: Record<string, ManifestTarget>
}
