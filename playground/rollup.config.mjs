// The same playground built by Rollup: `npx rollup -c playground/rollup.config.mjs`.
import path from 'node:path'
import commonjs from '@rollup/plugin-commonjs'
import nodeResolve from '@rollup/plugin-node-resolve'
import { transform } from 'esbuild'
import modelops from 'unplugin-modelops-bundle/rollup'
import { observations } from './plugins/observations.mjs'
import { modelopsOptions, outDir, playgroundDir, sampleRoot } from './plugins/shared.mjs'
import { staticPage } from './plugins/static-page.mjs'

/** Rollup reads only JavaScript: strip the page's TypeScript types (esbuild is already a dev dependency). */
const typescript = {
  name: 'playground-typescript',
  async transform(code, id) {
    if (!id.endsWith('.ts')) return null
    const out = await transform(code, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: id, sourcemap: true })
    return { code: out.code, map: out.map }
  },
}

export default {
  input: path.join(playgroundDir, 'src/main.ts'),
  output: { dir: outDir('rollup'), format: 'es', entryFileNames: 'assets/main.js', sourcemap: true },
  plugins: [
    modelops(modelopsOptions()),
    observations.rollup({ root: sampleRoot() }),
    nodeResolve({ browser: true, extensions: ['.ts', '.mjs', '.js'] }),
    // One of Plot's dependencies (interval-tree-1d) is CommonJS.
    commonjs(),
    typescript,
    staticPage.rollup({ script: 'assets/main.js' }),
  ],
  // d3 has circular imports by design; they are harmless here.
  onwarn(warning, warn) {
    if (warning.code !== 'CIRCULAR_DEPENDENCY') warn(warning)
  },
}
