#!/usr/bin/env node
// `npm run demo`: build the playground dashboard over the sample project and say where it went.
//   --bundler vite|rollup|esbuild   which bundler builds it (default vite; same manifest bytes from each)
//   --dev [--port N]                start the Vite dev server instead (data edits reach the page live)
//   --preview [--port N]            after the build, serve the built page on 127.0.0.1
//   --out DIR                       output folder (default playground/dist, dist-rollup, dist-esbuild)
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { ensureSample } from './sample.mjs'
import { serveStatic } from './serve.mjs'

/** The comment block at the top of this file. */
function usage() {
  const header = fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1)
  return header.slice(0, header.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n')
}

let args
try {
  args = parseArgs({
    options: {
      bundler: { type: 'string', default: 'vite' },
      dev: { type: 'boolean', default: false },
      preview: { type: 'boolean', default: false },
      port: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values
} catch (err) {
  // An unknown option or a missing value: say which, then how to call it (usage, not a stack trace).
  console.error(`demo: ${err.message}\n\nUsage: node playground/scripts/demo.mjs [options]\n${usage()}`)
  process.exit(2)
}
if (args.help) {
  console.log(usage())
  process.exit(0)
}
if (!['vite', 'rollup', 'esbuild'].includes(args.bundler)) fail(`--bundler must be vite, rollup or esbuild, not '${args.bundler}'`)
if (args.dev && args.bundler !== 'vite') fail('--dev runs the Vite dev server; drop --bundler')
const port = args.port === undefined ? undefined : Number(args.port)
if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) fail(`--port must be a port number, not '${args.port}'`)
// The configs read these when they load (playground/plugins/shared.mjs).
if (args.out) process.env.PLAYGROUND_OUT_DIR = path.resolve(args.out)

const { REPORT_FILE, outDir, playgroundDir, sampleRoot } = await import('../plugins/shared.mjs')
const sample = sampleRoot()
/** Paths under the current folder relative to it, others absolute. */
const show = (p) => {
  const rel = path.relative(process.cwd(), p)
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel
}

try {
  if (ensureSample(sample)) console.log(`Created the sample project in ${show(sample)}\n`)
} catch (err) {
  fail(`could not create the sample project: ${err.message}`)
}

if (args.dev) await dev()
else await buildOnce()

async function buildOnce() {
  const out = outDir(args.bundler)
  const started = performance.now()
  try {
    if (args.bundler === 'vite') {
      const { build } = await import('vite')
      // logLevel 'warn' silences Vite's per-file report; the custom logger still passes the plugin's lines.
      await build({ configFile: path.join(playgroundDir, 'vite.config.ts'), logLevel: 'warn', customLogger: await quietLogger(), build: { outDir: out } })
    } else if (args.bundler === 'rollup') {
      const { rollup } = await import('rollup')
      const config = (await import('../rollup.config.mjs')).default
      fs.rmSync(out, { recursive: true, force: true })
      const bundle = await rollup(config)
      await bundle.write(config.output)
      await bundle.close()
    } else {
      const { build } = await import('esbuild')
      const { esbuildOptions } = await import('../esbuild.config.mjs')
      fs.rmSync(out, { recursive: true, force: true })
      await build(esbuildOptions())
    }
  } catch (err) {
    fail(`${args.bundler} build failed:\n${err.message ?? err}`)
  }
  const manifestFile = path.join(out, 'modelops-manifest.json')
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'))
  const secs = ((performance.now() - started) / 1000).toFixed(1)
  // The plugin's build report (option `report`): which models this build generated, which came from the cache.
  const report = JSON.parse(fs.readFileSync(path.join(out, REPORT_FILE), 'utf8'))
  console.log('')
  for (const [id, m] of Object.entries(manifest.models)) {
    console.log(`  ${id.padEnd(24)} ${m.entrypoint.padEnd(30)} ${m.digest.slice(0, 23)}…  ${String(m.artifacts.length).padStart(2)} files  ${report.models[id]?.source ?? ''}`)
  }
  console.log('')
  console.log(`bundle digest  ${manifest.bundle_digest}`)
  console.log(`page           ${show(path.join(out, 'index.html'))}   (built with ${args.bundler} in ${secs} s)`)
  console.log(`manifest       ${show(manifestFile)}`)
  console.log(`build report   ${show(path.join(out, REPORT_FILE))}`)
  if (!args.preview) {
    console.log(`\nOpen it: npm run demo -- --preview${args.bundler === 'vite' ? '' : ` --bundler ${args.bundler}`}   Live edits: npm run dev`)
    return
  }
  const server = await serveStatic(out, port ?? 4173)
  console.log(`\nServing ${show(out)} at ${server.url}  (Ctrl+C stops)`)
  process.once('SIGINT', () => server.close().then(() => process.exit(0)))
  process.once('SIGTERM', () => server.close().then(() => process.exit(0)))
}

async function dev() {
  const { createServer } = await import('vite')
  const server = await createServer({
    configFile: path.join(playgroundDir, 'vite.config.ts'),
    customLogger: await quietLogger(),
    server: { port: port ?? 5173 },
  })
  await server.listen()
  const url = server.resolvedUrls?.local[0]
  console.log(`\ndev server     ${url}`)
  console.log(`edit           ${show(path.join(sample, 'data', 'data.csv'))} (or a model) and the page updates`)
  console.log('Ctrl+C stops.')
  const stop = () => server.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

/** Vite's logger minus its per-file chatter: keep warnings, errors, the modelops-bundle lines and page updates. */
async function quietLogger() {
  const { createLogger } = await import('vite')
  const logger = createLogger('info')
  const info = logger.info.bind(logger)
  logger.info = (msg, opts) => {
    if (/modelops-bundle|hmr update|page reload/.test(msg)) info(msg, opts)
  }
  return logger
}

function fail(message) {
  console.error(`demo: ${message}`)
  process.exit(1)
}
