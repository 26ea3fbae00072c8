// registry.yaml → Registry: the R2 schema (reference §1.3) and, read-only, R1 (§1.2). Works on yaml's node tree
// rather than on plain objects so that every defect points at the line and column that holds it.
import path from 'node:path'
import type { Node, YAMLMap } from 'yaml'
import type { Warning } from '../errors.js'
import { normalizeStoredPath } from '../project/paths.js'
import { ID_HINT, idFoldKey, idProblem, setNameProblem, setOwn } from '../project/names.js'
import {
  deref,
  describe,
  expectMap,
  expectSeq,
  expectString,
  isMap,
  isNullNode,
  isScalar,
  isSeq,
  mapEntries,
  nodeError,
  positionOf,
  type YamlSource,
} from '../project/yaml.js'
import type { ModelEntry, Registry, TargetEntry, TargetSet } from './types.js'

export const SUPPORTED_VERSIONS = ['1.0']

/** Keys the Python tool or a later version wrote that we do not model: kept so a rewrite does not drop them. */
const extraFields = new WeakMap<object, Record<string, unknown>>()
export function extrasOf(obj: object): Record<string, unknown> | undefined {
  return extraFields.get(obj)
}

export interface ParseOptions {
  /** Absolute project root: absolute paths inside it are made relative instead of refused. */
  root?: string
  /** Receives non-fatal findings (unknown fields, R1 conversion). */
  warnings?: Warning[]
}

const MODEL_FIELDS = ['entrypoint', 'path', 'class_name', 'scenarios', 'parameters', 'outputs', 'data', 'data_digests', 'code', 'code_digests', 'model_digest'] as const
const TARGET_FIELDS = ['path', 'entrypoint', 'model_output', 'data', 'data_digests', 'target_digest'] as const

/**
 * The reference's `BundleRegistry.add_model` entrypoint rule, used for R1 entries that have none:
 * `src/models/sir.py` + `SIR` → `models.sir:SIR`; a non-.py path gives `<stem>:<name>`.
 */
export function deriveEntrypoint(relPath: string, name: string): string {
  if (relPath.endsWith('.py')) {
    let module = relPath.slice(0, -3)
    if (module.startsWith('src/')) module = module.slice(4)
    return `${module.replace(/\//g, '.')}:${name}`
  }
  const base = path.posix.basename(relPath)
  const dot = base.lastIndexOf('.')
  return `${dot > 0 ? base.slice(0, dot) : base}:${name}`
}

/** Validate the document root and build the registry. */
export function registryFromYaml(src: YamlSource, root: Node | null, opts: ParseOptions): Registry {
  const registry: Registry = { version: '1.0', models: {}, targets: {}, target_sets: {} }
  if (root === null) return registry
  const top = expectMap(src, root, 'the registry', 'a mapping with the keys version, models, targets and target_sets')!
  const extras: Record<string, unknown> = {}
  const ctx = new Ctx(src, opts)
  for (const { key, keyNode, value } of mapEntries(src, top, 'the registry')) {
    switch (key) {
      case 'version':
        registry.version = parseVersion(src, value)
        break
      case 'models':
        for (const e of entries(src, value, 'models', 'a mapping of model id to model, e.g.\n  models:\n    model_sir:\n      entrypoint: models.sir:SIR\n      path: models/sir.py\n      class_name: SIR')) {
          setOwn(registry.models, e.key, parseModel(ctx, e.key, e.keyNode, e.value))
        }
        break
      case 'targets':
        for (const e of entries(src, value, 'targets', 'a mapping of target id to target, e.g.\n  targets:\n    incidence:\n      path: targets/incidence.py\n      entrypoint: targets.incidence:incidence\n      model_output: incidence')) {
          setOwn(registry.targets, e.key, parseTarget(ctx, e.key, e.keyNode, e.value))
        }
        break
      case 'target_sets':
        for (const e of entries(src, value, 'target_sets', 'a mapping of set name to {targets: [...], weights: {...}}')) {
          setOwn(registry.target_sets, e.key, parseTargetSet(ctx, e.key, e.value))
        }
        break
      default:
        ctx.unknown(keyNode, `unknown top-level key ${JSON.stringify(key)}`)
        setOwn(extras, key, plain(src, value))
    }
  }
  if (Object.keys(extras).length) extraFields.set(registry, extras)
  return registry
}

