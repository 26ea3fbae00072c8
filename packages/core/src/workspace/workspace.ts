// One project opened once, for one build or one CLI command: the project and its config, the cache folder resolved
// once, the output store's tiers and the settings. Every core entry point that touches the cache takes a Workspace.
import fs from 'node:fs'
import path from 'node:path'
import { LocalStore, type LocalStoreOptions } from '../cache/local-store.js'
import type { OutputTiers, RemoteTier } from '../cache/types.js'
import { configuredRemoteTier, type RemoteCacheOptions } from '../cache/remote/settings.js'
import type { Warning } from '../errors.js'
import { NODE_MODULES_CACHE_DIR, WORKSPACE_CACHE_DIR } from '../project/constants.js'
import { findProjectRoot, openProject, type Project, type ProjectConfig } from '../project/project.js'
import { loadRegistry } from '../registry/registry.js'
import type { Registry } from '../registry/types.js'

/** How a workspace is opened: who opens it (CLI or build), the cache folder, remote cache and registry overrides. */
export interface WorkspaceSettings {
  /**
   * Who opens the workspace; decides the default cache folder (docs/cache.md, "Where the cache lives").
   * 'build': `<bundlerRoot>/node_modules/.cache/modelops-bundle`.
   * 'cli': `<root>/node_modules/.cache/modelops-bundle` when `<root>/node_modules` exists, else the self-ignoring
   * `<root>/.modelops-bundle/cache/` (never a node_modules folder in a Python project).
   * @default 'cli'
   */
  mode?: 'build' | 'cli'
  /** The bundler's root (Vite `root`, webpack `context`, esbuild `absWorkingDir`). @default the project root */
  bundlerRoot?: string
  /**
   * Cache folder (stat cache, parse snapshots, output store); a relative path is resolved against the project root.
   * `false`: nothing persisted (digests in memory only; no output store).
   * @default by `mode`, above
   */
  cacheDir?: string | false
  /** Registry file, relative to the project root. @default '.modelops-bundle/registry.yaml' */
  registry?: string
  /** Options of the local output store (tier 1). @default {} */
  local?: Omit<LocalStoreOptions, 'onWarning'>
  /** The shared output store (tier 2), given as an object (tests, other stores). @default from `remoteCache` */
  remote?: RemoteTier
  /**
   * The remote cache settings (the plugin option `remoteCache`): override config.yaml's `remote_cache`, and are
   * overridden by MODELOPS_REMOTE_CACHE / MODELOPS_REMOTE_CACHE_PUSH (docs/remote-cache.md). `false`: no remote.
   * @default config.yaml's `remote_cache`, if any
   */
  remoteCache?: RemoteCacheOptions | false
  /** Where the stores' warnings go. @default dropped */
  onWarning?: (message: string) => void
}

/** The workspace's output tiers; its local tier is the disk store. */
export type WorkspaceOutputs = OutputTiers & { local: LocalStore }

/**
 * One modelops-bundle project as a caller sees it: the project (`.modelops-bundle/`), its registry, its cache folder
 * (resolved once, by `settings.mode`) and its output tiers. Open it with `Workspace.open(from)`, which throws
 * NOT_A_PROJECT when no folder from `from` upwards holds `.modelops-bundle/` and CONFIG_INVALID for a bad config.yaml.
 */
export class Workspace {
  /** The project: root, `.modelops-bundle/`, registry and config paths, config.yaml with defaults. */
  readonly project: Project
  /** Absolute cache folder, or undefined when nothing is persisted (`cacheDir: false`). */
  readonly cacheDir: string | undefined
  readonly settings: Readonly<WorkspaceSettings>
  private tiers: WorkspaceOutputs | undefined

  private constructor(project: Project, cacheDir: string | undefined, settings: WorkspaceSettings) {
    this.project = project
    this.cacheDir = cacheDir
    this.settings = settings
  }

