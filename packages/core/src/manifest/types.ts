// The manifest's shape, types only and nothing Node: unplugin's client.d.ts reads them in browser apps
// (through the `@modelops-bundle/core/manifest-types` entry), where Node's types are not loaded.
import type { Component, EnvironmentReport } from '../digest/types.js'

/** Data-contract id of the manifest (docs/manifest.md); the value is MANIFEST_SCHEMA. */
export type ManifestSchema = 'modelops-bundle/manifest@1'

export interface ManifestArtifact {
  /** POSIX path relative to the output root: `modelops/<model id>/<file>`. */
  path: string
  /** `blake2b256:<hex>` */
  digest: string
  bytes: number
}

export interface ManifestComponent {
  kind: Component['kind']
  path: string
  digest: string
}

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

export interface ManifestTarget {
  entrypoint: string
  path: string
  model_output: string
  digest: string
  components: ManifestComponent[]
}

export interface Manifest {
  schema: ManifestSchema
  /** `bundle1:<hex>` */
  bundle_digest: string
  environment: EnvironmentReport
  models: Record<string, ManifestModel>
  targets: Record<string, ManifestTarget>
}
