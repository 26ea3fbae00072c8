import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { createUnplugin, type UnpluginFactory, type UnpluginInstance } from 'unplugin'
import type { BuildResult as EsbuildResult, OutputFile, PluginBuild } from 'esbuild'
import { outputFilePath } from '@modelops-bundle/core'
import { describeError, ModelopsContext, type BuildResult } from './core/context.js'
import { resolveOptions, type Options } from './core/options.js'
import { isResolvedVirtual, isVirtual, RESOLVED_ID, VIRTUAL_ALIAS, VIRTUAL_ID, virtualModuleCode } from './core/virtual.js'
import { createDevSupport } from './core/dev-server.js'
import { serializeBuildReport } from './core/report.js'

export type { Options, OptionsResolved } from './core/options.js'
export type { BuildResult, EmittedFile } from './core/context.js'
export { ModelopsContext } from './core/context.js'
export { VIRTUAL_ID, RESOLVED_ID } from './core/virtual.js'
export { buildReport, BUILD_REPORT_SCHEMA, type BuildReport } from './core/report.js'

const NAME = 'modelops-bundle'

interface OutputAsset { fileName: string; source: string | Uint8Array }

/** Manifest + artifacts of one result, read from the cache. */
async function outputAssets(ctx: ModelopsContext, result: BuildResult): Promise<OutputAsset[]> {
  const assets: OutputAsset[] = []
  if (ctx.options.manifest) assets.push({ fileName: ctx.options.manifest.fileName, source: result.manifestText })
  if (ctx.options.report) assets.push({ fileName: ctx.options.report.fileName, source: serializeBuildReport(result) })
  for (const f of result.files) assets.push({ fileName: f.fileName, source: await ctx.readEmitted(result, f) })
  // Every name is checked before any is written: nothing lands outside the output folder, whatever the bundler.
  for (const a of assets) outputFilePath('/', a.fileName)
  return assets
}

