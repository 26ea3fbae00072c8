// Rollup and esbuild do not read index.html: emit it (pointing at their bundle) and the stylesheet
// next to the bundle, so every bundler's output folder is a complete page.
import fs from 'node:fs'
import path from 'node:path'
import { createUnplugin } from 'unplugin'
import { playgroundDir } from './shared.mjs'

/** @param {{ script: string }} options script = the bundle's path in the output folder, e.g. 'assets/main.js' */
export const staticPage = createUnplugin((options) => ({
  name: 'playground-static-page',
  buildEnd() {
    const html = fs
      .readFileSync(path.join(playgroundDir, 'index.html'), 'utf8')
      .replace('./src/style.css', './assets/style.css')
      .replace('./src/main.ts', `./${options.script}`)
    this.emitFile({ type: 'asset', fileName: 'index.html', source: html })
    this.emitFile({ type: 'asset', fileName: 'assets/style.css', source: fs.readFileSync(path.join(playgroundDir, 'src/style.css'), 'utf8') })
  },
}))