class Ctx {
  constructor(
    readonly src: YamlSource,
    readonly opts: ParseOptions,
  ) {}

  unknown(node: Node, message: string): void {
    const pos = positionOf(this.src, node.range?.[0])
    this.opts.warnings?.push({ code: 'REGISTRY_UNKNOWN_FIELD', message: `${message} (kept as is)`, file: this.src.file, line: pos.line, column: pos.column })
  }

  /** A stored path in normal form: relative, POSIX, inside the project. */
  path(node: Node | null, where: string): string {
    const raw = expectString(this.src, node, where, 'a project-relative path such as data/data.csv')
    let candidate = raw
    if (this.opts.root && path.isAbsolute(raw)) {
      const rel = path.relative(this.opts.root, raw)
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) candidate = rel.split(path.sep).join('/')
    }
    const n = normalizeStoredPath(candidate)
    if ('error' in n) {
      throw nodeError(
        this.src,
        node,
        `${where}: path ${JSON.stringify(raw)} ${n.error}`,
        n.outside
          ? 'registry paths are relative to the project root and stay inside it: move the file into the project and write its project-relative path (e.g. data/data.csv)'
          : 'write a project-relative path such as data/data.csv',
        n.outside ? 'PATH_OUTSIDE' : this.src.code,
      )
    }
    return n.path
  }

  pathList(node: Node | null, where: string): string[] {
    const seq = expectSeq(this.src, node, where, 'a list of project-relative paths, e.g.\n  - data/data.csv')
    return seq ? seq.items.map((item, i) => this.path(deref(this.src, item), `${where}[${i}]`)) : []
  }

  stringList(node: Node | null, where: string, example: string): string[] {
    const seq = expectSeq(this.src, node, where, example)
    return seq ? seq.items.map((item, i) => expectString(this.src, deref(this.src, item), `${where}[${i}]`, example)) : []
  }

  /** Output names: generators may use them as file names, so they follow the id rules (project/names.ts). */
  nameList(node: Node | null, where: string, example: string): string[] {
    const seq = expectSeq(this.src, node, where, example)
    return seq ? seq.items.map((item, i) => this.name(deref(this.src, item), `${where}[${i}]`, example)) : []
  }

  name(node: Node | null, where: string, example: string): string {
    const s = expectString(this.src, node, where, example)
    checkName(this.src, node!, s, where)
    return s
  }

  /** path → digest; keys normalised like every stored path. */
  digests(node: Node | null, where: string): Record<string, string> {
    const map = expectMap(this.src, node, where, 'a mapping of path to digest, e.g.\n  data/data.csv: blake2b256:…')
    const out: Record<string, string> = {}
    for (const e of map ? mapEntries(this.src, map, where) : []) {
      const key = this.path(e.keyNode, `${where} key`)
      setOwn(out, key, expectString(this.src, e.value, `${where}.${e.key}`, 'a digest string such as blake2b256:<64 hex digits>'))
    }
    return out
  }

  digest(node: Node | null, where: string): string | null {
    if (isNullNode(node)) return null
    const d = expectString(this.src, node, where, 'a digest string, or null')
    return d === '' ? null : d
  }

  text(node: Node | null, where: string, example: string): string {
    const s = expectString(this.src, node, where, example)
    if (s.trim() === '') throw nodeError(this.src, node, `${where} is empty`, `write it as ${example}`)
    return s
  }
}

function parseVersion(src: YamlSource, node: Node | null): string {
  const ok = node && isScalar(node) && (node.value === '1.0' || node.value === 1)
  if (ok) return '1.0'
  const text = node && isScalar(node) ? String(node.source ?? node.value) : ''
  const shown = node && isScalar(node) ? JSON.stringify(text.length > 20 ? `${text.slice(0, 20)}…` : text) : describe(node)
  throw nodeError(
    src,
    node,
    `unsupported registry version ${shown}: this tool reads version ${SUPPORTED_VERSIONS.map((v) => `'${v}'`).join(', ')}`,
    "a newer modelops-bundle may have written this file: upgrade @modelops-bundle/cli; if the version was edited by hand, set it back to version: '1.0'",
  )
}

