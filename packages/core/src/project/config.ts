// `.modelops-bundle/config.yaml`: what it may contain and its defaults (config-template.ts: the commented file `init` writes).
import type { Node } from 'yaml'
import type { Warning } from '../errors.js'
import type { EnvironmentInputs } from '../digest/types.js'
import {
  describe,
  expectBoolean,
  expectMap,
  expectNumber,
  expectString,
  isMap,
  isNullNode,
  isScalar,
  isSeq,
  mapEntries,
  nodeError,
  parseYaml,
  positionOf,
  stringList,
  type YamlSource,
} from './yaml.js'
import type { ProjectConfig } from './project.js'
import { parseDuration } from '../util/units.js'
import { normalizeStoredPath } from './paths.js'
import { parseOciUrl } from '../cache/remote/reference.js'

/**
 * Defaults of config.yaml.
 *
 * `code_roots` defaults to `['.', 'src']`, not the reference's `['src']`: our entrypoints are module paths
 * relative to the project root (`models/sir.py` → `models.sir`, as the reference CLI writes them), so the root
 * itself is where `import models.x` resolves; `src` is kept for src-layout projects. Roots that do not exist are
 * simply skipped by the import follower.
 */
export function defaultConfig(): ProjectConfig {
  return {
    environment: {},
    base_classes: ['modelops_calabaria.BaseModel', 'calabaria.BaseModel'],
    code_roots: ['.', 'src'],
    auto_code: true,
    import_mode: 'files',
    code_ignore: [],
  }
}

/** Largest config.yaml read (checked before reading it): a real one is a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024

const HINT = 'fix .modelops-bundle/config.yaml (every key is optional; `mops-bundle init` in an empty folder writes a commented example)'

const ENV_KEYS: Record<keyof EnvironmentInputs, string> = {
  python_version: "python_version: '3.11.7'",
  platform: 'platform: linux-x86_64',
  dependencies: "dependencies: {numpy: '1.26.4'}",
  container_image: 'container_image: ghcr.io/org/image:tag (or null)',
  cuda_version: "cuda_version: '12.2' (or null)",
  rng_algorithm: 'rng_algorithm: PCG64',
  thread_count: 'thread_count: 1',
}

/** Parse config.yaml text. Unknown keys are kept out of the result and reported as warnings (the reference's own keys live here too). */
export function parseConfig(text: string, file: string): { config: ProjectConfig; warnings: Warning[] } {
  const config = defaultConfig()
  const warnings: Warning[] = []
  const { src, root } = parseYaml(text, { file, code: 'CONFIG_INVALID', hint: HINT, maxBytes: MAX_CONFIG_BYTES })
  if (root === null) return { config, warnings }
  const top = expectMap(src, root, 'config.yaml', 'a mapping of keys such as `auto_code: true`')
  if (!top) return { config, warnings }
  let sawCodeRoots = false
  for (const { key, keyNode, value } of mapEntries(src, top, 'config.yaml')) {
    switch (key) {
      case 'environment':
        if (value && isScalar(value) && typeof value.value === 'string') {
          // An environment *name* (e.g. `local`) is not ours to read.
          warnings.push(warningAt(src, keyNode, `config.yaml: environment ${JSON.stringify(value.value)} is a name, not digest inputs (ignored)`))
        } else config.environment = parseEnvironment(src, value)
        break
      case 'base_classes':
        config.base_classes = stringList(src, value, 'base_classes', '[modelops_calabaria.BaseModel]')
        for (const [i, b] of config.base_classes.entries()) {
          if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(b)) throw nodeError(src, (value as { items?: Node[] })?.items?.[i] ?? value, `base_classes[${i}] must be a dotted Python name, got ${JSON.stringify(b)}`, 'e.g. modelops_calabaria.BaseModel')
        }
        break
      case 'code_roots':
        config.code_roots = codeRoots(src, value, 'code_roots')
        sawCodeRoots = true
        break
      case 'auto_code':
        parseAutoCode(src, value, config, sawCodeRoots)
        break
      case 'generator':
        config.generator = parseGenerator(src, value)
        break
      case 'remote_cache':
        config.remote_cache = parseRemoteCache(src, value)
        break
      case 'registry_ref':
        config.registry_ref = expectString(src, value, 'registry_ref', 'registry_ref: localhost:5555/epi_model')
        break
      case 'default_tag':
      case 'storage':
      case 'cache_dir':
      case 'cache_link_mode':
        // The Python modelops-bundle's own settings (its BundleConfig): push/pull only, nothing for us to do.
        break
      case 'import_mode':
      case 'ignore':
        // The reference reads auto_code keys from the top level when there is no auto_code section.
        if (key === 'import_mode') config.import_mode = importMode(src, value, 'import_mode')
        else config.code_ignore = stringList(src, value, 'ignore', "['tests/*']")
        break
      default:
        warnings.push(warningAt(src, keyNode, `unknown key ${JSON.stringify(key)} in config.yaml (ignored)`))
    }
  }
  return { config, warnings }
}

