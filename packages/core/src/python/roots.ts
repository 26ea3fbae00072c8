// Import roots: the project folders Python imports top-level packages from (sys.path entries inside the
// project). The project root, config.yaml's code_roots, and the package folders pyproject.toml declares for
// setuptools, hatch, poetry and pdm. Entrypoints are module paths from the deepest root that holds the file, so
// `src/mypkg/models/sir.py` is `mypkg.models.sir` when `src` is a root.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, join, posix, relative, resolve } from 'node:path'
import { parseTomlText } from '../digest/env-sources.js'

const table = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [])
const parentOf = (p: string) => posix.dirname(p.replace(/\/+$/, ''))

/**
 * Folders (project-relative POSIX, `.` for the root) that pyproject.toml makes import roots:
 * setuptools `package-dir = {"" = "src"}` (or `{pkg = "src/pkg"}`) and `packages.find.where`; hatch wheel
 * `packages = ["src/pkg"]` and `sources`; poetry `packages = [{include, from}]`; pdm `package-dir`.
 */
export function pyprojectRoots(root: string): string[] {
  let text: string
  try { text = readFileSync(join(root, 'pyproject.toml'), 'utf8') } catch { return [] }
  const doc = parseTomlText(text, 'pyproject.toml', 'fix the syntax; discovery reads the package folders (e.g. [tool.setuptools] package-dir) from this file')
  const tool = table(doc.tool) ?? {}
  const out: string[] = []
  const setuptools = table(tool.setuptools)
  for (const [pkg, dir] of Object.entries(table(setuptools?.['package-dir']) ?? {})) {
    if (typeof dir !== 'string') continue
    if (pkg === '') out.push(dir)
    else if (!pkg.includes('.') && posix.basename(dir.replace(/\/+$/, '')) === pkg) out.push(parentOf(dir))
  }
  out.push(...strings(table(table(setuptools?.packages)?.find)?.where))
  const wheel = table(table(table(table(tool.hatch)?.build)?.targets)?.wheel)
  out.push(...strings(wheel?.packages).map(parentOf))
  const sources = wheel?.sources
  if (Array.isArray(sources)) out.push(...strings(sources))
  else for (const [from, to] of Object.entries(table(sources) ?? {})) if (to === '') out.push(from)
  for (const p of Array.isArray(table(tool.poetry)?.packages) ? (table(tool.poetry)!.packages as unknown[]) : []) {
    const from = table(p)?.from
    if (typeof from === 'string') out.push(from)
  }
  out.push(...strings(table(table(tool.pdm)?.build)?.['package-dir']))
  return out.map((d) => posix.normalize(d.replace(/\\/g, '/')).replace(/\/+$/, '') || '.')
}

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory() } catch { return false }
}

function inside(root: string, p: string): boolean {
  const r = relative(root, p)
  return !r.startsWith('..') && !isAbsolute(r)
}

/**
 * Absolute import roots of the project: its root first, then `codeRoots` (config.yaml) and pyproject's package
 * folders, each once, only folders that exist inside the project.
 */
export function importRoots(root: string, codeRoots: readonly string[] = ['.', 'src']): string[] {
  const abs = resolve(root)
  const out: string[] = []
  for (const r of ['.', ...codeRoots, ...pyprojectRoots(abs)]) {
    const dir = resolve(abs, r)
    if (!out.includes(dir) && inside(abs, dir) && isDir(dir)) out.push(dir)
  }
  return out
}

/**
 * The import root a file's module path starts from: the deepest root holding it that is not itself a package
 * (a folder with `__init__.py` is imported as a package of the root above it). The project root otherwise.
 */
export function importRootOf(roots: readonly string[], file: string, projectRoot: string): string {
  let best = resolve(projectRoot)
  for (const r of roots) {
    if (r.length > best.length && inside(r, file) && relative(r, file) !== '' && !existsSync(join(r, '__init__.py'))) best = r
  }
  return best
}
