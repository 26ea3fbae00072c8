// The project: the folder holding `.modelops-bundle/`, and its config.yaml.
import fs from 'node:fs'
import path from 'node:path'
import type { EnvironmentInputs } from '../digest/types.js'
import { ModelopsError, type Warning } from '../errors.js'
import { writeFileAtomic } from './atomic.js'
import { readRegularFileSync } from './read.js'
import { defaultConfig, MAX_CONFIG_BYTES, parseConfig } from './config.js'
import { CONFIG_TEMPLATE } from './config-template.js'
import { tooLarge } from './yaml.js'
import { cachedParse, parseCacheDir, type ParseCacheOptions } from './parse-cache.js'
import { emptyRegistry, serializeRegistry } from '../registry/registry.js'

import { BUNDLE_DIR, CONFIG_FILE, REGISTRY_FILE } from './constants.js'
import { checkRegistryRef, defaultRegistryRef } from '../interop/registry-ref.js'

export { BUNDLE_DIR, CONFIG_FILE, NODE_MODULES_CACHE_DIR, REGISTRY_FILE, WORKSPACE_CACHE_DIR } from './constants.js'
export { PARSE_CACHE_VERSION, type ParseCacheOptions } from './parse-cache.js'

/** `.modelops-bundle/config.yaml`, with defaults applied. */
export interface ProjectConfig {
  /** Overrides of the environment digest inputs. Default {} (all detected). */
  environment: Partial<EnvironmentInputs>
  /** Fully qualified base classes that make a model. Default ['modelops_calabaria.BaseModel', 'calabaria.BaseModel']. */
  base_classes: string[]
  /** Where first-party Python code lives, for import-following (reference auto_code.code_roots). Default ['.', 'src']. */
  code_roots: string[]
  /** Follow imports to add code dependencies on register-model. Default true. */
  auto_code: boolean
  /** Reference auto_code.import_mode: 'files' (each imported file) or 'package' (whole packages). Default 'files'. */
  import_mode?: 'files' | 'package'
  /** Reference auto_code.ignore: fnmatch patterns on project-relative paths never added as code. Default []. */
  code_ignore?: string[]
  /**
   * The OCI repository the Python modelops-bundle pushes to (its required `registry_ref`). Unused here; `init` writes
   * it so that the Python tool accepts the project.
   */
  registry_ref?: string
  /** Generator used by the build plugin and `mops-bundle`, if any. `timeout` in milliseconds. */
  generator?: { command: string | string[]; timeout?: number; inputs?: string[] }
  /** The shared output cache on an OCI registry (docs/remote-cache.md). `connect_timeout` in milliseconds. */
  remote_cache?: { url: string; push?: boolean; plain_http?: boolean; connect_timeout?: number }
}

/** A project found on disk: absolute root and `.modelops-bundle/` paths, and its config.yaml with defaults applied. */
export interface Project {
  /** Absolute path of the folder that holds `.modelops-bundle/` (symbolic links resolved). */
  root: string
  /** Absolute path of `.modelops-bundle/`. */
  dir: string
  registryPath: string
  configPath: string
  config: ProjectConfig
  /** Non-fatal findings while loading config.yaml (unknown keys). */
  warnings?: Warning[]
}

/**
 * Nearest ancestor of `from` (inclusive) holding `.modelops-bundle/`; NOT_A_PROJECT error otherwise.
 * `options.cacheDir`: where the parsed config.yaml is kept between processes (see ParseCacheOptions).
 */
export function findProject(from?: string, options: ParseCacheOptions = {}): Project {
  return openProject(findProjectRoot(from), options)
}

/** The nearest ancestor of `from` (inclusive, symbolic links resolved) holding `.modelops-bundle/`; NOT_A_PROJECT otherwise. */
export function findProjectRoot(from?: string): string {
  let cwd = from
  if (cwd === undefined) {
    try {
      cwd = process.cwd()
    } catch {
      throw new ModelopsError('NOT_A_PROJECT', 'Not inside a modelops-bundle project (the current directory no longer exists)', { hint: 'cd into your project folder and run the command again' })
    }
  }
  const start = realpathOrResolve(cwd)
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (isDirectory(path.join(dir, BUNDLE_DIR))) return dir
    if (path.dirname(dir) === dir) break
  }
  throw new ModelopsError('NOT_A_PROJECT', `Not inside a modelops-bundle project (no ${BUNDLE_DIR} found)`, {
    hint: `Check you're in the right directory (searched ${start} and its parents). To initialize a new project, run: mops-bundle init`,
  })
}

/**
 * Load `root/.modelops-bundle/config.yaml` (defaults when absent); CONFIG_INVALID with file:line:col on bad input.
 * The parse is cached by the file's exact text (parse-cache.ts); `options.cacheDir` as for findProject.
 */
