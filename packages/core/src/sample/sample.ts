// A runnable sample project (reference-spec §6, made runnable).
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { ModelopsError } from '../errors.js'
import { BUNDLE_DIR, CONFIG_FILE, REGISTRY_FILE } from '../project/project.js'
import { defaultRegistryRef, FALLBACK_LOGIN_SERVER } from '../interop/registry-ref.js'
import * as py from './templates/python.js'
import * as project from './templates/project.js'

/** Options of createSample. */
export interface SampleOptions {
  /**
   * Project name (pyproject.toml, README).
   * @default the folder name
   */
  name?: string
}

/** The files of the sample, project-relative POSIX path → content. */
export function sampleFiles(name: string, registryRef = `${FALLBACK_LOGIN_SERVER}/${name}`): Record<string, string> {
  return {
    'README.md': project.readme(name),
    '.gitignore': project.GITIGNORE,
    'config.yaml': project.configYaml(name),
    'pyproject.toml': project.pyprojectToml(name),
    'data/data.csv': project.DATA_CSV,
    'data/prevalence.csv': project.PREVALENCE_CSV,
    'models/__init__.py': py.MODELS_INIT,
    'models/common.py': py.MODELS_COMMON,
    'models/sir.py': py.MODELS_SIR,
    'targets/__init__.py': py.TARGETS_INIT,
    'targets/epi.py': py.TARGETS_EPI,
    'modelops_runner/__init__.py': py.RUNNER_INIT,
    'modelops_runner/__main__.py': py.RUNNER_MAIN,
    'standin/modelops_calabaria/__init__.py': py.STANDIN_CALABARIA,
    // An initialised project: an empty registry (what the Python tool writes) and our settings.
    [`${BUNDLE_DIR}/${REGISTRY_FILE}`]: project.EMPTY_REGISTRY_YAML,
    [`${BUNDLE_DIR}/${CONFIG_FILE}`]: project.bundleConfigYaml(registryRef),
  }
}

/**
 * Write the sample project into `dir` (created; must be empty or absent). Returns its root and written files.
 * @throws ModelopsError PATH_INVALID when `dir` is a file or a folder that is not empty, USAGE for an invalid project name.
 */
export async function createSample(dir: string, options: SampleOptions = {}): Promise<{ root: string; files: string[] }> {
  const root = resolve(dir)
  const existing = await readdir(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return []
    if (err.code === 'ENOTDIR') throw new ModelopsError('PATH_INVALID', 'is a file, not a folder', { file: dir, hint: 'Give a new or empty folder for the sample project.' })
    throw err
  })
  if (existing.length > 0) {
    throw new ModelopsError('PATH_INVALID', `folder is not empty (${existing.length} entries)`, {
      file: dir,
      hint: 'Give a new or empty folder for the sample project; sample-create never overwrites files.',
    })
  }
  const name = validName(options.name ?? defaultName(root))
  const files = sampleFiles(name, defaultRegistryRef(basename(root)).registryRef)
  for (const [rel, text] of Object.entries(files)) {
    const file = join(root, rel)
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, text, { flag: 'wx' })
  }
  return { root, files: Object.keys(files).sort() }
}

function defaultName(root: string): string {
  const cleaned = basename(root).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
  return cleaned || 'epi_model'
}

/** A PEP 508 project name: letters, digits, `.`, `_`, `-`, starting and ending with a letter or digit. */
function validName(name: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(name)) {
    throw new ModelopsError('USAGE', `invalid project name '${name}'`, { hint: 'Use letters, digits, ".", "_" and "-", starting and ending with a letter or digit.' })
  }
  return name
}
