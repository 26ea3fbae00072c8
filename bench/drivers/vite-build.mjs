// One production Vite build of the playground, timed in-process.
//   node vite-build.mjs --plugin on|off --stub FILE
// The project, output folder and plugin cache come from env PLAYGROUND_SAMPLE, PLAYGROUND_OUT_DIR and
// PLAYGROUND_CACHE_DIR (read by playground/plugins/shared.mjs).
// Both modes build the same config (playground/vite.config.ts, written out here so that `off` never loads the plugin):
// `on`:  with unplugin-modelops-bundle; the source of `virtual:modelops-bundle` is saved to --stub.
// `off`: without it, not even imported; a stub serves the saved module source, so the app and its bundle are
//        the same and only the plugin (its import, digests, cache lookups, emission) is missing.
// The harness times the whole process (what `vite build` costs a user); build_ms is `vite.build()` alone.
import { readFileSync, writeFileSync } from 'node:fs'
import { argValue, now, report } from './_core.mjs'

const argv = process.argv.slice(2)
const mode = argValue(argv, '--plugin', 'on')
const stubFile = argValue(argv, '--stub')
const VIRTUAL = /^virtual[:/]modelops-bundle$/
const RESOLVED = '\0virtual:modelops-bundle'
// Both helper plugins filter their hooks (as the plugin does): a hook without a filter makes Rolldown call into
// JavaScript for every module of the app, a cost that would be charged to whichever side carried it.
const RESOLVED_FILTER = /^\0virtual:modelops-bundle$/

const t00 = now()
const vite = await import('vite')
const shared = await import('../../playground/plugins/shared.mjs')
const { observations } = await import('../../playground/plugins/observations.mjs')

let ours
if (mode === 'off') {
  const code = readFileSync(stubFile, 'utf8')
  ours = {
    name: 'bench-virtual-stub',
    enforce: 'pre',
    resolveId: { filter: { id: VIRTUAL }, handler: (id) => (VIRTUAL.test(id) ? RESOLVED : null) },
    load: { filter: { id: RESOLVED_FILTER }, handler: (id) => (id === RESOLVED ? code : null) },
  }
} else {
  const modelops = (await import('unplugin-modelops-bundle/vite')).default
  // Saves the module as the bundler sees it (after the plugin's load), for the `off` builds.
  const capture = {
    name: 'bench-virtual-capture',
    enforce: 'post',
    transform: {
      filter: { id: RESOLVED_FILTER },
      handler(code, id) {
        if (stubFile && id === RESOLVED) writeFileSync(stubFile, code)
        return null
      },
    },
  }
  ours = [modelops(shared.modelopsOptions()), capture]
}
const config = {
  configFile: false,
  logLevel: 'warn',
  root: shared.playgroundDir,
  base: './',
  plugins: [ours, observations.vite({ root: shared.sampleRoot() })].flat(),
  build: { outDir: shared.outDir('vite'), emptyOutDir: true },
}

const tBuild = now()
await vite.build(config)
const tEnd = now()
report({ mode, build_ms: tEnd - tBuild, setup_ms: tBuild - t00, plugins: config.plugins.map((p) => p.name) })
