// Types of the virtual module. Add `/// <reference types="unplugin-modelops-bundle/client" />`
// (or "types": ["unplugin-modelops-bundle/client"] in tsconfig.json).
// Browser code reads these: they import only core's standalone manifest types, never Node's (the plugin's own
// `unplugin-modelops-bundle/types` pulls in Node and would break a browser app's type-check).
declare module 'virtual:modelops-bundle' {
  import type { Manifest, ManifestModel, ManifestTarget } from '@modelops-bundle/core/manifest-types'
  /** The build's manifest (the same data as the emitted `modelops-manifest.json`). */
  const manifest: Manifest
  export default manifest
  export const models: Record<string, ManifestModel>
  export const targets: Record<string, ManifestTarget>
  /** `bundle1:<hex>` */
  export const bundleDigest: string
  /** URL prefix of the emitted files (Vite `base`, webpack `publicPath`, option `base`). */
  export const base: string
  /** URL of one of a model's artifacts: `artifactUrl('sir', 'incidence.csv')`. Throws for an unknown model or file. */
  export function artifactUrl(modelId: string, file: string): string
}

/** Colon-free alias (for tools that treat `virtual:` as a URL scheme). */
declare module 'virtual/modelops-bundle' {
  export * from 'virtual:modelops-bundle'
  export { default } from 'virtual:modelops-bundle'
}
