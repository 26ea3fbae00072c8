// Module paths and the project import graph: which project .py files a model file pulls in (§3.6 `files`
// mode, without its directory results and without the model file itself).
import { existsSync, realpathSync, statSync } from 'node:fs'
import { listTree } from '../digest/tree.js'
import { readRegularFile } from '../project/read.js'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { ModelopsError } from '../errors.js'
import { importRootOf, importRoots } from './roots.js'
import { scanSource, type ImportInfo } from './scan.js'

// Python 3 identifiers (PEP 3131): non-ASCII letters are fine; keywords cannot be module names.
const IDENT = /^[\p{XID_Start}_][\p{XID_Continue}]*$/u
const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
)

/**
 * `models/sir.py` → `models.sir` (`rel` relative to its import root); DISCOVERY error with the reference's advice
 * when the module has no dot. `shown`: the path to name in messages (project-relative), default `rel`.
 */
export function moduleFromPath(rel: string, shown = rel): string {
  const posix = rel.replace(/\\/g, '/').replace(/^\.\//, '')
  if (posix.startsWith('/') || posix.startsWith('../') || /^[A-Za-z]:\//.test(posix)) {
    throw new ModelopsError('DISCOVERY', `'${shown}' is outside the project, so it has no module path.`, { file: shown, hint: 'Give a path inside the project root.' })
  }
  const parts = posix.replace(/\.py$/, '').split('/').filter((p) => p !== '' && p !== '.')
  if (parts[parts.length - 1] === '__init__') parts.pop()
  const bad = parts.find((p) => !IDENT.test(p) || KEYWORDS.has(p))
  if (bad !== undefined) {
    throw new ModelopsError('DISCOVERY', `'${shown}' cannot be imported as a Python module: '${bad}' is not a valid module name.`, {
      file: shown,
      hint: 'Use directory and file names that are Python identifiers: letters, digits and underscores, not starting with a digit, and not a keyword.',
    })
  }
  if (parts.length < 2) {
    const shownPosix = shown.replace(/\\/g, '/')
    const name = shownPosix.split('/').pop() ?? shownPosix
    const dir = shownPosix.slice(0, shownPosix.length - name.length)
    const module = name.replace(/\.py$/, '')
    throw new ModelopsError('DISCOVERY', `Model file '${shown}' must be inside a package directory. Files at the ${dir ? `top of an import root (${dir})` : 'project root'} cannot be imported as Python modules.`, {
      file: shown,
      hint: `Move your model to a subdirectory, for example: mkdir ${dir}models && mv ${shown} ${dir}models/ && mops-bundle register-model ${dir}models/${name} (this gives a valid import path like 'models.${module}:ClassName').`,
    })
  }
  return parts.join('.')
}

/** Module path of project file `rel` (project-relative) from its import root (see roots.ts). */
export function moduleOf(root: string, rel: string, roots: readonly string[] = importRoots(root)): string {
  const abs = resolve(root, rel)
  const from = importRootOf(roots, abs, root)
  return moduleFromPath(relative(from, abs).split(sep).join('/'), rel)
}

/**
 * `__init__.py` files of the packages a file belongs to, from its import root down: importing the module runs
 * each of them first (`a/__init__.py`, `a/b/__init__.py` for `a/b/m.py`).
 */
export function ownPackageInits(root: string, file: string, roots: readonly string[]): string[] {
  const from = importRootOf(roots, file, root)
  const out: string[] = []
  const parts = relative(from, dirname(file)).split(sep).filter(Boolean)
  for (let i = 1; i <= parts.length; i++) {
    const init = join(from, ...parts.slice(0, i), '__init__.py')
    if (isFile(init)) out.push(init)
  }
  return out
}

function isFile(p: string): boolean {
  try { return statSync(p).isFile() } catch { return false }
}

/** Absolute module name of a relative import (`..x` from package `a.b.c`), or null if it climbs above the top. */
export function absoluteModule(spec: string, packageName: string): string | null {
  const m = /^(\.*)(.*)$/.exec(spec)!
  const level = m[1]!.length
  if (level === 0) return spec
  const pkg = packageName ? packageName.split('.') : []
  // Python refuses to climb above the top-level package ("beyond top-level package").
  if (level > 1 && level - 1 >= pkg.length) return null
  const base = pkg.slice(0, pkg.length - (level - 1))
  return [...base, ...(m[2] ? m[2].split('.') : [])].join('.')
}

/** Package a file's relative imports are relative to: its directory (the package it is in). */
export function packageOf(searchRoot: string, file: string): string {
  const relDir = relative(searchRoot, dirname(file))
  return relDir === '' ? '' : relDir.split(sep).join('.')
}

/**
 * Files a module name stands for under one search root: `a.b.c` → a/__init__.py, a/b/__init__.py and
 * a/b/c.py or a/b/c/__init__.py (importing a module runs its parent packages' __init__ too).
 */
export function moduleFiles(searchRoot: string, module: string): { files: string[]; found: boolean } {
  const parts = module.split('.').filter(Boolean)
  const files: string[] = []
  let dir = searchRoot
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1
    const pkgInit = join(dir, parts[i]!, '__init__.py')
    if (isFile(pkgInit)) {
      files.push(pkgInit)
      dir = join(dir, parts[i]!)
      continue
    }
    if (last && isFile(join(dir, parts[i]! + '.py'))) { files.push(join(dir, parts[i]! + '.py')); return { files, found: true } }
    // A namespace package directory (no __init__.py) still leads on.
    if (!last && existsSync(join(dir, parts[i]!))) { dir = join(dir, parts[i]!); continue }
    return { files, found: false }
  }
  return { files, found: parts.length > 0 }
}

