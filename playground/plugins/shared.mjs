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

/** The plugin's build report beside the page: which models this build generated and which came from the cache. */
export const REPORT_FILE = 'modelops-build.json'

/**
 * Options of unplugin-modelops-bundle. The generator is the sample's own (`generator:` in
 * `.modelops-bundle/config.yaml`); the cache is the playground's `node_modules/.cache/modelops-bundle` (Vite's root;
 * named here so Rollup and esbuild, run from anywhere, share it) unless env PLAYGROUND_CACHE_DIR says otherwise.
 * The build report (REPORT_FILE) tells the page where each model's outputs came from; it is emitted by every
 * bundler and served by Vite dev.
 * @returns {import('unplugin-modelops-bundle').Options}
 */
export function modelopsOptions() {
  const options = { root: sampleRoot(), report: { fileName: REPORT_FILE } }
  options.cacheDir = path.resolve(process.env.PLAYGROUND_CACHE_DIR ?? path.join(playgroundDir, 'node_modules/.cache/modelops-bundle'))
  return options
}
