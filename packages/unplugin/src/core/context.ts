import { readFile, stat } from 'node:fs/promises'
import { statSync } from 'node:fs'
import path from 'node:path'
import {
  buildManifest, computeDigests, computeStatus, formatError, isModelopsError, ModelopsError, resolveOutputs,
  serializeManifest, artifactPath, Workspace,
  type DigestReport, type Generator, type LocalStore, type Manifest, type ModelOutputs, type OutputHold, type Project,
} from '@modelops-bundle/core'
import { formatBytes, idTable, generatorInputsOf } from '@modelops-bundle/core/internal'
import { explainStatus } from './explain.js'
import { progressLog } from './log.js'
import { withRootHint } from './project.js'
import type { WatchKind } from './change-stamp.js'
import type { OptionsResolved } from './options.js'

export interface Logger {
  info(message: string): void
  warn(message: string): void
}

/** One file the build emits besides the manifest: output-relative path → bytes on disk (in the cache). */
export interface EmittedFile {
  /** POSIX, relative to the output root: `modelops/<id>/<file>`. */
  fileName: string
  /** Absolute path of the verified cache file holding the bytes. */
  source: string
  bytes: number
  digest: string
}

export interface BuildResult {
  /** The workspace this run opened (project, cache folder, output tiers). */
  workspace: Workspace
  project: Project
  report: DigestReport
  manifest: Manifest
  /** Canonical manifest text (the asset's bytes). */
  manifestText: string
  files: EmittedFile[]
  /** Absolute paths whose change must trigger a rebuild: registry, config, every model/target component. */
  watchFiles: string[]
  /** Kind and size of each watched path from the run's one stat of it, for esbuild's change stamp. */
  watchKinds: ReadonlyMap<string, WatchKind>
  cached: number
  /** Fetched from the remote tier in this run. */
  pulled: number
  generated: number
  /** Where each model's outputs came from in this run ('memo': unchanged since the previous run of this process). */
  sources: Record<string, ModelOutputs['source']>
  /** Increments whenever `manifestText` changes. */
  revision: number
  /** The generator's command and the digest of its declared inputs (undefined without a generator). */
  generator?: { command: string | string[] | null; inputs_digest: string | null }
  /** Wall time of this run. */
  durationMs: number
}

/**
 * One plugin instance's state across builds: the project, the last digests and outputs. `run()` is
 * serialised and incremental: entries whose key did not change are reused from memory.
 */
export class ModelopsContext {
  options: OptionsResolved
  logger: Logger
  /** The bundler's root (Vite `root`, webpack `context`, esbuild `absWorkingDir`); used when `root` is not set. */
  bundlerRoot: string | undefined
  /** Vite/webpack public path; `options.base` wins. */
  bundlerBase: string | undefined
  last: BuildResult | undefined
  private memo = new Map<string, ModelOutputs>()
  private queue: Promise<unknown> = Promise.resolve()
  /** Keeps the files of the latest run's outputs readable (clear/prune/eviction cannot pull them from under an emit). */
  private hold: OutputHold | undefined
  /** The output store folder `hold` belongs to. */
  private holdDir: string | undefined

  constructor(options: OptionsResolved, logger: Logger = { info: (m) => console.log(m), warn: (m) => console.warn(m) }) {
    this.options = options
    this.logger = logger
  }

  get base(): string {
    const base = this.options.base ?? this.bundlerBase ?? '/'
    return base.endsWith('/') ? base : `${base}/`
  }

  /** Compute (and generate) now; calls queue behind each other. */
  run(signal?: AbortSignal): Promise<BuildResult> {
    const next = this.queue.then(() => this.runNow(signal))
    this.queue = next.catch(() => {})
    this.latest = next
    next.catch(() => {})
    return next
  }

  /** The most recently started run (what `load()` of the virtual module must reflect). */
  latest: Promise<BuildResult> | undefined