function entries(src: YamlSource, node: Node | null, where: string, example: string) {
  const map = expectMap(src, node, where, example)
  if (!map) return []
  const list = mapEntries(src, map, where)
  // Model ids are output folders: two ids one case-insensitive disk would merge are refused too.
  const folded = where === 'models' ? new Map<string, { id: string; node: Node }>() : undefined
  for (const e of list) {
    if (where === 'target_sets') {
      const problem = setNameProblem(e.key)
      if (problem) throw nodeError(src, e.keyNode, `${where}: name ${JSON.stringify(e.key)} ${problem}`, 'rename the target set')
    } else checkName(src, e.keyNode, e.key, `${where}: id`)
    const key = folded && idFoldKey(e.key)
    const twin = key === undefined ? undefined : folded!.get(key)
    if (twin) {
      const at = positionOf(src, twin.node.range?.[0])
      throw nodeError(src, e.keyNode, `${where}: ids ${JSON.stringify(twin.id)} (line ${at.line}) and ${JSON.stringify(e.key)} differ only in case or Unicode form: they would share one output folder on macOS and Windows`, ID_HINT)
    }
    if (key !== undefined) folded!.set(key, { id: e.key, node: e.keyNode })
  }
  return list
}

function checkName(src: YamlSource, node: Node, name: string, what: string): void {
  const problem = idProblem(name)
  if (problem) throw nodeError(src, node, `${what} ${JSON.stringify(name)} ${problem}`, ID_HINT)
}

function entryMap(ctx: Ctx, node: Node | null, where: string, example: string): YAMLMap {
  const map = expectMap(ctx.src, node, where, example)
  if (!map) throw nodeError(ctx.src, node, `${where} is empty`, `each entry is a mapping, e.g.\n${example}`)
  return map
}

function parseModel(ctx: Ctx, id: string, keyNode: Node, node: Node | null): ModelEntry {
  const where = `models.${id}`
  const map = entryMap(ctx, node, where, '    entrypoint: models.sir:SIR\n    path: models/sir.py\n    class_name: SIR')
  const f = fields(ctx, map, where, MODEL_FIELDS)
  const need = (k: 'path' | 'class_name') => {
    if (!f.has(k)) throw nodeError(ctx.src, keyNode, `${where} has no ${k}`, `every model needs entrypoint, path and class_name (add \`${k}: …\`, or register the model again with mops-bundle register-model)`)
    return f.get(k)!
  }
  const modelPath = ctx.path(need('path'), `${where}.path`)
  const className = ctx.text(need('class_name'), `${where}.class_name`, 'class_name: SIR')
  const entry: ModelEntry = {
    entrypoint: f.has('entrypoint') ? ctx.text(f.get('entrypoint')!, `${where}.entrypoint`, 'entrypoint: models.sir:SIR') : deriveEntrypoint(modelPath, className),
    path: modelPath,
    class_name: className,
    scenarios: ctx.stringList(f.get('scenarios') ?? null, `${where}.scenarios`, '[baseline]'),
    parameters: ctx.stringList(f.get('parameters') ?? null, `${where}.parameters`, '[beta, gamma]'),
    outputs: ctx.nameList(f.get('outputs') ?? null, `${where}.outputs`, '[incidence, prevalence]'),
    data: ctx.pathList(f.get('data') ?? null, `${where}.data`),
    data_digests: ctx.digests(f.get('data_digests') ?? null, `${where}.data_digests`),
    code: ctx.pathList(f.get('code') ?? null, `${where}.code`),
    code_digests: ctx.digests(f.get('code_digests') ?? null, `${where}.code_digests`),
    model_digest: ctx.digest(f.get('model_digest') ?? null, `${where}.model_digest`),
  }
  if (f.extras) extraFields.set(entry, f.extras)
  return entry
}