export function openProject(root: string, options: ParseCacheOptions = {}): Project {
  const abs = realpathOrResolve(root)
  const dir = path.join(abs, BUNDLE_DIR)
  const configPath = path.join(dir, CONFIG_FILE)
  const project: Project = { root: abs, dir, registryPath: path.join(dir, REGISTRY_FILE), configPath, config: defaultConfig() }
  let text: string | undefined
  try {
    // Refused by its size before it is read, as registry.yaml is (registry.ts readRegistryText).
    text = readRegularFileSync(configPath, (size) => {
      if (size > MAX_CONFIG_BYTES) throw tooLarge(`${BUNDLE_DIR}/${CONFIG_FILE}`, size, MAX_CONFIG_BYTES, 'CONFIG_INVALID')
    }).toString('utf8')
  } catch (err) {
    if (err instanceof ModelopsError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      throw new ModelopsError('CONFIG_INVALID', code === 'ENOTREGULAR' || code === 'EISDIR' ? `${BUNDLE_DIR}/${CONFIG_FILE} ${(err as Error).message}` : `cannot read ${BUNDLE_DIR}/${CONFIG_FILE}: ${(err as Error).message}`, {
        file: `${BUNDLE_DIR}/${CONFIG_FILE}`,
        hint: 'check the permissions of the file',
      })
    }
  }
  if (text !== undefined) {
    const file = `${BUNDLE_DIR}/${CONFIG_FILE}`
    const { value: config, warnings } = cachedParse({
      kind: 'config',
      text,
      context: file,
      dir: parseCacheDir(abs, options.cacheDir),
      parse: (sink) => {
        const parsed = parseConfig(text!, file)
        sink.push(...parsed.warnings)
        return parsed.config
      },
    })
    project.config = config
    if (warnings.length) project.warnings = warnings
  }
  return project
}

/**
 * Create `.modelops-bundle/` with an empty registry and a commented config.yaml; idempotent.
 * Never replaces an existing file, even when another process creates it at the same moment.
 * `created` lists the project-relative files it wrote.
 */
export interface InitOptions {
  /**
   * `registry_ref` written to config.yaml (the Python modelops-bundle requires it).
   * @default made as the Python tool's `init --env <env>` makes it (interop/registry-ref.ts)
   */
  registryRef?: string
  /** Bundle environment (~/.modelops/bundle-env/<env>.yaml) the default registry_ref comes from. @default 'dev' */
  env?: string
}

/**
 * Create `.modelops-bundle/` with an empty registry and a config.yaml holding `registry_ref` plus every other key
 * commented out. Idempotent: existing files are kept, except that `registryRef` given explicitly is added to a
 * config.yaml that has none (`missingRegistryRef` says when one is missing and was not given).
 * @throws ModelopsError CONFIG_INVALID when an existing config.yaml is malformed; file system errors (EACCES, ENOSPC) as thrown by node:fs.
 */
export async function initProject(dir: string, options: InitOptions = {}): Promise<{ project: Project; created: string[]; registryRef: string | null; registryRefSource: string | null; missingRegistryRef: boolean }> {
  const root = path.resolve(dir)
  const bundleDir = path.join(root, BUNDLE_DIR)
  try {
    fs.mkdirSync(bundleDir, { recursive: true })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? `${bundleDir} exists and is not a folder` : (err as Error).message
    throw new ModelopsError('USAGE', `cannot create ${BUNDLE_DIR}/ in ${root}: ${why}`, {
      hint: code === 'EEXIST' || code === 'ENOTDIR' ? `move ${bundleDir} aside, then run mops-bundle init again` : 'check that the folder exists and is writable',
      exitCode: 1,
    })
  }
  const ref = options.registryRef !== undefined ? { registryRef: checkRegistryRef(options.registryRef), source: 'option' } : defaultRegistryRef(path.basename(root), options.env)
  const created: string[] = []
  const files: Array<[string, string]> = [
    [REGISTRY_FILE, serializeRegistry(emptyRegistry())],
    [CONFIG_FILE, registryRefBlock(ref.registryRef) + CONFIG_TEMPLATE],
  ]
  for (const [name, text] of files) {
    const file = path.join(bundleDir, name)
    if (fs.existsSync(file)) continue
    try {
      await writeFileAtomic(file, text, { overwrite: false })
      created.push(`${BUNDLE_DIR}/${name}`)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  let written: string | null = created.includes(`${BUNDLE_DIR}/${CONFIG_FILE}`) ? ref.registryRef : null
  let missingRegistryRef = false
  if (written === null && openProject(root).config.registry_ref === undefined) {
    // An existing config.yaml without registry_ref, which the Python tool refuses: added only when asked for by name.
    if (options.registryRef === undefined) missingRegistryRef = true
    else {
      const configPath = path.join(bundleDir, CONFIG_FILE)
      const text = fs.readFileSync(configPath, 'utf8')
      await writeFileAtomic(configPath, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}\n${registryRefBlock(ref.registryRef)}`)
      written = ref.registryRef
    }
  }
  return { project: openProject(root), created, registryRef: written, registryRefSource: written === null ? null : ref.source, missingRegistryRef }
}

/** The registry_ref key with its explanation, as init writes it. */
export function registryRefBlock(registryRef: string): string {
  return `# The OCI repository the Python modelops-bundle pushes this bundle to (it requires this key;
# mops-bundle does not use it). Set by mops-bundle init (--registry-ref, or made from --env).
registry_ref: ${JSON.stringify(registryRef)}

`
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}

function realpathOrResolve(p: string): string {
  const abs = path.resolve(p)
  try {
    return fs.realpathSync.native(abs)
  } catch {
    return abs
  }
}
