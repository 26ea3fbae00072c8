import { defineConfig } from 'vite'
import modelops from 'unplugin-modelops-bundle/vite'
import { observations } from './plugins/observations.mjs'
import { modelopsOptions, outDir, playgroundDir, sampleRoot } from './plugins/shared.mjs'

export default defineConfig({
  root: playgroundDir,
  // Relative URLs: the built page works from any folder or path it is served from.
  base: './',
  plugins: [modelops(modelopsOptions()), observations.vite({ root: sampleRoot() })],
  build: { outDir: outDir('vite'), emptyOutDir: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
})
