// Every path we store is project-relative POSIX (§8.2.6 of the reference: it stored CWD-relative, `..` and absolute
// paths). These functions are the only way in: user input → resolveProjectPath, stored path → absolutePath.
import fs from 'node:fs'
import path from 'node:path'
import { ModelopsError } from '../errors.js'
import { BUNDLE_DIR } from './constants.js'
import type { Project } from './project.js'

const NUL_OR_NEWLINE = /[\0\n\r]/

/**
 * Turn a user-typed path (relative to `cwd`, default process.cwd()) into a project-relative POSIX path.
 * Refuses (PATH_OUTSIDE) `..` escapes, absolute paths outside the root and symlinks resolving outside;
 * (PATH_INVALID) NUL or newline characters, the project root itself and anything inside `.modelops-bundle/`.
 * The path need not exist. A path inside the project is kept as written (a symlink inside the project pointing
 * to another place inside it is not replaced by its target).
 */
export function resolveProjectPath(project: Project, input: string, cwd?: string): string {
  checkCharacters(input, input)
  if (input.trim() === '') throw new ModelopsError('PATH_INVALID', 'empty path', { hint: 'name a file or folder inside the project' })
  const base = cwd ?? process.cwd()
  const abs = path.resolve(base, input)
  const rootReal = realRoot(project)

  const lexical = insideRel(project.root, abs) ?? insideRel(rootReal, abs)
  const real = realpathOfLongestPrefix(abs)
  const realRel = insideRel(rootReal, real)
  if (realRel === undefined) {
    const via = lexical !== undefined ? ` (it resolves to ${real} through a symbolic link)` : ''
    throw new ModelopsError('PATH_OUTSIDE', `path ${JSON.stringify(input)} is outside the project${via}; the project root is ${project.root}`, {
      hint: 'registered files must live inside the project folder: copy or move the file into it, then register the copy',
    })
  }
  // On a case-insensitive disk `Data.csv` and `data.csv` are one file: store the name as it is on disk, so one
  // file never gets two registry paths. (realpath keeps the case as typed on case-sensitive disks: no change there.)
  const rel = lexical !== undefined && lexical !== realRel && lexical.toLowerCase() === realRel.toLowerCase() ? realRel : (lexical ?? realRel)
  if (rel === '') {
    throw new ModelopsError('PATH_INVALID', `path ${JSON.stringify(input)} is the project root itself (${project.root})`, {
      hint: 'name a file or folder inside the project',
    })
  }
  if (rel === BUNDLE_DIR || rel.startsWith(`${BUNDLE_DIR}/`)) {
    throw new ModelopsError('PATH_INVALID', `path ${JSON.stringify(input)} is inside ${BUNDLE_DIR}/, which holds the registry itself`, {
      hint: 'register your model, data and code files, not the bookkeeping files of modelops-bundle',
    })
  }
  return rel
}

/**
 * Absolute path of a stored project-relative path. Refuses stored paths that are not in normal form or escape
 * the project, including through a symbolic link, so nothing outside the project is ever read.
 */
export function absolutePath(project: Project, rel: string): string {
  const problem = storedPathProblem(rel)
  if (problem) {
    throw new ModelopsError(problem.outside ? 'PATH_OUTSIDE' : 'PATH_INVALID', `stored path ${JSON.stringify(rel)} ${problem.message}; the project root is ${project.root}`, {
      hint: 'paths in .modelops-bundle/registry.yaml are project-relative POSIX paths such as data/data.csv: fix the entry or register the file again',
    })
  }
  const abs = path.join(project.root, ...rel.split('/'))
  const real = realpathOfLongestPrefix(abs)
  if (insideRel(realRoot(project), real) === undefined) {
    throw new ModelopsError('PATH_OUTSIDE', `stored path ${JSON.stringify(rel)} resolves to ${real} through a symbolic link, outside the project root ${project.root}`, {
      hint: 'replace the symbolic link by the file itself (copy it into the project), or remove the entry from the registry',
    })
  }
  return abs
}

/** True when `abs` (after following symbolic links) is inside the project. For walking directories. */
export function isInsideProject(project: Pick<Project, 'root'>, abs: string): boolean {
  return insideRel(realRoot(project), realpathOfLongestPrefix(path.resolve(abs))) !== undefined
}

/**
 * isInsideProject for the many paths of one pass (a warm digest pass checks thousands): each folder's realpath is
 * resolved once, and a file that exists and is no symbolic link resolves to its folder's realpath plus its name
 * (one lstat instead of a realpath per file). Anything else (a link, a missing path) takes the full rule.
 */
export function insideProjectChecker(project: Pick<Project, 'root'>): (abs: string) => boolean {
  const check = insideProjectStatter(project)
  return (abs) => check(path.resolve(abs)) !== false
}

/**
 * insideProjectChecker that also hands back the lstat it took, so a caller about to stat the path needs no second
 * stat: false when `abs` (absolute, normalised) leads outside the project; else the path's bigint lstat when it
 * exists and is no symbolic link (then equal to its stat), or null (missing, a link, unreadable: stat it yourself).
 */
