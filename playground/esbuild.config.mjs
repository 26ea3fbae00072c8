// The same playground built by esbuild: `node playground/esbuild.config.mjs` (or import `esbuildOptions`).
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import modelops from 'unplugin-modelops-bundle/esbuild'
import { observations } from './plugins/observations.mjs'
import { modelopsOptions, outDir, playgroundDir, sampleRoot } from './plugins/shared.mjs'
import { staticPage } from './plugins/static-page.mjs'

/** @returns {import('esbuild').BuildOptions} */
export function esbuildOptions() {
  return {
    absWorkingDir: playgroundDir,
    entryPoints: { 'assets/main': path.join(playgroundDir, 'src/main.ts') },
    outdir: outDir('esbuild'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [modelops(modelopsOptions()), observations.esbuild({ root: sampleRoot() }), staticPage.esbuild({ script: 'assets/main.js' })],
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await build(esbuildOptions())
