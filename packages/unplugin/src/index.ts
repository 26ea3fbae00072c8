import path from 'node:path'
import { tmpdir } from 'node:os'
import { createUnplugin, type UnpluginFactory, type UnpluginInstance } from 'unplugin'
import type { PluginBuild } from 'esbuild'
import { describeError, ModelopsContext, stacklessError, type BuildResult } from './core/context.js'
import { resolveOptions, unknownOptionWarnings, type Options } from './core/options.js'
import { contextLogger, esbuildLevel, levelled, webpackLevel } from './core/log.js'
import { isResolvedVirtual, isVirtual, RESOLVED_ID, VIRTUAL_ALIAS, VIRTUAL_ID, virtualModuleCode } from './core/virtual.js'
import { createDevSupport, overlayError } from './core/dev-server.js'
import { Emitter, PLUGIN_NAME as NAME, type AssetSink, type OutputFs } from './core/emit.js'
import { ChangeStamp } from './core/change-stamp.js'

export type { Options, OptionsResolved } from './core/options.js'
export type { BuildResult, EmittedFile } from './core/context.js'
export { ModelopsContext } from './core/context.js'
export { VIRTUAL_ID, RESOLVED_ID } from './core/virtual.js'
export { buildReport, BUILD_REPORT_SCHEMA, type BuildReport } from './core/report.js'

