import path from 'node:path'
import type { EnvironmentInputs, Generator, GeneratorCommand, RemoteCacheOptions } from '@modelops-bundle/core'
import { didYouMean } from '@modelops-bundle/core/errors'
import { parseDuration, parseSize, isProjectRelative } from '@modelops-bundle/core/internal'

export interface Options {
  /**
   * Project root (the folder holding `.modelops-bundle/`), or any folder inside it.
   * @default the bundler's root (Vite `root`, webpack `context`, esbuild `absWorkingDir`), else `process.cwd()`; searched upward
   */
  root?: string
  /**
   * Registry file, relative to the project root.
   * @default '.modelops-bundle/registry.yaml'
   */
  registry?: string
  /**
   * Cache folder (stat cache, parse snapshots, generated outputs); a relative path is resolved against the project root.
   * @default `node_modules/.cache/modelops-bundle` in the bundler's root (Vite `root`, webpack `context`, esbuild
   * `absWorkingDir`, else `process.cwd()`)
   */
  cacheDir?: string
  /**
   * A shared output cache on an OCI registry (docs/remote-cache.md): a local miss is fetched from it (verified)
   * before the generator runs, and generated outputs are pushed before the build ends. Any registry trouble costs
   * one warning and the build goes on locally. `url`: `oci://HOST[:PORT]/REPOSITORY`; `push` (default true);
   * `plainHttp` (default: on for localhost, 127.0.0.1, [::1] only); `connectTimeout` in ms (default 5000).
   * MODELOPS_REMOTE_CACHE (url) and MODELOPS_REMOTE_CACHE_PUSH (0/1) override this option. `false`: none.
   * @default `remote_cache:` of `.modelops-bundle/config.yaml`, if any
   */
  remoteCache?: RemoteCacheOptions | false
  /**
   * The manifest asset, or `false` to emit none (the virtual module still works).
   * @default { fileName: 'modelops-manifest.json' } at the output root
   */
  manifest?: { fileName?: string } | false
  /**
   * The build report asset: per model whether THIS build `generated` its outputs, `pulled` them from the remote
   * cache or took them from the local cache (`cached`), the generator identity, and the counts and seconds of the
   * build. Not deterministic (unlike the manifest), so it is off by default. Vite dev serves it at `<base><fileName>` (the latest run).
   * @default false; `{}` or `{ fileName }` turns it on, fileName defaulting to 'modelops-build.json'
   */
  report?: { fileName?: string } | false
  /**
   * Overrides of the environment digest inputs (python_version, platform, dependencies, …).
   * @default {} (config.yaml, lock files, then these)
   */
  environment?: Partial<EnvironmentInputs>
  /**
   * Fail the build when the digests recorded in the registry are stale (the CI guard),
   * with the same explanation as `mops-bundle status`.
   * @default false
   */
  verify?: boolean
  /**
   * Upper bound of the output cache: bytes, or a size such as `'500MB'` or `'2GiB'` (as `mops-bundle cache prune
   * --max-size`); least-recently-used entries are evicted after a build.
   * @default 2147483648 (2 GiB)
   */
  maxCacheSize?: number | string
  /**
   * Generators (and hashing workers) run at once.
   * @default max(1, cores / 2)
   */
  concurrency?: number
  /**
   * How model outputs are made: `{ command, timeout?, inputs? }` run once per model with `MODELOPS_MODEL_ID`,
   * `MODELOPS_ENTRYPOINT`, `MODELOPS_MODEL_DIGEST` and `MODELOPS_OUT_DIR`, or an async function
   * `(model, { outDir, digest, signal }) => void`. `false`: only hash and emit the manifest.
   * `inputs` (default `[]`): project-relative files/folders of the generator's own code; their digests are part of
   * every cache key, so editing them regenerates every model (a comment-only edit of a `.py` does not).
   * `timeout`: milliseconds, or a duration as in config.yaml (`'30s'`, `'10m'`, `'1h'`); default 10 minutes.
   * @default `generator:` of `.modelops-bundle/config.yaml`, else none
   */
  generate?: GeneratorOption | false
  /**
   * URL prefix of the emitted files, used by `artifactUrl()` of the virtual module.
   * @default Vite `base`, webpack/Rspack `output.publicPath` when it is a string other than 'auto', else '/'
   */
  base?: string
  /**
   * Log the summary line, and progress of slow work: hashing that runs past 1 s (MODELOPS_PROGRESS_AFTER_MS
   * changes that), generators that run past 5 s. Lines follow the bundler's log level.
   * @default true
   */
  log?: boolean
}

/** A command generator whose `timeout` may also be a duration string, or a generator function. */
export type GeneratorOption = Generator | (Omit<GeneratorCommand, 'timeout'> & { timeout?: number | string })

