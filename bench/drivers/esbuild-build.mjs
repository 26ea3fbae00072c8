// One esbuild build of a project with one large data file, or the plugin's hashing alone.
//   node esbuild-build.mjs --mode esbuild|hash-only|watch-file --root DIR --cache DIR [--watch FILE]
// `esbuild`:   esbuild.build() with unplugin-modelops-bundle (generate: false), the entry imports the virtual module.
// `hash-only`: no bundler: the project's digests as the plugin computes them (Workspace + computeDigests, same cache
//              folder). The difference is esbuild's own cost, including whatever it reads of the watch files we hand it.
// `watch-file`: no modelops plugin: a bare esbuild plugin serves a constant virtual module and returns --watch as a
//              watch file (what the plugin did before the stamp): esbuild's cost of one watched large file.
import { argValue, loadCore, now, report } from './_core.mjs'

const argv = process.argv.slice(2)
const mode = argValue(argv, '--mode', 'esbuild')
const root = argValue(argv, '--root')
const cacheDir = argValue(argv, '--cache')

const t0 = now()
if (mode === 'hash-only') {
  const core = await loadCore()
  const ws = core.Workspace.open(root, { mode: 'build', cacheDir })
  const r = await core.computeDigests(ws, ws.registry())
  report({ mode, build_ms: now() - t0, bundle_digest: r.bundle_digest ?? null })
} else if (mode === 'watch-file') {
  const esbuild = await import('esbuild')
  const watched = argValue(argv, '--watch')
  const bare = {
    name: 'bare-watch-file',
    setup(build) {
      build.onResolve({ filter: /^virtual:modelops-bundle$/ }, (a) => ({ path: a.path, namespace: 'bare' }))
      build.onLoad({ filter: /.*/, namespace: 'bare' }, () => ({ contents: 'export default "x"\n', watchFiles: [watched] }))
    },
  }
  await esbuild.build({ entryPoints: [`${root}/src/main.js`], bundle: true, format: 'esm', outdir: `${root}/dist-bare`, absWorkingDir: root, logLevel: 'error', plugins: [bare] })
  report({ mode, build_ms: now() - t0 })
} else {
  const esbuild = await import('esbuild')
  const { default: plugin } = await import('unplugin-modelops-bundle/esbuild')
  await esbuild.build({
    entryPoints: [`${root}/src/main.js`], bundle: true, format: 'esm', outdir: `${root}/dist`, absWorkingDir: root,
    logLevel: 'error', plugins: [plugin({ log: false, generate: false, cacheDir })],
  })
  report({ mode, build_ms: now() - t0 })
}