  private async runNow(signal?: AbortSignal): Promise<BuildResult> {
    const started = performance.now()
    const { options } = this
    // Opened again each run: config.yaml may have changed (watch mode, dev server). Parsed config and registry are
    // cached in the cache folder (keyed by their text): a no-change build parses no YAML.
    const bundlerRoot = this.bundlerRoot ?? process.cwd()
    const ws = withRootHint(options.root ?? bundlerRoot, options.root !== undefined, () => Workspace.open(options.root ?? bundlerRoot, {
      mode: 'build',
      bundlerRoot,
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.remoteCache !== undefined ? { remoteCache: options.remoteCache } : {}),
      onWarning: (m) => this.logger.warn(m),
    }))
    const { project } = ws
    // Known before anything can fail, so a watcher can pick up the fix of a broken registry or data file.
    this.watching = [project.registryPath, project.configPath]
    const registry = ws.registry()
    const generator: Generator | undefined = options.generate === false ? undefined : (options.generate ?? project.config.generator)
    const generatorInputs = generatorInputsOf(generator)
    // The generator's own files are digested in the same pass (one stat-cache pass) and watched like models.
    const report = await computeDigests(ws, registry, {
      environment: options.environment, concurrency: options.concurrency,
      ...(options.log ? { onProgress: progressLog(this.logger) } : {}),
      ...(generatorInputs.length ? { generatorInputs } : {}),
    })
    const watch = new Set<string>([project.registryPath, project.configPath])
    for (const rel of generatorInputs) watch.add(path.resolve(project.root, rel))
    for (const e of [...Object.values(report.models), ...Object.values(report.targets)]) {
      watch.add(path.resolve(project.root, e.path))
      for (const c of e.components) watch.add(path.resolve(project.root, c.path))
    }
    // Bundlers read watched files (esbuild fingerprints them): a FIFO or device there would block the build.
    const kinds = new Map<string, WatchKind>()
    this.watching = [...watch].filter((f) => watchable(f, kinds)).sort()
    this.watchKinds = kinds
    for (const w of report.warnings) this.logger.warn(`modelops-bundle: ${w.file ? `${w.file}${w.line ? `:${w.line}` : ''}: ` : ''}${w.message}`)
    if (options.verify) {
      const status = computeStatus(registry, report)
      if (!status.fresh) {
        throw new ModelopsError('STALE', `the digests recorded in the registry are stale (verify: true):\n${explainStatus(status, registry)}`, {
          file: rel(project, project.registryPath),
          hint: 'Run `mops-bundle status` for details; re-register the changed models, or build without `verify`.',
        })
      }
    }

    const artifacts = idTable<Array<{ path: string; digest: string; bytes: number }>>()
    const files: EmittedFile[] = []
    let cached = 0
    let pulled = 0
    let generated = 0
    const sources: BuildResult['sources'] = idTable()
    let generatorInfo: BuildResult['generator']
    if (generator) {
      const store = ws.outputs.local
      const hold = this.holdFor(store)
      const total = Object.keys(report.models).length
      // Only slow runs get progress lines (every 5 s while generators run); a warm build prints just the summary.
      let done = 0
      const ticker = options.log
        ? setInterval(() => this.logger.info(`modelops-bundle: generating… ${done}/${total} models ready`), 5000)
        : undefined
      ticker?.unref()
      let result: Awaited<ReturnType<typeof resolveOutputs>>
      try {
        result = await resolveOutputs(ws, {
          report,
          generator,
          concurrency: options.concurrency,
          signal,
          previous: this.memo,
          onWarning: (m) => this.logger.warn(m),
          onProgress: (n) => { done = n },
          hold,
        })
      } finally {
        clearInterval(ticker)
        // Each run opens its workspace anew (config.yaml may change): its registry connections end with the run.
        await ws.outputs.remote?.close?.()
      }
      this.memo = result.outputs
      // Only what this run uses stays held (watch mode, dev server: one hold for the process).
      await result.hold.retain([...result.outputs.values()].map((o) => o.key))
      generatorInfo = { command: typeof generator === 'function' ? null : generator.command, inputs_digest: result.inputsDigest ?? null }
      cached = result.cached
      pulled = result.pulled
      generated = result.generated
      for (const id of [...result.outputs.keys()].sort()) {
        const out = result.outputs.get(id)!
        sources[id] = out.source
        artifacts[id] = out.entry.files
        for (const f of out.entry.files) files.push({ fileName: artifactPath(id, f.path), source: out.entry.filePath(f.path), bytes: f.bytes, digest: f.digest })
      }
      if (generated > 0 && !result.noCache) {
        // Eviction is housekeeping: a cache that fails it must not fail the build.
        const pruned = await store.prune({ maxBytes: options.maxCacheSize, keep: [...result.outputs.values()].map((o) => o.key) })
          .catch((err: Error) => { this.logger.warn(`modelops-bundle: could not evict old cache entries from ${store.dir}: ${err.message}`); return { removed: 0, freed: 0 } })
        if (pruned.removed > 0 && options.log) this.logger.info(`modelops-bundle: evicted ${pruned.removed} cache entries (${formatBytes(pruned.freed)}) to stay under ${formatBytes(options.maxCacheSize)}`)
      }
    }
    files.sort((a, b) => (a.fileName < b.fileName ? -1 : 1))

    const manifest = buildManifest(report, artifacts)
    const manifestText = serializeManifest(manifest)
    const unchanged = this.last?.manifestText === manifestText
    const revision = (this.last?.revision ?? 0) + (unchanged ? 0 : 1)
    // A rerun that found nothing new (a second watcher event for one edit) keeps the last report of
    // where outputs came from, so the page still sees which models that edit regenerated.
    const shown = unchanged && Object.values(sources).every((s) => s === 'memo') ? this.last!.sources : sources
    const durationMs = performance.now() - started
    this.last = { workspace: ws, project, report, manifest, manifestText, files, watchFiles: this.watching, watchKinds: this.watchKinds, cached, pulled, generated, sources: shown, revision, generator: generatorInfo, durationMs }

