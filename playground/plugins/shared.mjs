// What the Vite, Rollup and esbuild configs share, so the three builds see the same project and options
// (and so emit the same manifest bytes).
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The playground folder (Vite's root, and the base of the default output folders). */
export const playgroundDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)))

/**
 * The sample project the page shows.
 * @default playground/sample (env PLAYGROUND_SAMPLE overrides it: the tests use temp copies)
 */
export function sampleRoot() {
  return path.resolve(process.env.PLAYGROUND_SAMPLE ?? path.join(playgroundDir, 'sample'))
}

/** Default output folder of each bundler; env PLAYGROUND_OUT_DIR overrides it. */
export function outDir(bundler) {
  if (process.env.PLAYGROUND_OUT_DIR) return path.resolve(process.env.PLAYGROUND_OUT_DIR)
  return path.join(playgroundDir, bundler === 'vite' ? 'dist' : `dist-${bundler}`)
}

/**
 * Options of unplugin-modelops-bundle. The generator is the sample's own (`generator:` in
 * `.modelops-bundle/config.yaml`); the cache stays inside the sample unless env PLAYGROUND_CACHE_DIR says otherwise.
 * @returns {import('unplugin-modelops-bundle').Options}
 */
export function modelopsOptions() {
  const options = { root: sampleRoot() }
  if (process.env.PLAYGROUND_CACHE_DIR) options.cacheDir = path.resolve(process.env.PLAYGROUND_CACHE_DIR)
  return options
}
