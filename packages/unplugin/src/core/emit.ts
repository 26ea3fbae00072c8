// Emission of the build's files (manifest, report, model outputs) per bundler. The factory (src/index.ts) keeps the
// hook table and calls these; a new bundler adds its emitter here.
//
// Model outputs can be gigabytes, so a build that writes its output folder never reads them into memory: the manifest
// and the report (small text) go through the bundler as assets, and the outputs are copied into the folder after the
// bundler wrote it (Rollup-family `writeBundle`, webpack/Rspack `afterEmit`, esbuild `onEnd`). Only a build that does
// not write (Rollup/Vite `generate`, esbuild `write: false`) gets the outputs in memory, as the bundler's API demands.
import { createHash, randomBytes } from 'node:crypto'
import { constants as fsConstants, createReadStream } from 'node:fs'
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Writable } from 'node:stream'
import type { BuildResult as EsbuildResult, OutputFile, PluginBuild } from 'esbuild'
import { outputFilePath } from '@modelops-bundle/core/internal'
import type { BuildResult, EmittedFile, ModelopsContext } from './context.js'
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

/**
 * The parts of a webpack/Rspack `outputFileSystem` used here: the real disk (graceful-fs) by default, memfs under
 * webpack-dev-middleware. Streams when it has `createWriteStream`, else one buffered write per file.
 */
export interface OutputFs {
  mkdir(dir: string, options: { recursive: true }, callback: (err?: NodeJS.ErrnoException | null) => void): void
  writeFile(file: string, data: Uint8Array, callback: (err?: NodeJS.ErrnoException | null) => void): void
  rename?(from: string, to: string, callback: (err?: NodeJS.ErrnoException | null) => void): void
  unlink?(file: string, callback: (err?: NodeJS.ErrnoException | null) => void): void
  createWriteStream?(file: string): Writable
}

/** Manifest and report of one result: small text, emitted as assets by every bundler. */
function metaAssets(ctx: ModelopsContext, result: BuildResult): OutputAsset[] {
  const assets: OutputAsset[] = []
  if (ctx.options.manifest) assets.push({ fileName: ctx.options.manifest.fileName, source: result.manifestText })
  if (ctx.options.report) assets.push({ fileName: ctx.options.report.fileName, source: serializeBuildReport(result) })
  // Every name is checked before any is emitted: nothing lands outside the output folder, whatever the bundler.
  for (const name of [...assets.map((a) => a.fileName), ...result.files.map((f) => f.fileName)]) outputFilePath('/', name)
  return assets
}

