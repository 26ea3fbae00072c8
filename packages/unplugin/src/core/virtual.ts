import type { BuildResult } from './context.js'

/** What users import. The colon-free alias serves tools that read `virtual:` as a URL scheme (webpack without our rewrite). */
export const VIRTUAL_ID = 'virtual:modelops-bundle'
export const VIRTUAL_ALIAS = 'virtual/modelops-bundle'
export const VIRTUAL_ALIASES = [VIRTUAL_ID, VIRTUAL_ALIAS]
/** Resolved id: the `\0` keeps other plugins (and the file system) away from it. */
export const RESOLVED_ID = '\0virtual:modelops-bundle'

export function isVirtual(id: string): boolean {
  return VIRTUAL_ALIASES.includes(id)
}

/** webpack hands the id back URI-encoded inside a `_virtual_` path; Vite dev prefixes `/@id/__x00__`. */
export function isResolvedVirtual(id: string): boolean {
  if (id === RESOLVED_ID) return true
  let decoded = id
  try {
    decoded = decodeURIComponent(id)
  } catch {}
  return decoded.endsWith(RESOLVED_ID) || decoded.endsWith('__x00__virtual:modelops-bundle')
}

/**
 * Source of the virtual module: the manifest as data plus `artifactUrl()`. Only what the project decides:
 * where outputs came from (generated or cached) is in the build report (`modelops-build.json`), so the
 * bundle's bytes never depend on the state of the cache.
 *
 * The manifest is parsed from a string rather than written as an object literal: in a literal, a model id
 * `__proto__` would set the prototype instead of making a key. `models` and `targets` have no prototype, so an
 * id such as `toString` or `constructor` is looked up like any other. `artifactUrl` encodes each path segment
 * (`?`, `#`, `%`, spaces, newlines and non-ASCII in a file name or id).
 */
export function virtualModuleCode(result: BuildResult, base: string): string {
  return [
    `const manifest = JSON.parse(${JSON.stringify(result.manifestText.trimEnd())});`,
    'manifest.models = Object.assign(Object.create(null), manifest.models);',
    'manifest.targets = Object.assign(Object.create(null), manifest.targets);',
    'export default manifest;',
    'export const models = manifest.models;',
    'export const targets = manifest.targets;',
    'export const bundleDigest = manifest.bundle_digest;',
    `export const base = ${JSON.stringify(base)};`,
    'export function artifactUrl(modelId, file) {',
    '  const model = manifest.models[modelId];',
    '  if (!model) throw new Error("modelops-bundle: unknown model " + JSON.stringify(modelId));',
    '  const full = file.startsWith("modelops/") ? file : "modelops/" + modelId + "/" + file;',
    '  if (!model.artifacts.some((a) => a.path === full)) throw new Error("modelops-bundle: model " + JSON.stringify(modelId) + " has no artifact " + JSON.stringify(file));',
    '  return base + full.split("/").map(encodeURIComponent).join("/");',
    '}',
    '',
  ].join('\n')
}
