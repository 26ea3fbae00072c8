// One production Vite build of the playground, timed in-process.
//   node vite-build.mjs --plugin on|off --stub FILE
// The project, output folder and plugin cache come from env PLAYGROUND_SAMPLE, PLAYGROUND_OUT_DIR and
// PLAYGROUND_CACHE_DIR (read by playground/plugins/shared.mjs).
// `on`:  the playground's own vite.config.ts; the source of `virtual:modelops-bundle` is saved to --stub.
// `off`: the same config without unplugin-modelops-bundle; a stub serves the saved module source, so the
//        app and its bundle are the same and only the plugin's work (digests, cache, emit) is missing.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { argValue, now, report } from './_core.mjs'

const argv = process.argv.slice(2)
const mode = argValue(argv, '--plugin', 'on')
const stubFile = argValue(argv, '--stub')
const configFile = fileURLToPath(new URL('../../playground/vite.config.ts', import.meta.url))
const VIRTUAL = /^virtual[:/]modelops-bundle$/
const RESOLVED = '\0virtual:modelops-bundle'
const isOurs = (p) => p && typeof p.name === 'string' && /^(unplugin-)?modelops-bundle/.test(p.name)

const t00 = now()
const vite = await import('vite')
const loaded = await vite.loadConfigFromFile({ command: 'build', mode: 'production', isSsrBuild: false, isPreview: false }, configFile)
if (!loaded) throw new Error(`no Vite config at ${configFile}`)
const plugins = (await Promise.all([loaded.config.plugins ?? []].flat(Infinity))).flat(Infinity).filter(Boolean)
const ours = plugins.filter(isOurs)
if (ours.length === 0) throw new Error('the playground config has no modelops-bundle plugin')

let used
if (mode === 'off') {
  const code = readFileSync(stubFile, 'utf8')
  const stub = {
    name: 'bench-virtual-stub',
    enforce: 'pre',
    resolveId: (id) => (VIRTUAL.test(id) ? RESOLVED : null),
    load: (id) => (id === RESOLVED ? code : null),
  }
  used = [stub, ...plugins.filter((p) => !isOurs(p))]
} else {
  // Saves the module as the bundler sees it (after the plugin's load), for the `off` builds.
  const capture = {
    name: 'bench-virtual-capture',
    enforce: 'post',
    transform(code, id) {
      if (stubFile && id === RESOLVED) writeFileSync(stubFile, code)
      return null
    },
  }
  used = [...plugins, capture]
}

const tBuild = now()
await vite.build({ ...loaded.config, configFile: false, plugins: used, logLevel: 'warn' })
const tEnd = now()
report({ mode, build_ms: tEnd - tBuild, setup_ms: tBuild - t00, plugins: used.map((p) => p.name) })