    if (options.log) {
      const n = Object.keys(report.models).length
      const secs = (durationMs / 1000).toFixed(1)
      const parts = [`${n} model${n === 1 ? '' : 's'}`]
      if (generator) parts.push(`${cached} cached`, ...(pulled ? [`${pulled} pulled`] : []), `${generated} generated`)
      else parts.push('manifest only (no generator)')
      this.logger.info(`modelops-bundle: ${parts.join(' · ')} (${secs} s)`)
    }
    return this.last
  }

  /** One hold per output store for the life of this plugin instance (watch mode, dev server); a new folder gets a new one. */
  private holdFor(store: LocalStore): OutputHold {
    if (!this.hold || this.holdDir !== store.dir) {
      void this.hold?.release()
      this.hold = store.hold()
      this.holdDir = store.dir
    }
    return this.hold
  }

  /**
   * The path of an emitted file's bytes, to copy or stream (never read whole). Held files do not vanish; should one
   * vanish anyway (a cache that could not hold, a user deleting files), the outputs are resolved again (regenerating
   * what is gone) instead of failing.
   */
  async emittedSource(result: BuildResult, file: EmittedFile): Promise<string> {
    if (await stat(file.source).then((st) => st.isFile(), () => false)) return file.source
    this.logger.warn(`modelops-bundle: ${file.fileName} vanished from the cache during the build; regenerating`)
    const again = result === this.last ? await this.run() : undefined
    const fresh = again?.files.find((f) => f.fileName === file.fileName)
    if (!fresh || fresh.digest !== file.digest) {
      throw new ModelopsError('CACHE', `${file.fileName} was removed from the output cache during the build and could not be produced again with the same bytes`, {
        hint: 'Run the build again; avoid `mops-bundle cache clear` while builds run.',
      })
    }
    return fresh.source
  }

  /**
   * The bytes of an emitted file, for a bundler that only takes assets in memory (a build that does not write:
   * Rollup/Vite `generate`, esbuild `write: false`). Builds that write copy files instead (emit.ts).
   */
  async readEmitted(result: BuildResult, file: EmittedFile, bundler: string): Promise<Buffer> {
    if (file.bytes > MAX_IN_MEMORY) {
      throw new ModelopsError('OUTPUT_TOO_LARGE', `${file.fileName} is ${formatBytes(file.bytes)}: too large to hand to ${bundler} in memory, and this build does not write its output folder`, {
        hint: 'Build with writing enabled (Rollup/Vite `write`, esbuild `write: true`): written builds copy outputs into the output folder without reading them into memory.',
      })
    }
    return readFile(await this.emittedSource(result, file))
  }

  /** Files the latest run depends on (also after a failed run: whatever it got to know before failing). */
  watching: string[] = []
  /** What the last run's stat of each watched path saw (absent: missing or unreadable). */
  watchKinds = new Map<string, WatchKind>()

  /** Is `file` (absolute) one the latest run depends on (or inside a watched data folder)? */
  isWatched(file: string): boolean {
    const f = path.resolve(file)
    return this.watching.some((w) => f === w || f.startsWith(w + path.sep))
  }
}

/** The message a bundler should show for a failure: `file:line: message` + hint for user errors, the error otherwise. */
export function describeError(err: unknown): string {
  if (isModelopsError(err)) return formatError(err)
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}

/**
 * What a hook throws for the bundler to print: `describeError`'s text with no stack frames of ours (a bug's own stack
 * is inside that text). Vite 8 still wraps it in Rolldown's aggregate error, whose frames are Rolldown's and Vite's.
 */
export function stacklessError(err: unknown): Error {
  const plain = new Error(describeError(err))
  plain.stack = plain.message
  return plain
}

/** Largest output handed to a bundler in memory (fs.readFile's own limit is 2 GiB - 1). */
const MAX_IN_MEMORY = 2 ** 31 - 1

function rel(project: Project, abs: string): string {
  return path.relative(project.root, abs).split(path.sep).join('/')
}

/** A missing path (watched for its creation), a regular file or a folder; never a FIFO, socket or device. */
function watchable(abs: string, kinds: Map<string, WatchKind>): boolean {
  try {
    const st = statSync(abs, { throwIfNoEntry: false })
    if (st?.isDirectory()) kinds.set(abs, { dir: true, size: 0 })
    else if (st?.isFile()) kinds.set(abs, { dir: false, size: st.size })
    return !st || st.isFile() || st.isDirectory()
  } catch {
    return true
  }
}