function withinRoot(root: string, p: string): boolean {
  const r = relative(root, p)
  return r !== '' && !r.startsWith('..') && !isAbsolute(r)
}

/** Project files one import statement reaches, from `file` inside `searchRoots`. */
function filesOfImport(imp: ImportInfo, file: string, searchRoots: string[]): string[] {
  const out: string[] = []
  const relativeImport = imp.module.startsWith('.')
  const roots = relativeImport ? searchRoots.filter((r) => withinRoot(r, file)) : searchRoots
  for (const root of roots) {
    const module = relativeImport ? absoluteModule(imp.module, packageOf(root, file)) : imp.module
    if (module === null) continue
    const base = module === '' ? { files: isFile(join(root, '__init__.py')) ? [join(root, '__init__.py')] : [], found: true } : moduleFiles(root, module)
    out.push(...base.files)
    if (imp.kind === 'from' && (base.found || module === '')) {
      // `from pkg import sub` may name a submodule.
      for (const { name } of imp.names) {
        if (name === '*') continue
        const sub = moduleFiles(root, module ? `${module}.${name}` : name)
        if (sub.found) out.push(...sub.files)
      }
    }
    if (base.found && !relativeImport) break
  }
  return out
}

/**
 * Every project `.py` reachable from `modelFile` (project-relative) through imports, transitively, with the
 * `__init__.py` of the model's own packages (they run when the model is imported); sorted, never a directory.
 */
export async function codeDependencies(root: string, modelFile: string, options?: { codeRoots?: readonly string[] }): Promise<string[]> {
  const absRoot = resolve(root)
  // Where `import x` looks inside the project: the import roots (project root, code roots, pyproject's package folders).
  const searchRoots = importRoots(absRoot, options?.codeRoots)
  const start = resolve(absRoot, modelFile)
  const seen = new Set<string>([start])
  const queue = [start]
  for (const init of ownPackageInits(absRoot, start, searchRoots)) {
    if (!seen.has(init)) { seen.add(init); queue.push(init) }
  }
  while (queue.length) {
    const file = queue.shift()!
    let text: string
    try { text = (await readRegularFile(file)).toString('utf8') } catch { continue }
    const info = await scanSource(text)
    for (const imp of info.imports) {
      for (const dep of filesOfImport(imp, file, searchRoots)) {
        if (!withinRoot(absRoot, dep) || seen.has(dep)) continue
        seen.add(dep)
        queue.push(dep)
      }
    }
  }
  seen.delete(start)
  return [...seen].map((f) => relative(absRoot, f).split(sep).join('/')).sort()
}

/**
 * The reference's `package` import mode (its discovery.py `discover_local_imports`): every top-level project package
 * the model file imports, and the model's own top-level package, whole; a top-level module file as itself. Not
 * transitive. The reference records such a package as a folder, which its own hashing cannot read (it crashes with
 * IsADirectoryError), so we record the package's `.py` files instead: the same code, in a form both tools digest.
 */
export async function packageDependencies(root: string, modelFile: string, options?: { codeRoots?: readonly string[] }): Promise<string[]> {
  const absRoot = resolve(root)
  const roots = importRoots(absRoot, options?.codeRoots)
  const start = resolve(absRoot, modelFile)
  let text: string
  try { text = (await readRegularFile(start)).toString('utf8') } catch { return [] }
  const tops = new Set<string>()
  for (const imp of (await scanSource(text)).imports) {
    if (!imp.module.startsWith('.')) tops.add(imp.module.split('.')[0]!)
  }
  const picks = new Set<string>()
  for (const top of tops) {
    if (!IDENT.test(top)) continue
    for (const r of roots) {
      if (isFile(join(r, top, '__init__.py'))) picks.add(join(r, top))
      else if (isFile(join(r, `${top}.py`))) picks.add(join(r, `${top}.py`))
    }
  }
  for (const r of roots) {
    const rel = relative(r, start)
    const parts = rel.split(sep)
    if (rel.startsWith('..') || isAbsolute(rel) || parts.length < 2) continue
    if (isFile(join(r, parts[0]!, '__init__.py'))) picks.add(join(r, parts[0]!))
  }
  const rootReal = realpathSync(absRoot)
  const out = new Set<string>()
  for (const pick of picks) {
    if (!withinRoot(absRoot, pick)) continue
    const rel = relative(absRoot, pick).split(sep).join('/')
    if (pick.endsWith('.py')) { out.add(rel); continue }
    const listing = await listTree(pick, rel, rootReal)
    for (const name of listing.names) if (name.endsWith('.py')) out.add(`${rel}/${name}`)
  }
  out.delete(relative(absRoot, start).split(sep).join('/'))
  return [...out].sort()
}
