// Where captureEnvironment finds its inputs on disk: `.python-version`, `pyproject.toml`,
// `requirements*.txt` and `uv.lock` at the project root. Nothing here runs Python or user code.
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ModelopsError, type Warning } from '../errors.js'
import { cachedParse, type ParseKind } from '../project/parse-cache.js'
import { compareCodePoints } from './canonical.js'

let toml: typeof import('smol-toml') | undefined
/** smol-toml is loaded only to parse a file the parse cache has not seen (~8 ms of start-up otherwise). */
function tomlLib(): typeof import('smol-toml') {
  toml ??= createRequire(import.meta.url)('smol-toml') as typeof import('smol-toml')
  return toml
}

/** PEP 503 name normalisation, so `NumPy`, `numpy` and `num_py` merge across sources. */
export function normalizePackageName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase()
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** First non-comment line of `.python-version` (pyenv/uv format), or undefined when absent. */
export function readPythonVersionFile(root: string): string | undefined {
  const text = readText(join(root, '.python-version'))
  if (text === undefined) return undefined
  for (const line of text.split(/\r?\n/)) {
    const v = line.replace(/#.*/, '').trim()
    if (v) return v
  }
  return undefined
}

const REQ = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(.*)$/

/**
 * One PEP 508 requirement → [normalised name, value]. The value is the version for an exact pin
 * (`name==1.2.3` → `1.2.3`), otherwise everything after the name (extras, specifier, marker) with
 * whitespace runs collapsed (`name >= 1.0, <2` → `>= 1.0, <2`); a bare name gives ''.
 */
export function parseRequirement(line: string): [string, string] | undefined {
  const m = REQ.exec(line.trim())
  if (!m) return undefined
  const rest = (m[2] ?? '').replace(/\s+/g, ' ').trim()
  if (rest && !/^[[(<>=!~;@ ]/.test(rest)) return undefined
  const pin = /^==(?!=)\s*([^\s,;*=]+)$/.exec(rest)
  return [normalizePackageName(m[1]!), pin ? pin[1]! : rest]
}

/** `name==version` pins and specifiers of a requirements file; options (-r, -e, --index-url …) are skipped with a warning. */
export function parseRequirementsTxt(text: string, file: string, warnings: Warning[]): Record<string, string> {
  const deps: Record<string, string> = {}
  const lines = text.replace(/\\\r?\n/g, '').split(/\r?\n/)
  lines.forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim()
    if (!line) return
    const req = line.startsWith('-') ? undefined : parseRequirement(line)
    if (!req) {
      warnings.push({ code: 'ENV_REQUIREMENT_SKIPPED', file, line: i + 1, message: `environment digest ignores "${line}" (not a name-based requirement)` })
      return
    }
    deps[req[0]] = req[1]
  })
  return deps
}

/** Parse TOML text; a syntax error is CONFIG_INVALID naming `rel`, its line and column, with `hint` (what reads the file). */
export function parseTomlText(text: string, rel: string, hint = 'fix the syntax; the environment digest reads dependencies from this file'): Record<string, unknown> {
  const { parse, TomlError } = tomlLib()
  try {
    return parse(text) as Record<string, unknown>
  } catch (err) {
    if (err instanceof TomlError) {
      throw new ModelopsError('CONFIG_INVALID', `invalid TOML: ${err.message.split('\n')[0]}`, {
        file: rel,
        line: err.line,
        column: err.column,
        hint,
      })
    }
    throw err
  }
}

/**
 * What `extract` makes of the TOML file `rel` under `root` ({} when there is none), through the parse cache: a
 * file whose text did not change is not parsed again (`dir`: snapshot folder, see parseCacheDir).
 */
function fromToml(root: string, rel: string, kind: ParseKind, warnings: Warning[], dir: string | undefined, extract: (doc: Record<string, unknown>, warnings: Warning[]) => Record<string, string>): Record<string, string> {
  const text = readText(join(root, rel))
  if (text === undefined) return {}
  const r = cachedParse({ kind, text, context: rel, dir, parse: (w) => extract(parseTomlText(text, rel), w) })
  warnings.push(...r.warnings)
  return r.value
}

/** `[project].dependencies` of pyproject.toml (optional-dependencies are not installed by default, so not read). */
export function readPyprojectDependencies(root: string, warnings: Warning[], dir?: string): Record<string, string> {
  return fromToml(root, 'pyproject.toml', 'pyproject', warnings, dir, (doc, w) => {
    const deps: Record<string, string> = {}
    const list = (doc.project as { dependencies?: unknown } | undefined)?.dependencies
    if (!Array.isArray(list)) return deps
    for (const item of list) {
      const req = typeof item === 'string' ? parseRequirement(item) : undefined
      if (req) deps[req[0]] = req[1]
      else w.push({ code: 'ENV_REQUIREMENT_SKIPPED', file: 'pyproject.toml', message: `environment digest ignores dependency ${JSON.stringify(item)}` })
    }
    return deps
  })
}

/** `[[package]]` name/version of uv.lock, except editable/virtual sources (the project's own code, hashed as files). */
export function readUvLock(root: string, dir?: string): Record<string, string> {
  return fromToml(root, 'uv.lock', 'uv-lock', [], dir, (doc) => {
    const deps: Record<string, string> = {}
    const pkgs = doc.package
    if (!Array.isArray(pkgs)) return deps
    for (const p of pkgs as Array<Record<string, unknown>>) {
      const source = p.source as Record<string, unknown> | undefined
      if (source && ('editable' in source || 'virtual' in source)) continue
      if (typeof p.name === 'string') deps[normalizePackageName(p.name)] = typeof p.version === 'string' ? p.version : ''
    }
    return deps
  })
}

/** Root-level `requirements*.txt`, in code-point order of file name (a later file wins a conflict). */
export function readRequirementsFiles(root: string, warnings: Warning[]): Record<string, string> {
  let names: string[]
  try {
    names = readdirSync(root).filter((n) => /^requirements.*\.txt$/.test(n))
  } catch {
    return {}
  }
  const deps: Record<string, string> = {}
  for (const name of names.sort(compareCodePoints)) {
    const text = readText(join(root, name))
    if (text !== undefined) Object.assign(deps, parseRequirementsTxt(text, name, warnings))
  }
  return deps
}