  /**
   * Open the project holding `from` (searched upward for `.modelops-bundle/`; NOT_A_PROJECT otherwise).
   * config.yaml is read (and its parse cached) in the workspace's cache folder.
   */
  static open(from: string, settings: WorkspaceSettings = {}): Workspace {
    // The root decides the cache folder, which holds config.yaml's parse: find the root, then open the project.
    const root = findProjectRoot(from)
    const cacheDir = resolveCacheDir(root, settings)
    if (cacheDir !== undefined && cacheDir === path.join(root, WORKSPACE_CACHE_DIR)) selfIgnoring(cacheDir)
    return Workspace.of(openProject(root, { cacheDir: cacheDir ?? false }), settings)
  }

  /** A workspace over a project already open (its root found and config.yaml read): tests, tools that hold a Project. */
  static of(project: Project, settings: WorkspaceSettings = {}): Workspace {
    const cacheDir = resolveCacheDir(project.root, settings)
    const opened = settings.registry === undefined ? project : { ...project, registryPath: path.resolve(project.root, settings.registry) }
    return new Workspace(opened, cacheDir, settings)
  }

  /** The project root (absolute, symbolic links resolved). */
  get root(): string {
    return this.project.root
  }

  get config(): ProjectConfig {
    return this.project.config
  }

  /** config.yaml's non-fatal findings (unknown keys). */
  get warnings(): Warning[] {
    return this.project.warnings ?? []
  }

  /** The registry as it is on disk now (parse cached by text in the cache folder). */
  registry(options: { warnings?: Warning[] } = {}): Registry {
    return loadRegistry(this, options)
  }

  /**
   * The output store's tiers: `local` (this machine's disk, `<cacheDir>/outputs-v1`), then `remote` when configured.
   * Created on first use: a command that only digests never touches the output store.
   */
  get outputs(): WorkspaceOutputs {
    if (!this.tiers) {
      if (this.cacheDir === undefined) throw new Error('this workspace was opened with cacheDir: false: it has no output store')
      const local = new LocalStore(this.cacheDir, { ...this.settings.local, onWarning: this.settings.onWarning })
      const remote = this.settings.remote ?? configuredRemoteTier(this.project, this.settings.remoteCache, process.env, { onWarning: this.settings.onWarning })
      this.tiers = remote ? { local, remote } : { local }
    }
    return this.tiers
  }
}

/** The absolute cache folder `settings` ask for at `root` (see WorkspaceSettings.cacheDir), or undefined for none. */
export function resolveCacheDir(root: string, settings: Pick<WorkspaceSettings, 'mode' | 'bundlerRoot' | 'cacheDir'> = {}): string | undefined {
  if (settings.cacheDir === false) return undefined
  if (settings.cacheDir !== undefined) return path.resolve(root, settings.cacheDir)
  if (settings.mode === 'build') return path.join(path.resolve(settings.bundlerRoot ?? root), NODE_MODULES_CACHE_DIR)
  return isDirectory(path.join(root, 'node_modules')) ? path.join(root, NODE_MODULES_CACHE_DIR) : path.join(root, WORKSPACE_CACHE_DIR)
}

/**
 * `.modelops-bundle/cache/` ignores itself (as `.pytest_cache` does): a `.gitignore` of `*`, so it is never committed
 * whatever the repository's own .gitignore says, and a CACHEDIR.TAG for backup tools. Best effort: a read-only
 * checkout still runs every command, only without a persistent cache.
 */
function selfIgnoring(dir: string): void {
  const ignore = path.join(dir, '.gitignore')
  if (fs.existsSync(ignore)) return
  try {
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(ignore, '# Created by modelops-bundle: a cache, never committed.\n*\n', { flag: 'wx' })
    fs.writeFileSync(path.join(dir, 'CACHEDIR.TAG'), 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by modelops-bundle.\n# For information about cache directory tags see https://bford.info/cachedir/\n', { flag: 'wx' })
  } catch {
    // EEXIST from a concurrent first run, or a read-only checkout: nothing to do.
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}
