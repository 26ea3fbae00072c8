// Load, save and update `.modelops-bundle/registry.yaml`. Every write goes through updateRegistry (or
// saveRegistry): atomic replace, and for read-modify-write a project lock, so concurrent runs never lose entries.
import fs from 'node:fs'
import path from 'node:path'
import { ModelopsError, type Warning } from '../errors.js'
import { writeFileAtomic } from '../project/atomic.js'
import { withProjectLock, type LockOptions } from '../project/lock.js'
import { cachedParse, parseCacheDir } from '../project/parse-cache.js'
import { storedPathProblem } from '../project/paths.js'
import { readRegularFileSync } from '../project/read.js'
import { ID_HINT, idFoldKey, idProblem, idTable, setNameProblem } from '../project/names.js'
import { BUNDLE_DIR, REGISTRY_FILE } from '../project/constants.js'
import type { Project } from '../project/project.js'
import type { Workspace } from '../workspace/workspace.js'
import { MAX_YAML_BYTES, parseYaml, tooLarge } from '../project/yaml.js'
import { extrasOf, registryFromYaml, type ParseOptions } from './schema.js'
import type { Registry } from './types.js'
import { serializeRegistry } from './yaml.js'
import { attachDigestsFile, readDigestsFile, writeDigestsFile } from './digests-file.js'
import { readTrackedFiles, writeTrackedFiles } from '../interop/tracked.js'
import { pidAlive } from '../util/process.js'

export { serializeRegistry } from './yaml.js'
export { deriveEntrypoint, SUPPORTED_VERSIONS } from './schema.js'

/** How the registry file is named in messages: project-relative, as the user sees it. */
export const REGISTRY_DISPLAY_PATH = `${BUNDLE_DIR}/${REGISTRY_FILE}`

const HINT = `fix the line shown (the file is YAML: 2-space indentation, "key: value", "- item" for lists), or restore ${REGISTRY_DISPLAY_PATH} from version control and register again with mops-bundle register-model / register-target`

export function emptyRegistry(): Registry { return { version: '1.0', models: idTable(), targets: idTable(), target_sets: idTable() } }

/** Parse R1 or R2 YAML; REGISTRY_INVALID naming `file`, line and column on any defect. An empty file is an empty registry. */
export function parseRegistry(text: string, file: string, options: ParseOptions = {}): Registry {
  return prototypeFree(parsePlain(text, file, options))
}

/** Plain objects (what the parse cache can copy); callers get prototypeFree() tables. */
function parsePlain(text: string, file: string, options: ParseOptions): Registry {
  const { src, root } = parseYaml(text, { file, code: 'REGISTRY_INVALID', hint: HINT })
  return registryFromYaml(src, root, options)
}

/**
 * Every id- or path-keyed table of `registry` made prototype-free (names.ts idTable), in place: entries stay the
 * same objects (their kept unknown fields are looked up by identity). An id such as `toString` is then a key like any other.
 */
function prototypeFree(registry: Registry): Registry {
  const table = <T>(t: Record<string, T> | undefined) => idTable(Object.entries(t ?? {}))
  for (const m of Object.values(registry.models ?? {})) {
    m.data_digests = table(m.data_digests)
    m.code_digests = table(m.code_digests)
  }
  for (const t of Object.values(registry.targets ?? {})) t.data_digests = table(t.data_digests)
  for (const s of Object.values(registry.target_sets ?? {})) s.weights = table(s.weights)
  registry.models = table(registry.models)
  registry.targets = table(registry.targets)
  registry.target_sets = table(registry.target_sets)
  return registry
}

/**
 * The project's registry, or an empty one when the file does not exist. The parse is cached by the file's exact text
 * (project/parse-cache.ts): in memory, and for a Workspace as a snapshot in its cache folder for the next process
 * (a bare Project: in memory only). Warnings are replayed on every load, as the parse produced them.
 * @throws ModelopsError REGISTRY_INVALID (file, line, column) for a registry that does not parse or breaks the schema.
 */