export function insideProjectStatter(project: Pick<Project, 'root'>): (abs: string) => fs.BigIntStats | null | false {
  const root = realRoot(project)
  const realDirs = new Map<string, string>()
  // realpaths are normalised: on POSIX a prefix test says what path.relative would (and costs far less).
  const rootSlash = root.endsWith('/') ? root : `${root}/`
  const under = (real: string) => (path.sep === '/' ? real === root || real.startsWith(rootSlash) : insideRel(root, real) !== undefined)
  return (abs) => {
    let st: fs.BigIntStats | undefined
    try {
      st = fs.lstatSync(abs, { bigint: true, throwIfNoEntry: false })
    } catch {
      st = undefined // ENOTDIR, EACCES, ELOOP: the full rule decides
    }
    if (!st || st.isSymbolicLink()) return isInsideProject(project, abs) && null
    const cut = abs.lastIndexOf(path.sep)
    const dir = path.sep === '/' && cut > 0 ? abs.slice(0, cut) : path.dirname(abs)
    let realDir = realDirs.get(dir)
    if (realDir === undefined) realDirs.set(dir, (realDir = realpathOfLongestPrefix(dir)))
    return under(`${realDir}${realDir.endsWith(path.sep) ? '' : path.sep}${abs.slice(cut + 1)}`) && st
  }
}

/**
 * Normal form of a stored path: `/` separators, no `./`, no empty segments, no trailing `/`.
 * Returns the cleaned path or, when it cannot be made project-relative, the reason.
 */
export function normalizeStoredPath(raw: string): { path: string } | { error: string; outside: boolean } {
  if (NUL_OR_NEWLINE.test(raw)) return { error: 'contains a NUL or newline character', outside: false }
  // No trimming: a name may really end in a space, and resolveProjectPath keeps it.
  let p = raw.replace(/\\/g, '/')
  if (p.trim() === '') return { error: 'is empty', outside: false }
  if (p.startsWith('/') || /^[A-Za-z]:\//.test(p)) return { error: 'is absolute', outside: true }
  p = path.posix.normalize(p)
  if (p === '..' || p.startsWith('../')) return { error: 'points outside the project (..)', outside: true }
  p = p.replace(/\/+$/, '')
  if (p === '.' || p === '') return { error: 'is the project root itself', outside: false }
  return { path: p }
}

/** Why a stored path is not in normal form, or undefined when it is. */
export function storedPathProblem(rel: string): { message: string; outside: boolean } | undefined {
  const n = normalizeStoredPath(rel)
  if ('error' in n) return { message: n.error, outside: n.outside }
  if (n.path !== rel) return { message: `is not in normal form (expected ${JSON.stringify(n.path)})`, outside: false }
  return undefined
}

function checkCharacters(input: string, shown: string): void {
  if (NUL_OR_NEWLINE.test(input)) {
    throw new ModelopsError('PATH_INVALID', `path ${JSON.stringify(shown)} contains a NUL or newline character`, {
      hint: 'rename the file: modelops-bundle stores one path per line and cannot represent these characters',
    })
  }
}

/** Project-relative POSIX path of `abs` when it is inside `root` ('' for the root), else undefined. */
function insideRel(root: string, abs: string): string | undefined {
  const rel = path.relative(root, abs)
  if (rel === '') return ''
  if (path.isAbsolute(rel) || rel === '..' || rel.startsWith(`..${path.sep}`)) return undefined
  return rel.split(path.sep).join('/')
}

const realRoots = new Map<string, string>()
/** The project root with symbolic links resolved (memoised): what "inside the project" is measured against. */
export function realProjectRoot(project: Pick<Project, 'root'>): string {
  return realRoot(project)
}
function realRoot(project: Pick<Project, 'root'>): string {
  let real = realRoots.get(project.root)
  if (real === undefined) {
    real = realpathOfLongestPrefix(project.root)
    realRoots.set(project.root, real)
  }
  return real
}

/** realpath of the longest existing prefix of `abs`, with the non-existing rest appended. */
export function realpathOfLongestPrefix(abs: string, depth = 0): string {
  const rest: string[] = []
  let cur = abs
  for (;;) {
    try {
      const real = fs.realpathSync.native(cur)
      return rest.length ? path.join(real, ...rest.reverse()) : real
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      // ENOENT: not there yet. ENOTDIR: a file used as a folder. ELOOP: a symlink cycle; resolve what is above it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP') throw err
      // A dangling symlink: writing through it would create its target, so follow the link text.
      if (code === 'ENOENT' && depth < 40) {
        let target: string | undefined
        try {
          target = fs.readlinkSync(cur)
        } catch {}
        if (target !== undefined) {
          const resolved = realpathOfLongestPrefix(path.resolve(path.dirname(cur), target), depth + 1)
          return rest.length ? path.join(resolved, ...rest.reverse()) : resolved
        }
      }
      const parent = path.dirname(cur)
      if (parent === cur) return abs
      rest.push(path.basename(cur))
      cur = parent
    }
  }
}
