// The per-file steps register-model and register-target share: which files a run scans, discovering them, applying
// --class/--target/--exclude, and the checks and warnings about a scanned file (missing, a folder, no __init__.py).
import fs from 'node:fs'
import { relative, sep } from 'node:path'
import { ModelopsError, type Warning } from '../errors.js'
import type { Project } from '../project/project.js'
import type { Workspace } from '../workspace/workspace.js'
import { absolutePath } from '../project/paths.js'
import { discoverFile, type DiscoveryResult } from '../python/discover.js'
import { ModuleScans } from '../python/scans.js'
import { importRootOf } from '../python/roots.js'
import { compareCodePoints } from '../digest/canonical.js'

/**
 * The project of `source`, and the stat cache folder its hashing may use: a Workspace's cache folder (a register right
 * after a build or status re-hashes none of the unchanged files), none for a bare Project (memory only).
 */
export function reconcileSource(source: Workspace | Project): { project: Project; cacheDir: string | false } {
  return 'project' in source ? { project: source.project, cacheDir: source.cacheDir ?? false } : { project: source, cacheDir: false }
}

export function fileSet(file: string | null, registered: string[], regenAll?: boolean): string[] {
  if (file === null && !regenAll) throw new ModelopsError('USAGE', 'no file given', { hint: 'name a Python file, or pass --regen-all to rescan every registered file' })
  if (file !== null && !/\.pyw?$/.test(file)) {
    throw new ModelopsError('PATH_INVALID', 'not a Python file', { file, exitCode: 1, hint: 'models and targets are discovered in .py files; data files go in --data' })
  }
  if (!regenAll) return [file!]
  const all = new Set(registered)
  if (file !== null) all.add(file)
  return [...all].sort(compareCodePoints)
}

/** One run's parsed modules: with --regen-all over many files, parsed ahead on the parse pool when that pays. */
export function scansFor(project: Project, files: string[]): ModuleScans {
  return ModuleScans.for(files.filter((f) => existsFile(project, f)).map((f) => absolutePath(project, f)))
}

export async function discover(project: Project, path: string, warnings: Warning[], scans: ModuleScans): Promise<DiscoveryResult> {
  const found = await discoverFile(absolutePath(project, path), { root: project.root, baseClasses: project.config.base_classes, codeRoots: project.config.code_roots, scans })
  for (const issue of found.errors) warnings.push({ code: 'DISCOVERY', message: issue.message, file: path, line: issue.line })
  return found
}

export function select(path: string, discovered: string[], only: string[] | undefined, exclude: string[] | undefined, what: 'class' | 'target', shown = discovered) {
  const known = new Set(discovered)
  const unknown = (only ?? []).filter((n) => !known.has(n))
  if (unknown.length > 0) {
    const plural = unknown.length === 1 ? what : what === 'class' ? 'classes' : 'targets'
    throw new ModelopsError('USAGE', `${plural} not found: ${unknown.join(', ')}`, {
      file: path,
      exitCode: 1,
      hint: discovered.length > 0 ? `found: ${shown.join(', ')}` : `no ${what === 'class' ? 'model classes' : 'calibration targets'} in this file`,
    })
  }
  const excluded = new Set(exclude ?? [])
  const selected = discovered.filter((n) => (only === undefined || only.includes(n)) && !excluded.has(n))
  const untouched = only === undefined ? [] : discovered.filter((n) => !only.includes(n) && !excluded.has(n))
  return { selected, excluded, untouched }
}

/**
 * Folders of the module path without `__init__.py` (reference-spec §4.3.5): Python 3 imports them as namespace
 * packages, but the Python tool and its workers require the file, so a missing one is worth a warning.
 */
export function missingInits(project: Project, path: string, roots: readonly string[], warnings: Warning[]): void {
  // Folders from the file's import root down (`src/` of a src layout is a root, not a package).
  const from = relative(project.root, importRootOf(roots, absolutePath(project, path), project.root)).split(sep).join('/')
  const parts = path.split('/').slice(0, -1)
  for (let i = from ? from.split('/').length + 1 : 1; i <= parts.length; i++) {
    const dir = parts.slice(0, i).join('/')
    if (!existsAny(project, `${dir}/__init__.py`)) {
      warnings.push({ code: 'PACKAGE_INIT', message: `${dir}/ has no __init__.py, which workers of the Python modelops-bundle need to import it (touch ${dir}/__init__.py)`, file: path })
    }
  }
}

/** --exclude of a name the file does not define: nothing to do, but likely a typo worth a warning. */
export function unknownExcludes(path: string, known: string[], exclude: string[] | undefined, warnings: Warning[]): void {
  for (const name of exclude ?? []) {
    if (!known.includes(name)) warnings.push({ code: 'DISCOVERY', message: `--exclude ${name}: no such name in this file`, file: path })
  }
}

export function idsOf<E extends { path: string }>(entries: Record<string, E>, path: string, names: Set<string>, nameOf: (e: E) => string): Set<string> {
  return new Set(Object.entries(entries).filter(([, e]) => e.path === path && names.has(nameOf(e))).map(([id]) => id))
}

export function notFound(project: Project, path: string, what: string, command: string): ModelopsError {
  if (existsAny(project, path)) {
    return new ModelopsError('PATH_INVALID', `is a folder, not a ${what}`, { file: path, hint: `${command} takes one Python file at a time` })
  }
  return new ModelopsError('FILE_NOT_FOUND', `${what} not found`, {
    file: path,
    hint: `check the path; if the file was deleted on purpose, run \`mops-bundle ${command} --regen-all\` to drop its entries`,
  })
}

export function existsFile(project: Project, rel: string): boolean {
  try {
    return fs.statSync(absolutePath(project, rel)).isFile()
  } catch {
    return false
  }
}

export function uniq(list: string[]): string[] {
  return [...new Set(list)]
}

/** The project-relative path exists (file, folder or link); false for a path outside the project. */
export function existsAny(project: Project, rel: string): boolean {
  try {
    return fs.existsSync(absolutePath(project, rel))
  } catch {
    return false
  }
}