function warningAt(src: YamlSource, node: Node, message: string): Warning {
  const pos = positionOf(src, node.range?.[0])
  return { code: 'CONFIG_UNKNOWN_KEY', message, file: src.file, line: pos.line, column: pos.column }
}

function parseEnvironment(src: YamlSource, node: Node | null): Partial<EnvironmentInputs> {
  const map = expectMap(src, node, 'environment', 'a mapping, e.g.\n  environment:\n    python_version: "3.11.7"')
  const env: Partial<EnvironmentInputs> = {}
  if (!map) return env
  for (const { key, keyNode, value } of mapEntries(src, map, 'environment')) {
    const where = `environment.${key}`
    // `python_version:` left empty means "detect it", like leaving the key out.
    if (isNullNode(value) && Object.hasOwn(ENV_KEYS, key) && key !== 'container_image' && key !== 'cuda_version') continue
    switch (key) {
      case 'python_version':
      case 'platform':
      case 'rng_algorithm':
        env[key] = scalarText(src, value, where, ENV_KEYS[key])
        break
      case 'container_image':
      case 'cuda_version':
        env[key] = isScalar(value) && value.value === null ? null : value === null ? null : scalarText(src, value, where, ENV_KEYS[key])
        break
      case 'thread_count': {
        const n = expectNumber(src, value, where, ENV_KEYS.thread_count)
        if (!Number.isInteger(n) || n < 1) throw nodeError(src, value, `${where} must be a whole number of at least 1, got ${n}`, `write it as ${ENV_KEYS.thread_count}`)
        env.thread_count = n
        break
      }
      case 'dependencies': {
        const deps = expectMap(src, value, where, 'a mapping of package name to version, e.g. {numpy: "1.26.4"}')
        const out: Record<string, string> = {}
        for (const d of deps ? mapEntries(src, deps, where) : []) out[d.key] = scalarText(src, d.value, `${where}.${d.key}`, `${d.key}: '1.0.0'`)
        env.dependencies = out
        break
      }
      default:
        throw nodeError(src, keyNode, `unknown environment input ${JSON.stringify(key)}`, `the environment inputs are ${Object.keys(ENV_KEYS).join(', ')}`)
    }
  }
  return env
}

/** Versions written unquoted (`3.11`, `12.2`) arrive as numbers: keep the text as written. */
function scalarText(src: YamlSource, node: Node | null, where: string, example: string): string {
  if (node && isScalar(node) && typeof node.value === 'number' && node.source !== undefined) return String(node.source)
  if (node && isScalar(node) && typeof node.value === 'number') return String(node.value)
  return expectString(src, node, where, example)
}

function codeRoots(src: YamlSource, node: Node | null, where: string): string[] {
  const roots = stringList(src, node, where, "['.', 'src']")
  return roots.map((r, i) => {
    const clean = r.replace(/\\/g, '/').replace(/\/+$/, '') || '.'
    // The stored-path rules decide what is outside (`./..`, `a/../..`, `C:/x` too); the root itself is a fine root.
    const n = normalizeStoredPath(clean)
    if ('error' in n && n.outside) {
      throw nodeError(src, (node as { items?: Node[] }).items?.[i] ?? node, `${where}[${i}] must be a folder inside the project, got ${JSON.stringify(r)}`, "use project-relative folders such as '.' or 'src'")
    }
    return clean
  })
}

function importMode(src: YamlSource, node: Node | null, where: string): 'package' | 'files' {
  const mode = expectString(src, node, where, "'files' or 'package'")
  if (mode !== 'files' && mode !== 'package') throw nodeError(src, node, `${where} must be 'files' or 'package', got ${JSON.stringify(mode)}`, "'files' follows imports file by file (recommended); 'package' adds whole packages")
  return mode
}

/** `auto_code: true|false`, or the reference's mapping {enabled?, code_roots, import_mode, ignore}. */
function parseAutoCode(src: YamlSource, node: Node | null, config: ProjectConfig, topLevelRoots: boolean): void {
  if (node && isScalar(node) && typeof node.value === 'boolean') {
    config.auto_code = node.value
    return
  }
  if (!node || !isMap(node)) {
    throw nodeError(src, node, `auto_code must be true, false or a mapping, got ${describe(node)}`, 'write it as `auto_code: true` or\n  auto_code:\n    code_roots: [src]\n    import_mode: files\n    ignore: []')
  }
  for (const { key, keyNode, value } of mapEntries(src, node, 'auto_code')) {
    switch (key) {
      case 'enabled':
        config.auto_code = expectBoolean(src, value, 'auto_code.enabled', 'enabled: true')
        break
      case 'code_roots':
        // An explicit top-level code_roots wins; otherwise the reference's section applies.
        if (!topLevelRoots) config.code_roots = codeRoots(src, value, 'auto_code.code_roots')
        break
      case 'import_mode':
        config.import_mode = importMode(src, value, 'auto_code.import_mode')
        break
      case 'ignore':
        config.code_ignore = stringList(src, value, 'auto_code.ignore', "['tests/*']")
        break
      default:
        throw nodeError(src, keyNode, `unknown key ${JSON.stringify(key)} in auto_code`, 'auto_code accepts enabled, code_roots, import_mode and ignore')
    }
  }
}

