// `.modelops-bundle/tracked.txt`, the Python modelops-bundle's list of files its `push` uploads (reference §4.3.5,
// its context.py/ops.py): one project-relative POSIX path per line, sorted, each ending in "\n". After every registry
// change the Python tool adds every registered file (unless .modelopsignore ignores it), the registry itself, and the
// __init__.py of every package folder on an entrypoint's module path. We do the same (plus pyproject.toml, which its
// preflight requires tracked), so its preflight finds every file we registered tracked. Paths are only ever added: what a user tracked with `modelops-bundle add` stays.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { ModelopsError } from '../errors.js'
import { writeFileAtomic } from '../project/atomic.js'
import { BUNDLE_DIR, REGISTRY_FILE } from '../project/constants.js'
import { absolutePath } from '../project/paths.js'
import type { Project } from '../project/project.js'
import type { Registry } from '../registry/types.js'
import { compareCodePoints } from '../digest/canonical.js'

export const TRACKED_FILE = 'tracked.txt'

// The Python tool's ignore.py DEFAULTS, always applied before .modelopsignore.
const DEFAULT_IGNORES = [
  '.git/', '.modelops-bundle/', '__pycache__/', '*.pyc', '*.pyo', '*.pyd', '.Python', '*.egg-info/', 'dist/', 'build/',
  'venv/', '.venv/', 'env/', '.env/', 'ENV/', 'virtualenv/', 'node_modules/', '.npm/', '.yarn/', '.idea/', '.vscode/',
  '*.swp', '*.swo', '*~', '.*.swp', '.DS_Store', 'Thumbs.db', 'desktop.ini', '.ipynb_checkpoints/', '.coverage',
  'htmlcov/', '.tox/', '.pytest_cache/', '.mypy_cache/', '.ruff_cache/',
]

/**
 * The tracked paths of tracked.txt (empty when there is none).
 * @throws ModelopsError REGISTRY_INVALID naming the file when it exists but cannot be read: read as empty, the next
 * register would rewrite it without the files the user added with the Python tool's `add`.
 */
export function readTrackedFiles(project: Project): Set<string> {
  let text: string
  try {
    text = fs.readFileSync(path.join(project.dir, TRACKED_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set()
    const shown = `${BUNDLE_DIR}/${TRACKED_FILE}`
    throw new ModelopsError('REGISTRY_INVALID', `cannot read ${shown} (${(err as Error).message}), the list of files the Python modelops-bundle's push uploads; nothing was written`, {
      file: shown,
      hint: `make ${shown} a readable file (restore it from version control, or remove it: the next register writes it anew)`,
      cause: err,
    })
  }
  return new Set(text.split('\n').map((l) => l.trim()).filter((l) => l !== ''))
}

type IgnoreFactory = typeof import('ignore')
let ignoreLib: IgnoreFactory | undefined

/** The Python tool's ignore rules: its defaults, then `.modelopsignore`. */
function ignoreRules(project: Project) {
  // Loaded on first use: only registering and `status --untracked-only` need it, and as CommonJS behind an ESM import
  // it cost every build and command ~10 ms (node scans its 50 KB source for exports before running it).
  ignoreLib ??= createRequire(import.meta.url)('ignore') as IgnoreFactory
  const ig = ignoreLib().add(DEFAULT_IGNORES)
  try {
    ig.add(fs.readFileSync(path.join(project.root, '.modelopsignore'), 'utf8'))
  } catch {
    // no .modelopsignore: the defaults only
  }
  return ig
}

/** The files the Python tool would track for `registry` (track_registry_dependencies). */
export function registryTrackedFiles(project: Project, registry: Registry): string[] {
  const ig = ignoreRules(project)
  const out = new Set<string>()
  const add = (rel: string) => {
    if (!ig.ignores(rel)) out.add(rel)
  }
  for (const m of Object.values(registry.models)) for (const p of [m.path, ...(m.data ?? []), ...(m.code ?? [])]) add(p)
  for (const t of Object.values(registry.targets)) for (const p of [t.path, ...(t.data ?? [])]) add(p)
  out.add(`${BUNDLE_DIR}/${REGISTRY_FILE}`)
  // Not added by the Python tool's register commands, but its preflight requires it tracked (workers install from it).
  if (fs.existsSync(path.join(project.root, 'pyproject.toml'))) add('pyproject.toml')
  for (const e of [...Object.values(registry.models), ...Object.values(registry.targets)]) {
    for (const init of packageInits(project, e.entrypoint)) out.add(init)
  }
  return [...out]
}

/**
 * `<dir>/__init__.py` of every existing folder on the module path of `entrypoint` (`models.sir:SIR` → models/,
 * models/sir/). Parts that are not Python identifiers are skipped: an entrypoint is input and must not lead elsewhere.
 */
function packageInits(project: Project, entrypoint: string): string[] {
  const colon = entrypoint.lastIndexOf(':')
  if (colon < 0) return []
  const parts = entrypoint.slice(0, colon).split('.')
  const out: string[] = []
  for (let i = 1; i <= parts.length; i++) {
    if (!/^[A-Za-z_]\w*$/.test(parts[i - 1]!) || ['__pycache__', 'build', 'dist'].includes(parts[i - 1]!)) break
    const dir = parts.slice(0, i).join('/')
    try {
      if (!fs.statSync(absolutePath(project, dir)).isDirectory()) continue
      if (fs.statSync(absolutePath(project, `${dir}/__init__.py`)).isFile()) out.push(`${dir}/__init__.py`)
    } catch {
      // not there, or outside the project through a link: the Python tool reports the missing file, we warn on register
    }
  }
  return out
}

/** Add the registry's files to tracked.txt (atomic; only when something is new). Call under the project lock. */
export async function writeTrackedFiles(project: Project, registry: Registry, tracked = readTrackedFiles(project)): Promise<void> {
  const exists = fs.existsSync(path.join(project.dir, TRACKED_FILE))
  const before = tracked.size
  for (const p of registryTrackedFiles(project, registry)) tracked.add(p)
  if (exists && tracked.size === before) return
  const sorted = [...tracked].sort(compareCodePoints)
  await writeFileAtomic(path.join(project.dir, TRACKED_FILE), sorted.map((p) => `${p}\n`).join(''))
}

/**
 * `status --untracked-only`: project files neither in tracked.txt nor ignored (the Python tool's
 * working_state.scan_untracked): `.modelops-bundle/` and ignored folders are not walked, links to folders are not
 * followed; nothing is opened. Sorted by path, with sizes.
 */
export function untrackedFiles(project: Project): { path: string; size: number }[] {
  const ig = ignoreRules(project)
  const tracked = readTrackedFiles(project)
  const out: { path: string; size: number }[] = []
  const walk = (dir: string, prefix: string) => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name
      if (e.isDirectory()) {
        if (rel !== BUNDLE_DIR && !ig.ignores(`${rel}/`)) walk(path.join(dir, e.name), rel)
        continue
      }
      if (tracked.has(rel) || ig.ignores(rel)) continue
      const st = fs.statSync(path.join(dir, e.name), { throwIfNoEntry: false })
      if (st?.isFile()) out.push({ path: rel, size: st.size })
    }
  }
  walk(project.root, '')
  return out.sort((a, b) => compareCodePoints(a.path, b.path))
}
