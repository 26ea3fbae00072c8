// Emission of the build's files (manifest, report, model outputs) per bundler. The factory (src/index.ts) keeps the
// hook table and calls these; a new bundler adds its emitter here.
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { BuildResult as EsbuildResult, OutputFile, PluginBuild } from 'esbuild'
import { outputFilePath } from '@modelops-bundle/core'
import type { BuildResult, ModelopsContext } from './context.js'
import { serializeBuildReport } from './report.js'

export const PLUGIN_NAME = 'modelops-bundle'

/** One file to emit, relative to the output root. */
export interface OutputAsset {
  fileName: string
  source: string | Uint8Array
}

/** Rollup, Rolldown, Vite and unplugin's webpack/Rspack context: `this.emitFile`. */
export interface AssetSink {
  emitFile(file: { type: 'asset'; fileName: string; source: string | Uint8Array }): unknown
}

/** Manifest, report and artifacts of one result, the artifacts read from the cache. */
export async function outputAssets(ctx: ModelopsContext, result: BuildResult): Promise<OutputAsset[]> {
  const assets: OutputAsset[] = []
  if (ctx.options.manifest) assets.push({ fileName: ctx.options.manifest.fileName, source: result.manifestText })
  if (ctx.options.report) assets.push({ fileName: ctx.options.report.fileName, source: serializeBuildReport(result) })
  for (const f of result.files) assets.push({ fileName: f.fileName, source: await ctx.readEmitted(result, f) })
  // Every name is checked before any is written: nothing lands outside the output folder, whatever the bundler.
  for (const a of assets) outputFilePath('/', a.fileName)
  return assets
}

/**
 * The emitters of one plugin instance. Rollup-family builds may write several outputs (Vite environments,
 * Rollup output arrays): each output folder gets the files once per build, from the first owner that claimed it.
 */
export class Emitter {
  /** Output folder → Vite environment (or bundler) that emitted into it: one manifest per folder. */
  private readonly dirOwner = new Map<string, string>()
  private readonly emittedThisBuild = new Set<string>()

  constructor(private readonly ctx: ModelopsContext) {}

  /** A new build starts: every output folder may be emitted into again. */
  startBuild(): void {
    this.emittedThisBuild.clear()
  }

  /** Rollup, Rolldown, Vite: from `generateBundle`, into the output's folder. */
  async rollup(sink: AssetSink, result: BuildResult, outputOptions: { dir?: string; file?: string }, owner: string): Promise<void> {
    const dir = path.resolve(outputOptions.dir ?? (outputOptions.file ? path.dirname(outputOptions.file) : '.'))
    const prior = this.dirOwner.get(dir)
    if ((prior !== undefined && prior !== owner) || this.emittedThisBuild.has(dir)) return
    this.dirOwner.set(dir, owner)
    this.emittedThisBuild.add(dir)
    await this.emitAll(sink, result)
  }

  /** webpack, Rspack: from `buildEnd` (unplugin emits through compilation.emitAsset). */
  async webpack(sink: AssetSink, result: BuildResult): Promise<void> {
    await this.emitAll(sink, result)
  }

  /** esbuild: into `outdir` or the folder of `outfile`; with `write: false` into `result.outputFiles`. */
  async esbuild(build: PluginBuild, res: EsbuildResult, result: BuildResult): Promise<void> {
    const opts = build.initialOptions
    const cwd = opts.absWorkingDir ?? process.cwd()
    const out = opts.outdir ?? (opts.outfile ? path.dirname(opts.outfile) : undefined)
    if (!out) {
      res.warnings.push({ id: '', pluginName: PLUGIN_NAME, text: 'modelops-bundle: set `outdir` or `outfile` to emit the manifest', location: null, notes: [], detail: undefined })
      return
    }
    const dir = path.resolve(cwd, out)
    const assets = await outputAssets(this.ctx, result)
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

  private async emitAll(sink: AssetSink, result: BuildResult): Promise<void> {
    for (const a of await outputAssets(this.ctx, result)) sink.emitFile({ type: 'asset', fileName: a.fileName, source: a.source })
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