/** Manifest, report and outputs in memory: for builds that do not write (the bundler's API takes bytes only). */
export async function outputAssets(ctx: ModelopsContext, result: BuildResult, bundler: string): Promise<OutputAsset[]> {
  const assets = metaAssets(ctx, result)
  for (const f of result.files) assets.push({ fileName: f.fileName, source: await ctx.readEmitted(result, f, bundler) })
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
  /** Output folders whose outputs are copied in `writeBundle` (claimed by a writing `generateBundle`). */
  private readonly pendingCopies = new Map<string, BuildResult>()

  constructor(private readonly ctx: ModelopsContext) {}

  /** A new build starts: every output folder may be emitted into again. */
  startBuild(): void {
    this.emittedThisBuild.clear()
    this.pendingCopies.clear()
  }

  /**
   * Rollup, Rolldown, Vite: from `generateBundle`, into the output's folder. `isWrite` (the hook's third argument):
   * the outputs are copied in `writeBundle`; otherwise (`generate()`, Vite `build.write: false`) emitted in memory.
   */
  async rollup(sink: AssetSink, result: BuildResult, outputOptions: { dir?: string; file?: string }, owner: string, isWrite: boolean): Promise<void> {
    const dir = rollupDir(outputOptions)
    const prior = this.dirOwner.get(dir)
    if ((prior !== undefined && prior !== owner) || this.emittedThisBuild.has(dir)) return
    this.dirOwner.set(dir, owner)
    this.emittedThisBuild.add(dir)
    if (!isWrite) return this.emitAll(sink, result, owner)
    for (const a of metaAssets(this.ctx, result)) sink.emitFile({ type: 'asset', ...a })
    this.pendingCopies.set(dir, result)
  }

  /** Rollup, Rolldown, Vite: from `writeBundle`, after the bundler wrote the folder: copy the outputs into it. */
  async rollupWritten(outputOptions: { dir?: string; file?: string }): Promise<void> {
    const dir = rollupDir(outputOptions)
    const result = this.pendingCopies.get(dir)
    if (!result) return
    this.pendingCopies.delete(dir)
    await this.copyAll(result, dir)
  }

  /** webpack, Rspack: from `buildEnd` (unplugin emits through compilation.emitAsset): manifest and report. */
  webpack(sink: AssetSink, result: BuildResult): void {
    for (const a of metaAssets(this.ctx, result)) sink.emitFile({ type: 'asset', ...a })
  }

  /** webpack, Rspack: from `afterEmit`: the outputs, streamed into the compiler's output file system. */
  async webpackWritten(ofs: OutputFs, outputPath: string, result: BuildResult): Promise<void> {
    const call = <A extends unknown[]>(fn: (...args: [...A, (err?: NodeJS.ErrnoException | null) => void]) => void, ...args: A) =>
      new Promise<void>((resolve, reject) => fn(...args, (err) => (err ? reject(err) : resolve())))
    for (const f of result.files) {
      const dest = outputFilePath(outputPath, f.fileName)
      await call(ofs.mkdir.bind(ofs), path.dirname(dest), { recursive: true as const })
      const source = await this.ctx.emittedSource(result, f)
      if (ofs.createWriteStream && ofs.rename) {
        const tmp = tempName(dest)
        try {
          await pipeline(createReadStream(source), ofs.createWriteStream(tmp))
          await call(ofs.rename.bind(ofs), tmp, dest)
        } catch (err) {
          // As copyOutput: no stray temp file in the output folder.
          if (ofs.unlink) await call(ofs.unlink.bind(ofs), tmp).catch(() => {})
          throw err
        }
      } else {
        await call(ofs.writeFile.bind(ofs), dest, await this.ctx.readEmitted(result, f, 'webpack'))
      }
    }
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
    if (opts.write === false) {
      res.outputFiles ??= []
      for (const a of await outputAssets(this.ctx, result, 'esbuild')) {
        const contents = typeof a.source === 'string' ? new TextEncoder().encode(a.source) : new Uint8Array(a.source)
        res.outputFiles.push(outputFile(outputFilePath(dir, a.fileName), contents))
      }
      return
    }
    for (const a of metaAssets(this.ctx, result)) await replaceOutput(outputFilePath(dir, a.fileName), (tmp) => writeFile(tmp, a.source))
    await this.copyAll(result, dir)
  }

  private async emitAll(sink: AssetSink, result: BuildResult, bundler: string): Promise<void> {
    for (const a of await outputAssets(this.ctx, result, bundler)) sink.emitFile({ type: 'asset', fileName: a.fileName, source: a.source })
  }

  /** Copy every output of `result` into `dir` (kernel copy, a reflink where the file system can; never in memory). */
  private async copyAll(result: BuildResult, dir: string): Promise<void> {
    for (const f of result.files) await copyOutput(dir, f, await this.ctx.emittedSource(result, f))
  }
}

/** Copy one output into the folder (kernel copy, a reflink where the file system can). */
function copyOutput(dir: string, file: EmittedFile, source: string): Promise<void> {
  return replaceOutput(outputFilePath(dir, file.fileName), (tmp) => copyFile(source, tmp, fsConstants.COPYFILE_FICLONE))
}

/** `write` into a temp file beside `dest`, then rename: the folder never holds a torn file, nor a stray temp one. */
async function replaceOutput(dest: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true })
  const tmp = tempName(dest)
  try {
    await write(tmp)
    await rename(tmp, dest)
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {})
    throw err
  }
}

function rollupDir(outputOptions: { dir?: string; file?: string }): string {
  return path.resolve(outputOptions.dir ?? (outputOptions.file ? path.dirname(outputOptions.file) : '.'))
}

function tempName(dest: string): string {
  return path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
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
