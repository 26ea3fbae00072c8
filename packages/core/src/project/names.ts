// What a model id, target id, output name or generator-written file name may be. Ids become folder names
// (`modelops/<id>/…` in every build's output folder), URL segments and keys of JSON tables, and a registry is
// input from anyone with commit rights: the rules make every id one folder of its own on every OS.
// The allowed set is documented in docs/registry.md ("Ids and names").
import path from 'node:path'
import { ModelopsError } from '../errors.js'

/** C0 and C1 control characters and DEL: never in a name (they break lines, terminals and file systems). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
/** Characters Windows refuses in file names, plus both separators. */
const UNPORTABLE = /[/\\<>:"|?*]/
/** Names Windows reserves for devices, with or without an extension. */
const DEVICE = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\..*)?$/i

/** Why `name` cannot be a target-set name (never a file name: only text on one line), or undefined. */
export function setNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name.trim() === '') return 'is empty'
  if (CONTROL.test(name)) return 'contains a control character (newline, tab, NUL, …)'
  return undefined
}

/**
 * Why `id` cannot be a model id, target id or output name, or undefined when it can.
 * Refused: empty or blank, `/` or `\`, `.` and `..` (any all-dots name), control characters, the characters
 * Windows refuses in file names (`< > : " | ? *`), a trailing dot or space (Windows drops them, so `a.` and `a`
 * would share a folder) and Windows device names (`con`, `nul`, `com1`, …).
 */
export function idProblem(id: string): string | undefined {
  if (typeof id !== 'string' || id.trim() === '') return 'is empty'
  if (CONTROL.test(id)) return 'contains a control character (newline, tab, NUL, …)'
  if (/^\.+$/.test(id)) return 'is only dots (a path segment such as `..`)'
  if (id.includes('/') || id.includes('\\')) return 'contains a path separator (/ or \\)'
  const bad = UNPORTABLE.exec(id)
  if (bad) return `contains ${JSON.stringify(bad[0])}, which file names cannot hold on every system`
  if (/[. ]$/.test(id)) return 'ends in a dot or a space (Windows drops them from file names)'
  if (DEVICE.test(id)) return 'is a device name on Windows (con, prn, aux, nul, com1…, lpt1…)'
  return undefined
}

/** What to do about a refused id, for hints. */
export const ID_HINT = 'ids name a folder of the build output (modelops/<id>/): use letters, digits, `_`, `-` and `.` (e.g. sir_stochasticsir); rename the entry or register it with --id'

/**
 * Two ids that name one folder on a case-insensitive or normalising file system (macOS, Windows): the same
 * text after Unicode NFC normalisation and case folding. Model ids must differ in this key, so two models can
 * never share an output folder on any OS.
 */
export function idFoldKey(id: string): string {
  return id.normalize('NFC').toLowerCase().normalize('NFC')
}

/**
 * Why a file a generator wrote (POSIX path relative to its output folder) cannot be published, or undefined.
 * Stricter than a file system: the name must survive JSON, URLs, one-line logs and a Windows checkout.
 * Refused: control characters (newline, NUL, …), backslashes, empty / `.` / `..` segments, names that are not
 * valid UTF-8 (shown with U+FFFD), a segment ending in a dot or space. `? # %`, spaces and non-ASCII are fine
 * (artifactUrl encodes them).
 */
export function outputNameProblem(rel: string): string | undefined {
  if (typeof rel !== 'string' || rel === '') return 'is empty'
  if (CONTROL.test(rel)) return 'contains a control character (newline, tab, NUL, …)'
  if (rel.includes('\\')) return 'contains a backslash'
  if (rel.includes('\ufffd')) return 'is not valid UTF-8'
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') return 'has an empty, `.` or `..` segment'
    if (/[. ]$/.test(seg)) return `has a segment ending in a dot or a space (${JSON.stringify(seg)})`
  }
  return undefined
}

/**
 * Why a path the plugin writes into the output folder (`modelops/<id>/<file>`, the manifest's fileName) is not a
 * plain relative path inside it, or undefined. Emitters refuse such paths before writing anything.
 */
export function emitPathProblem(fileName: string): string | undefined {
  if (typeof fileName !== 'string' || fileName === '') return 'is empty'
  if (fileName.startsWith('/') || /^[A-Za-z]:/.test(fileName)) return 'is absolute'
  if (CONTROL.test(fileName)) return 'contains a control character'
  if (fileName.includes('\\')) return 'contains a backslash'
  if (fileName.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) return 'has an empty, `.` or `..` segment'
  return undefined
}

/**
 * Absolute path of `fileName` inside the output folder `dir`, for emitters that write files themselves; throws
 * (PATH_OUTSIDE) for a path that is not plain relative or would land outside `dir`. Emitters that hand names to
 * the bundler call it too (with their folder, or any folder), so no bundler's own checks are relied on.
 */
export function outputFilePath(dir: string, fileName: string): string {
  const problem = emitPathProblem(fileName)
  const abs = path.resolve(dir, ...(problem ? [fileName] : fileName.split('/')))
  const rel = path.relative(path.resolve(dir), abs)
  if (problem || rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new ModelopsError('PATH_OUTSIDE', `refusing to write ${JSON.stringify(fileName)} into the output folder ${dir}: the name ${problem ?? 'leads outside it'}`, {
      hint: 'model ids and output names must be plain names (see docs/registry.md, "Ids and names"); rename the model or the file',
    })
  }
  return abs
}

/**
 * A table keyed by ids or paths, without a prototype: `__proto__`, `constructor` or `toString` is an ordinary
 * key (set, read, listed), never Object.prototype's member. Plain assignment is safe on such an object.
 */
export function idTable<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const table = Object.create(null) as Record<string, T>
  for (const [key, value] of entries) table[key] = value
  return table
}

/** An own data property even for a key such as `__proto__` (an id or path), on any object (idTable or not). */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
}