export const unpluginFactory: UnpluginFactory<Options | undefined, false> = (rawOptions, meta) => {
  const options = resolveOptions(rawOptions)
  const ctx = new ModelopsContext(options)
  const framework = meta.framework
  /** Said once, at the first build, through the bundler's logger (so its log level applies). */
  let unknown: string[] | undefined = unknownOptionWarnings(rawOptions, options)
  /** The run of the current build; `load()` and emission wait for it. */
  let current: Promise<BuildResult> | undefined
  let isServe = false
  const emit = new Emitter(ctx)

  const start = () => {
    for (const w of unknown ?? []) ctx.logger.warn(w)
    unknown = undefined
    emit.startBuild()
    current = ctx.run()
    current.catch(() => {})
    return current
  }
  const result = () => ctx.latest ?? start()
  const dev = createDevSupport(ctx, result)
  /** esbuild: stands for the large data files and folders it must not read itself (see ChangeStamp). */
  let stamp: ChangeStamp | undefined
  const esbuildWatchFiles = (r: BuildResult) => {
    stamp ??= new ChangeStamp(r.workspace.cacheDir ?? path.join(tmpdir(), 'modelops-bundle'))
    return stamp.relay(r.watchFiles, r.watchKinds)
  }

  return {
    name: NAME,
    enforce: 'pre',

    async buildStart() {
      if (framework === 'esbuild') return // esbuild: onStart in the setup hatch below (it can report errors there)
      // Rollup/Rolldown: their own log, so `--silent`, `logLevel` and onLog filters apply to our lines too.
      if (framework === 'rollup' || framework === 'rolldown') ctx.logger = contextLogger(this) ?? ctx.logger
      let r: BuildResult
      try {
        // Vite dev: configureServer already started the first run; reuse it rather than hashing twice.
        r = await (isServe && ctx.latest ? (current = ctx.latest) : start())
      } catch (err) {
        // Vite dev starts anyway: the terminal got the message (configureServer), the page's overlay gets it
        // from load(), and the next good save of a watched file recovers.
        if (isServe) return
        // unplugin's context has error() on Rollup-family and webpack; throwing is the portable fallback.
        const self = this as unknown as { error?: (m: { message: string; stack?: string }) => never }
        // No stack: a user's mistake is explained by the message (file, what happened, what to do).
        if (self.error) self.error({ message: describeError(err), stack: '' })
        throw stacklessError(err)
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
          if (isServe) throw overlayError(err)
          return `throw new Error(${JSON.stringify(`modelops-bundle: ${describeError(err)}`)})\n`
        }
        // esbuild only watches files returned from onLoad: this is where data-file watches attach there. It reads
        // every watch file in full on every build (one-shot ones too): large files and folders go through a stamp.
        if (!isServe) for (const f of framework === 'esbuild' ? await esbuildWatchFiles(r) : r.watchFiles) this.addWatchFile(f)
        return virtualModuleCode(r, ctx.base)
      },
    },

    async buildEnd() {
      // webpack/Rspack: compiler.hooks.emit → compilation.emitAsset. Rollup-family emits in generateBundle.
      if (framework !== 'webpack' && framework !== 'rspack') return
      if (!current) return
      const r = await current.catch(() => undefined)
      if (!r) return
      try {
        emit.webpack(this, r)
      } catch (err) {
        throw stacklessError(err)
      }
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
      async generateBundle(outputOptions, _bundle, isWrite) {
        const env = (this as { environment?: { name: string; config: { build: { emitAssets?: boolean } } } }).environment
        // Vite drops assets of environments that do not emit them (server builds by default): such an
        // environment must not claim the folder, or a client build sharing it would skip its manifest.
        if (env && env.config.build.emitAssets === false) return
        await emitRollup(this, outputOptions, env?.name ?? 'client', isWrite)
      },
      writeBundle: (outputOptions) => stackless(emit.rollupWritten(outputOptions)),
    },
    rollup: {
      async generateBundle(outputOptions, _bundle, isWrite) {
        await emitRollup(this, outputOptions, 'rollup', isWrite)
      },
      writeBundle: (outputOptions) => stackless(emit.rollupWritten(outputOptions)),
    },
    rolldown: {
      options(inputOptions) {
        // Rolldown's `cwd` is its root; Rollup has none (process.cwd()).
        if (typeof inputOptions.cwd === 'string') ctx.bundlerRoot = inputOptions.cwd
      },
      async generateBundle(outputOptions, _bundle, isWrite) {
        await emitRollup(this, outputOptions, 'rolldown', isWrite)
      },
      writeBundle: (outputOptions) => stackless(emit.rollupWritten(outputOptions)),
    },

    webpack(compiler) {
      ctx.bundlerRoot = compiler.options.context
      ctx.logger = levelled(webpackLevel(compiler.options.infrastructureLogging?.level))
      const pub = compiler.options.output?.publicPath
      if (typeof pub === 'string' && pub !== 'auto') ctx.bundlerBase = pub
      // webpack reads `virtual:` as a URL scheme and refuses it before any resolver runs: rewrite the
      // request to the colon-free alias first, so both spellings work.
      compiler.hooks.normalModuleFactory.tap(NAME, (nmf) => {
        nmf.hooks.beforeResolve.tap(NAME, (data) => {
          if (data.request === VIRTUAL_ID) data.request = VIRTUAL_ALIAS
        })
      })
      compiler.hooks.afterEmit.tapPromise(NAME, (compilation) => copyWebpack(compiler.outputFileSystem, compilation.outputOptions.path))
    },
    rspack(compiler) {
      ctx.bundlerRoot = compiler.options.context
      ctx.logger = levelled(webpackLevel(compiler.options.infrastructureLogging?.level))
      const pub = compiler.options.output?.publicPath
      if (typeof pub === 'string' && pub !== 'auto') ctx.bundlerBase = pub
      compiler.hooks.afterEmit.tapPromise(NAME, (compilation) => copyWebpack(compiler.outputFileSystem, compilation.outputOptions.path))
    },

    esbuild: {
      setup(build: PluginBuild) {
        const opts = build.initialOptions
        ctx.bundlerRoot = opts.absWorkingDir ?? process.cwd()
        ctx.logger = levelled(esbuildLevel(opts.logLevel))
        let startedAt = 0
        build.onStart(async () => {
          startedAt = stamp?.generation ?? 0
          try {
            await start()
            return {}
          } catch (err) {
            return { errors: [{ text: describeError(err), pluginName: NAME }] }
          }
        })
        build.onEnd(async (res) => {
          // A change seen during this build may have reached the stamp before esbuild read it: rewrite it once more
          // (after esbuild's read) so its watcher still sees a change and rebuilds.
          if (stamp?.changedSince(startedAt)) await stamp.bump().catch(() => {})
          if (res.errors.length > 0 || !current) return
          const r = await current.catch(() => undefined)
          if (!r) return
          try {
            await emit.esbuild(build, res, r)
          } catch (err) {
            // A thrown error fails esbuild's build (errors pushed onto `res` in onEnd do not); no stack for user errors.
            throw stacklessError(err)
          }
        })
        // esbuild calls this at the end of a one-shot build too; the watches never kept the process alive anyway.
        build.onDispose(() => {
          stamp?.close()
          stamp = undefined
        })
      },
    },
  }

  /** Rollup-family emission waits for the build's run; a failed run was reported from buildStart. */
  async function emitRollup(sink: AssetSink, outputOptions: { dir?: string; file?: string }, owner: string, isWrite: boolean) {
    if (!current) return
    await stackless(emit.rollup(sink, await current, outputOptions, owner, isWrite))
  }

  /** Emission failures (a vanished output, a name refused) reach the bundler as messages, not stacks of ours. */
  async function stackless(work: Promise<void>): Promise<void> {
    try {
      await work
    } catch (err) {
      throw stacklessError(err)
    }
  }

  /** webpack/Rspack `afterEmit`: the outputs, after the compiler wrote its folder (a failed run emits nothing). */
  async function copyWebpack(ofs: unknown, outputPath: string | undefined) {
    if (!current || !ofs || !outputPath) return
    const r = await current.catch(() => undefined)
    if (r) await stackless(emit.webpackWritten(ofs as OutputFs, outputPath, r))
  }
}

export const unplugin: UnpluginInstance<Options | undefined, false> = /* #__PURE__ */ createUnplugin(unpluginFactory)
export default unplugin