export interface OptionsResolved {
  /** Absolute; where the search for `.modelops-bundle/` starts. Undefined until the bundler's root is known. */
  root: string | undefined
  registry: string | undefined
  /** As given; undefined: the workspace's default for a build (Workspace.open, mode 'build'). */
  cacheDir: string | undefined
  /** As given (settings are resolved with config.yaml and the environment when the workspace opens). */
  remoteCache: RemoteCacheOptions | false | undefined
  manifest: { fileName: string } | false
  report: { fileName: string } | false
  environment: Partial<EnvironmentInputs>
  verify: boolean
  maxCacheSize: number
  concurrency: number | undefined
  generate: Generator | false | undefined
  base: string | undefined
  log: boolean
}

export const DEFAULT_MANIFEST = 'modelops-manifest.json'
export const DEFAULT_REPORT = 'modelops-build.json'
export const DEFAULT_MAX_CACHE_SIZE = 2 * 1024 ** 3

export function resolveOptions(options: Options = {}): OptionsResolved {
  const manifest = options.manifest === false ? false : { fileName: normaliseFileName(options.manifest?.fileName ?? DEFAULT_MANIFEST, 'manifest') }
  const report = !options.report ? false : { fileName: normaliseFileName(options.report.fileName ?? DEFAULT_REPORT, 'report') }
  if (manifest && report && manifest.fileName === report.fileName) throw new TypeError(`[modelops-bundle] \`report.fileName\` and \`manifest.fileName\` are both ${JSON.stringify(report.fileName)}; give the report another name`)
  const maxCacheSize = options.maxCacheSize === undefined ? DEFAULT_MAX_CACHE_SIZE : parseSize(options.maxCacheSize, (problem) => {
    throw new TypeError(`[modelops-bundle] \`maxCacheSize\`: ${problem}`)
  })
  if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency >= 1)) throw new TypeError('[modelops-bundle] `concurrency` must be an integer >= 1')
  if (options.generate && typeof options.generate !== 'function' && !options.generate.command) throw new TypeError('[modelops-bundle] `generate` needs a `command` (string or argv array) or must be a function')
  let generate = options.generate as Generator | false | undefined
  if (generate && typeof generate !== 'function' && generate.timeout !== undefined) {
    // The same forms and limit as `timeout:` in config.yaml.
    const timeout = parseDuration(generate.timeout as number | string, (problem) => {
      throw new TypeError(`[modelops-bundle] \`generate.timeout\`: ${problem}; use at most 2147483647 ms (596h), or leave it out for the default (10 minutes)`)
    })
    generate = { ...generate, timeout }
  }
  if (options.generate && typeof options.generate !== 'function' && options.generate.inputs !== undefined) {
    const inputs = options.generate.inputs
    if (!Array.isArray(inputs)) throw new TypeError('[modelops-bundle] `generate.inputs` must be an array of project-relative paths')
    for (const rel of inputs) {
      if (typeof rel !== 'string' || !isProjectRelative(rel)) throw new TypeError(`[modelops-bundle] \`generate.inputs\` must hold project-relative POSIX paths (no '.', '..' or leading '/'), got ${JSON.stringify(rel)}`)
    }
  }
  return {
    root: options.root === undefined ? undefined : path.resolve(options.root),
    registry: options.registry,
    cacheDir: options.cacheDir,
    remoteCache: options.remoteCache,
    manifest,
    report,
    environment: options.environment ?? {},
    verify: options.verify ?? false,
    maxCacheSize,
    concurrency: options.concurrency,
    generate,
    base: options.base,
    log: options.log ?? true,
  }
}

/**
 * A warning per option the plugin does not know (a typo would otherwise be silently ignored), naming the nearest
 * known one. Known: the keys of the resolved options, which mirror `Options` one for one.
 */
export function unknownOptionWarnings(raw: object | undefined, resolved: OptionsResolved): string[] {
  const known = Object.keys(resolved)
  return Object.keys(raw ?? {})
    .filter((key) => !known.includes(key))
    .map((key) => {
      const near = didYouMean(key, known)
      return `modelops-bundle: unknown option \`${key}\`${near ? `; did you mean \`${near}\`?` : ''} (ignored; the options are ${known.map((k) => `\`${k}\``).join(', ')})`
    })
}

function normaliseFileName(name: string, option: 'manifest' | 'report'): string {
  const posix = name.replace(/\\/g, '/').replace(/^\.?\//, '')
  if (!posix || posix.startsWith('/') || posix.split('/').includes('..')) throw new TypeError(`[modelops-bundle] \`${option}.fileName\` must be a relative path inside the output folder, got ${JSON.stringify(name)}`)
  return posix
}