export function loadRegistry(source: Workspace | Project, options: { warnings?: Warning[] } = {}): Registry {
  const { project, cacheDir } = 'project' in source ? { project: source.project, cacheDir: source.cacheDir } : { project: source, cacheDir: undefined }
  const text = readRegistryText(project)
  if (text === undefined) return emptyRegistry()
  const { value, warnings } = cachedParse({
    kind: 'registry',
    text,
    // Absolute paths inside the root are stored relative: the result depends on the root too.
    context: `${REGISTRY_DISPLAY_PATH}\0${project.root}`,
    dir: parseCacheDir(project.root, cacheDir),
    parse: (sink) => {
      try {
        return parsePlain(text, REGISTRY_DISPLAY_PATH, { root: project.root, warnings: sink })
      } catch (err) {
        // As before the cache: findings made before the error still reach the caller.
        options.warnings?.push(...sink)
        throw err
      }
    },
    cacheable: (registry) => !hasExtras(registry),
  })
  options.warnings?.push(...warnings)
  return attachDigestsFile(prototypeFree(value), readDigestsFile(project, options.warnings))
}

/** Unknown fields are kept in a WeakMap (schema.ts) that a copy cannot carry: such registries are parsed every time. */
function hasExtras(registry: Registry): boolean {
  if (extrasOf(registry)) return true
  for (const group of [registry.models, registry.targets, registry.target_sets] as Array<Record<string, object>>) {
    for (const key of Object.keys(group)) if (extrasOf(group[key]!)) return true
  }
  return false
}

/** Replace the registry file atomically. Refuses a registry holding paths that are not project-relative POSIX. */
export async function saveRegistry(project: Project, registry: Registry): Promise<void> {
  checkRegistry(registry)
  await writeDigestsFile(project, registry)
  await writeRegistryText(project, serializeRegistry(registry))
}

/**
 * Lock, re-read, apply `mutate`, write atomically. Concurrent callers never lose each other's entries.
 * @throws ModelopsError LOCK_TIMEOUT when the project lock stays held, REGISTRY_INVALID for a damaged registry, or what `mutate` throws (nothing is written then).
 */
export async function updateRegistry<T>(project: Project, mutate: (registry: Registry) => T | Promise<T>, options: LockOptions = {}): Promise<T> {
  return withProjectLock(
    project,
    async () => {
      const before = readRegistryText(project)
      const parsed = before === undefined ? emptyRegistry() : parseRegistry(before, REGISTRY_DISPLAY_PATH, { root: project.root })
      const registry = attachDigestsFile(parsed, readDigestsFile(project))
      // Read before anything is written: one that cannot be read stops the update with nothing written.
      const tracked = readTrackedFiles(project)
      const result = await mutate(registry)
      checkRegistry(registry)
      const after = serializeRegistry(registry)
      // digests.json first: a crash before the registry write leaves only unused entries, never wrong ones.
      await writeDigestsFile(project, registry)
      // An unchanged registry is not rewritten: watchers and mtimes stay quiet.
      if (after !== before) await writeRegistryText(project, after)
      // As the Python tool does after every registry change: its push uploads only tracked files.
      await writeTrackedFiles(project, registry, tracked)
      await sweepTempFiles(project.dir)
      return result
    },
    options,
  )
}

async function writeRegistryText(project: Project, text: string): Promise<void> {
  try {
    await fs.promises.mkdir(project.dir, { recursive: true })
    await writeFileAtomic(project.registryPath, text)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why: Record<string, string> = {
      EACCES: 'permission denied',
      EPERM: 'permission denied',
      EROFS: 'the file system is read-only',
      ENOSPC: 'the disk is full',
      EDQUOT: 'the disk quota is exceeded',
    }
    if (!code || !why[code]) throw err
    throw new ModelopsError('REGISTRY_INVALID', `cannot write ${REGISTRY_DISPLAY_PATH}: ${why[code]}; the registry was left as it was`, {
      file: REGISTRY_DISPLAY_PATH,
      hint: code === 'ENOSPC' || code === 'EDQUOT' ? 'free some disk space and run the command again' : `make ${project.dir} writable and run the command again`,
      cause: err,
    })
  }
}

/** Temp files of writers that were killed (pid in the name, no longer running) are removed by the next writer. */
async function sweepTempFiles(dir: string): Promise<void> {
  let names: string[]
  try {
    names = await fs.promises.readdir(dir)
  } catch {
    return
  }
  for (const name of names) {
    const m = /^(?:\.(?:registry\.yaml|config\.yaml|digests\.json|tracked\.txt)|project\.lock(?:\.break)?)\.(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name)
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue
    await fs.promises.rm(path.join(dir, name), { force: true }).catch(() => {})
  }
}