function parseGenerator(src: YamlSource, node: Node | null): ProjectConfig['generator'] {
  const map = expectMap(src, node, 'generator', 'a mapping, e.g.\n  generator:\n    command: [python3, run.py]\n    timeout: 10m')
  if (!map) return undefined
  let command: string | string[] | undefined
  let timeout: number | undefined
  let inputs: string[] | undefined
  for (const { key, keyNode, value } of mapEntries(src, map, 'generator')) {
    if (key === 'command') {
      if (value && isSeq(value)) {
        command = stringList(src, value, 'generator.command', '[python3, run.py]')
        if (command.length === 0) throw nodeError(src, value, 'generator.command is an empty list', 'name the program to run, e.g. [python3, run.py]')
      } else {
        command = expectString(src, value, 'generator.command', "'python3 run.py' or [python3, run.py]")
        if (command.trim() === '') throw nodeError(src, value, 'generator.command is empty', 'name the program to run, e.g. python3 run.py')
      }
    } else if (key === 'timeout') {
      timeout = duration(src, value, 'generator.timeout', 'write it as 30s, 10m or 1h, at most 596h (or leave the key out for the default, 10m); the plugin option generate.timeout has the same forms and limit')
    } else if (key === 'inputs') {
      inputs = generatorInputs(src, value)
    } else {
      throw nodeError(src, keyNode, `unknown key ${JSON.stringify(key)} in generator`, 'generator accepts command, timeout and inputs')
    }
  }
  if (command === undefined) throw nodeError(src, map, 'generator needs a command', 'e.g.\n  generator:\n    command: [python3, run.py]')
  return { command, ...(timeout === undefined ? {} : { timeout }), ...(inputs === undefined ? {} : { inputs }) }
}

function parseRemoteCache(src: YamlSource, node: Node | null): ProjectConfig['remote_cache'] {
  const example = 'a mapping, e.g.\n  remote_cache:\n    url: oci://ghcr.io/my-org/model-outputs\n    push: false'
  const map = expectMap(src, node, 'remote_cache', example)
  if (!map) return undefined
  const out: { url?: string; push?: boolean; plain_http?: boolean; connect_timeout?: number } = {}
  for (const { key, keyNode, value } of mapEntries(src, map, 'remote_cache')) {
    if (key === 'url') {
      out.url = expectString(src, value, 'remote_cache.url', 'oci://HOST[:PORT]/REPOSITORY')
      try {
        parseOciUrl(out.url, undefined, src.file)
      } catch (err) {
        throw nodeError(src, value, (err as Error).message, (err as { hint?: string }).hint ?? '')
      }
    } else if (key === 'push') out.push = expectBoolean(src, value, 'remote_cache.push', 'true or false')
    else if (key === 'plain_http') out.plain_http = expectBoolean(src, value, 'remote_cache.plain_http', 'true or false')
    else if (key === 'connect_timeout') out.connect_timeout = duration(src, value, 'remote_cache.connect_timeout')
    else throw nodeError(src, keyNode, `unknown key ${JSON.stringify(key)} in remote_cache`, 'remote_cache accepts url, push, plain_http and connect_timeout')
  }
  if (out.url === undefined) throw nodeError(src, map, 'remote_cache needs a url', 'e.g.\n  remote_cache:\n    url: oci://ghcr.io/my-org/model-outputs')
  return out as ProjectConfig['remote_cache']
}

/** `generator.inputs`: project-relative files/folders that are the generator's own code (part of the cache key). */
function generatorInputs(src: YamlSource, node: Node | null): string[] {
  const list = stringList(src, node, 'generator.inputs', '[modelops_runner]')
  return list.map((raw, i) => {
    const clean = raw.replace(/\\/g, '/').replace(/\/+$/, '').replace(/^\.\//, '')
    if (clean === '' || clean.startsWith('/') || /^[A-Za-z]:/.test(clean) || clean.split('/').some((seg) => seg === '.' || seg === '..' || seg === '')) {
      throw nodeError(src, (node as { items?: Node[] }).items?.[i] ?? node, `generator.inputs[${i}] must be a file or folder inside the project, got ${JSON.stringify(raw)}`, 'use project-relative paths such as modelops_runner or scripts/run.py (not "." nor "..")')
    }
    return clean
  })
}

/** A number of milliseconds, or text with a unit: `500ms`, `30s`, `10m`, `1h` (util/units.ts, as the plugin's options). */
function duration(src: YamlSource, node: Node | null, where: string, hint = 'write it as 30s, 10m or 1h (or a number of milliseconds)'): number {
  const value = node && isScalar(node) && typeof node.value === 'string' ? node.value : expectNumber(src, node, where, '30s, 10m or 1h')
  return parseDuration(value, (problem) => {
    throw nodeError(src, node, `${where}: ${problem}`, hint)
  })
}