export const unpluginFactory: UnpluginFactory<Options | undefined, false> = (rawOptions, meta) => {
  const ctx = new ModelopsContext(resolveOptions(rawOptions))
  const framework = meta.framework
  /** The run of the current build; `load()` and emission wait for it. */
  let current: Promise<BuildResult> | undefined
  let isServe = false
  /** Output folder → Vite environment that emitted into it: one manifest per folder, however many environments share it. */
  const dirOwner = new Map<string, string>()
  const emittedThisBuild = new Set<string>()

  const start = () => {
    emittedThisBuild.clear()
    current = ctx.run()
    current.catch(() => {})
    return current
  }
  const result = () => ctx.latest ?? start()
  const dev = createDevSupport(ctx, result)

  return {
    name: NAME,
    enforce: 'pre',

    async buildStart() {
      if (framework === 'esbuild') return // esbuild: onStart in the setup hatch below (it can report errors there)
      let r: BuildResult
      try {
        // Vite dev: configureServer already started the first run; reuse it rather than hashing twice.
        r = await (isServe && ctx.latest ? (current = ctx.latest) : start())
      } catch (err) {
        // unplugin's context has error() on Rollup-family and webpack; throwing is the portable fallback.
        const self = this as unknown as { error?: (m: { message: string; stack?: string }) => never }
        // No stack: a user's mistake is explained by the message (file, what happened, what to do).
        if (self.error) self.error({ message: describeError(err), stack: '' })
        const plain = new Error(describeError(err))
        plain.stack = plain.message
        throw plain
      }
      if (!isServe) for (const f of r.watchFiles) this.addWatchFile(f)
    },

    resolveId: {
      filter: { id: /modelops-bundle/ },
      handler(id) {
        // esbuild keeps resolved ids in the plugin's namespace and prints them into the bundle: no `\0` there.
        return isVirtual(id) ? (framework === 'esbuild' ? VIRTUAL_ID : RESOLVED_ID) : null
      },
    },

    load: {
      filter: { id: /modelops-bundle/ },
      async handler(id) {
        if (!(framework === 'esbuild' ? id === VIRTUAL_ID : isResolvedVirtual(id))) return null
        let r: BuildResult
        try {
          r = await result()
        } catch (err) {
          // A build reports the failure once, from buildStart/onStart; in dev the overlay shows it from here.
          if (isServe) throw err
          return `throw new Error(${JSON.stringify(`modelops-bundle: ${describeError(err)}`)})\n`
        }
        // esbuild only watches files returned from onLoad: this is where data-file watches attach there.
        if (!isServe) for (const f of r.watchFiles) this.addWatchFile(f)
        return virtualModuleCode(r, ctx.base)
      },
    },

    async buildEnd() {
      // webpack/Rspack: compiler.hooks.emit → compilation.emitAsset. Rollup-family emits in generateBundle.
      if (framework !== 'webpack' && framework !== 'rspack') return
      if (!current) return
      const r = await current.catch(() => undefined)
      if (!r) return
      for (const a of await outputAssets(ctx, r)) this.emitFile({ type: 'asset', fileName: a.fileName, source: a.source })
    },

    vite: {
      configResolved(config) {
        ctx.bundlerRoot = config.root
        ctx.bundlerBase = config.base
        isServe = config.command === 'serve'
        ctx.logger = { info: (m) => config.logger.info(m), warn: (m) => config.logger.warn(m) }
      },
      configureServer: dev.configureServer,
      hotUpdate: dev.hotUpdate as never,
      async generateBundle(outputOptions) {
        const env = (this as { environment?: { name: string; config: { build: { emitAssets?: boolean } } } }).environment
        // Vite drops assets of environments that do not emit them (server builds by default): such an
        // environment must not claim the folder, or a client build sharing it would skip its manifest.
        if (env && env.config.build.emitAssets === false) return
        await emitRollup(this, outputOptions, env?.name ?? 'client')
      },
    },
    rollup: {
      async generateBundle(outputOptions) {
        await emitRollup(this, outputOptions, 'rollup')
      },
    },
    rolldown: {
      async generateBundle(outputOptions) {
        await emitRollup(this, outputOptions, 'rolldown')
      },
    },

    webpack(compiler) {
      ctx.bundlerRoot = compiler.options.context
      const pub = compiler.options.output?.publicPath
      if (typeof pub === 'string' && pub !== 'auto') ctx.bundlerBase = pub
      // webpack reads `virtual:` as a URL scheme and refuses it before any resolver runs: rewrite the
      // request to the colon-free alias first, so both spellings work.
      compiler.hooks.normalModuleFactory.tap(NAME, (nmf) => {
        nmf.hooks.beforeResolve.tap(NAME, (data) => {
          if (data.request === VIRTUAL_ID) data.request = VIRTUAL_ALIAS
        })
      })
    },
    rspack(compiler) {
      ctx.bundlerRoot = compiler.options.context
      const pub = compiler.options.output?.publicPath
      if (typeof pub === 'string' && pub !== 'auto') ctx.bundlerBase = pub
    },

    esbuild: {
      setup(build: PluginBuild) {
        const opts = build.initialOptions
        ctx.bundlerRoot = opts.absWorkingDir ?? process.cwd()
        build.onStart(async () => {
          try {
            await start()
            return {}
          } catch (err) {
            return { errors: [{ text: describeError(err), pluginName: NAME }] }
          }
        })
        build.onEnd(async (res) => {
          if (res.errors.length > 0 || !current) return
          const r = await current.catch(() => undefined)
          if (!r) return
          try {
            await emitEsbuild(build, res, await outputAssets(ctx, r))
          } catch (err) {
            res.errors.push({ id: '', pluginName: NAME, text: describeError(err), location: null, notes: [], detail: undefined })
          }
        })
      },
    },
  }

  async function emitRollup(
    self: { emitFile: (f: { type: 'asset'; fileName: string; source: string | Uint8Array }) => string },
    outputOptions: { dir?: string; file?: string },
    owner: string,
  ) {
    if (!current) return
    const r = await current
    const dir = path.resolve(outputOptions.dir ?? (outputOptions.file ? path.dirname(outputOptions.file) : '.'))
    const prior = dirOwner.get(dir)
    if ((prior !== undefined && prior !== owner) || emittedThisBuild.has(dir)) return
    dirOwner.set(dir, owner)
    emittedThisBuild.add(dir)
    for (const a of await outputAssets(ctx, r)) self.emitFile({ type: 'asset', fileName: a.fileName, source: a.source })
  }
}

/** esbuild: into `outdir` or the folder of `outfile`; with `write: false` into `result.outputFiles`. */
async function emitEsbuild(build: PluginBuild, res: EsbuildResult, assets: OutputAsset[]): Promise<void> {
  const opts = build.initialOptions
  const cwd = opts.absWorkingDir ?? process.cwd()
  const out = opts.outdir ?? (opts.outfile ? path.dirname(opts.outfile) : undefined)
  if (!out) {
    res.warnings.push({ id: '', pluginName: NAME, text: 'modelops-bundle: set `outdir` or `outfile` to emit the manifest', location: null, notes: [], detail: undefined })
    return
  }
  const dir = path.resolve(cwd, out)
  if (opts.write === false) {
    res.outputFiles ??= []
    for (const a of assets) {
      const contents = typeof a.source === 'string' ? new TextEncoder().encode(a.source) : new Uint8Array(a.source)
      res.outputFiles.push(outputFile(outputFilePath(dir, a.fileName), contents))
    }
    return
  }
  for (const a of assets) {
    const file = outputFilePath(dir, a.fileName)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, a.source)
  }
}

function outputFile(file: string, contents: Uint8Array): OutputFile {
  return {
    path: file,
    contents,
    get text() { return new TextDecoder().decode(contents) },
    // esbuild's own outputFiles carry a short content hash; mirror that so callers can compare.
    hash: createHash('sha256').update(contents).digest('base64url').slice(0, 12),
  }
}

export const unplugin: UnpluginInstance<Options | undefined, false> = /* #__PURE__ */ createUnplugin(unpluginFactory)
export default unplugin