function readRegistryText(project: Project): string | undefined {
  let buf: Buffer
  try {
    // Refuse before reading: a 50 MB file must not be parsed (or even held) just to be rejected; a FIFO never opened blocking.
    buf = readRegularFileSync(project.registryPath, (size) => {
      if (size > MAX_YAML_BYTES) throw tooLarge(REGISTRY_DISPLAY_PATH, size, MAX_YAML_BYTES, 'REGISTRY_INVALID')
    })
  } catch (err) {
    if (err instanceof ModelopsError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'EISDIR') {
      throw new ModelopsError('REGISTRY_INVALID', `${REGISTRY_DISPLAY_PATH} is a folder, not a file`, { file: REGISTRY_DISPLAY_PATH, hint: 'move the folder aside; the registry is a YAML file' })
    }
    if (code === 'ENOTREGULAR') {
      throw new ModelopsError('REGISTRY_INVALID', `${REGISTRY_DISPLAY_PATH} ${(err as Error).message}`, { file: REGISTRY_DISPLAY_PATH, hint: 'replace it by the YAML file (restore it from version control)' })
    }
    throw new ModelopsError('REGISTRY_INVALID', `cannot read ${REGISTRY_DISPLAY_PATH}: ${(err as Error).message}`, { file: REGISTRY_DISPLAY_PATH, hint: 'check the file permissions', cause: err })
  }
  return decodeUtf8(buf)
}

function decodeUtf8(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    // Find the first bad byte to point at it.
    let lo = 0
    let hi = buf.length
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, mid))
        lo = mid
      } catch {
        hi = mid
      }
    }
    // `lo` bytes decode cleanly (possibly cutting a valid sequence short near the bad one): count lines up to there.
    const before = buf.subarray(0, lo).toString('utf8')
    const line = before.split('\n').length
    const column = before.length - before.lastIndexOf('\n')
    throw new ModelopsError('REGISTRY_INVALID', 'the registry is not valid UTF-8 text', { file: REGISTRY_DISPLAY_PATH, line, column, hint: 'save the file as UTF-8, or restore it from version control' })
  }
}

/** Before any write: ids and output names (project/names.ts) and stored paths in normal form. */
function checkRegistry(registry: Registry): void {
  const name = (n: string, where: string) => {
    const problem = idProblem(n)
    if (problem) throw new ModelopsError('REGISTRY_INVALID', `${where} ${JSON.stringify(n)} ${problem}; the registry was left as it was`, { file: REGISTRY_DISPLAY_PATH, hint: ID_HINT })
  }
  const folded = new Map<string, string>()
  for (const [id, m] of Object.entries(registry.models)) {
    name(id, 'model id')
    const twin = folded.get(idFoldKey(id))
    if (twin !== undefined) {
      throw new ModelopsError('ID_COLLISION', `model ids ${JSON.stringify(twin)} and ${JSON.stringify(id)} differ only in case or Unicode form: they would share one output folder on macOS and Windows; the registry was left as it was`, { file: REGISTRY_DISPLAY_PATH, hint: ID_HINT })
    }
    folded.set(idFoldKey(id), id)
    for (const o of m.outputs ?? []) name(o, `models.${id}: output name`)
  }
  for (const [id, t] of Object.entries(registry.targets)) {
    name(id, 'target id')
    name(t.model_output, `targets.${id}.model_output`)
  }
  for (const id of Object.keys(registry.target_sets)) {
    const problem = setNameProblem(id)
    if (problem) throw new ModelopsError('REGISTRY_INVALID', `target set name ${JSON.stringify(id)} ${problem}; the registry was left as it was`, { file: REGISTRY_DISPLAY_PATH, hint: 'rename the target set' })
  }
  checkPaths(registry)
}

function checkPaths(registry: Registry): void {
  const check = (p: string, where: string) => {
    const problem = typeof p === 'string' ? storedPathProblem(p) : { message: 'is not a string', outside: false }
    if (problem) {
      throw new ModelopsError(problem.outside ? 'PATH_OUTSIDE' : 'PATH_INVALID', `${where}: path ${JSON.stringify(p)} ${problem.message}`, {
        hint: 'store paths with resolveProjectPath(): project-relative POSIX, no ./, no trailing /',
      })
    }
  }
  for (const [id, m] of Object.entries(registry.models)) {
    check(m.path, `models.${id}.path`)
    for (const p of m.data ?? []) check(p, `models.${id}.data`)
    for (const p of m.code ?? []) check(p, `models.${id}.code`)
  }
  for (const [id, t] of Object.entries(registry.targets)) {
    check(t.path, `targets.${id}.path`)
    for (const p of t.data ?? []) check(p, `targets.${id}.data`)
  }
}