function parseTarget(ctx: Ctx, id: string, keyNode: Node, node: Node | null): TargetEntry {
  const where = `targets.${id}`
  const map = entryMap(ctx, node, where, '    path: targets/incidence.py\n    entrypoint: targets.incidence:incidence\n    model_output: incidence')
  const f = fields(ctx, map, where, [...TARGET_FIELDS, 'observation'])
  const need = (k: 'path' | 'model_output') => {
    if (!f.has(k)) throw nodeError(ctx.src, keyNode, `${where} has no ${k}`, `every target needs path, entrypoint and model_output (add \`${k}: …\`, or register it again with mops-bundle register-target)`)
    return f.get(k)!
  }
  const targetPath = ctx.path(need('path'), `${where}.path`)
  const data = ctx.pathList(f.get('data') ?? null, `${where}.data`)
  // R1 had one observation file per target; R2 calls it data.
  if (f.has('observation') && !isNullNode(f.get('observation')!)) {
    const obs = ctx.path(f.get('observation')!, `${where}.observation`)
    if (!data.includes(obs)) data.push(obs)
  }
  const entry: TargetEntry = {
    path: targetPath,
    // R1 targets name no function; the R2 convention is id = function name.
    entrypoint: f.has('entrypoint') ? ctx.text(f.get('entrypoint')!, `${where}.entrypoint`, 'entrypoint: targets.incidence:incidence') : deriveEntrypoint(targetPath, id),
    model_output: ctx.name(need('model_output'), `${where}.model_output`, 'model_output: incidence'),
    data,
    data_digests: ctx.digests(f.get('data_digests') ?? null, `${where}.data_digests`),
    target_digest: ctx.digest(f.get('target_digest') ?? null, `${where}.target_digest`),
  }
  if (f.extras) extraFields.set(entry, f.extras)
  return entry
}

function parseTargetSet(ctx: Ctx, name: string, node: Node | null): TargetSet {
  const where = `target_sets.${name}`
  const set: TargetSet = { targets: [], weights: {} }
  const map = expectMap(ctx.src, node, where, 'a mapping, e.g.\n    targets: [incidence]\n    weights: {incidence: 1.0}')
  if (!map) return set
  const f = fields(ctx, map, where, ['targets', 'weights'])
  set.targets = ctx.stringList(f.get('targets') ?? null, `${where}.targets`, '[incidence, prevalence]')
  const weights = expectMap(ctx.src, f.get('weights') ?? null, `${where}.weights`, 'a mapping of target id to number, e.g. {incidence: 1.0}')
  for (const e of weights ? mapEntries(ctx.src, weights, `${where}.weights`) : []) {
    const v = e.value
    if (!(v && isScalar(v) && typeof v.value === 'number')) {
      throw nodeError(ctx.src, v ?? e.keyNode, `${where}.weights.${e.key} must be a number, got ${describe(v)}`, `write it as ${e.key}: 1.0`)
    }
    setOwn(set.weights, e.key, v.value)
  }
  if (f.extras) extraFields.set(set, f.extras)
  return set
}

/** Known fields by name (dereferenced), and everything else as extras with a warning. */
function fields(ctx: Ctx, map: YAMLMap, where: string, known: readonly string[]) {
  const found = new Map<string, Node | null>()
  let extras: Record<string, unknown> | undefined
  for (const e of mapEntries(ctx.src, map, where)) {
    if (known.includes(e.key)) found.set(e.key, e.value)
    else {
      ctx.unknown(e.keyNode, `unknown field ${JSON.stringify(e.key)} in ${where}`)
      extras ??= {}
      setOwn(extras, e.key, plain(ctx.src, e.value))
    }
  }
  return { has: (k: string) => found.has(k), get: (k: string) => found.get(k) ?? null, extras }
}

/** A node as plain data (for extras). Dates and binary become text, so a rewrite stays loadable. */
function plain(src: YamlSource, node: Node | null): unknown {
  if (node === null) return null
  if (isMap(node)) {
    const out: Record<string, unknown> = {}
    for (const e of mapEntries(src, node, 'value')) setOwn(out, e.key, plain(src, e.value))
    return out
  }
  if (isSeq(node)) return node.items.map((item) => plain(src, deref(src, item)))
  if (isScalar(node)) {
    const v = node.value
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
    if (typeof v === 'number') return v
    if (typeof v === 'bigint') return Number(v)
    return String(node.source ?? v)
  }
  return null
}
