/**
 * The registry data model: the R2 schema of the Python tool (reference-spec §1.3),
 * plus `data_digests` on targets. Keys are snake_case so objects map 1:1 to YAML.
 * All paths are project-relative POSIX strings.
 */
export interface ModelEntry {
  /** `package.module:ClassName` */
  entrypoint: string
  path: string
  class_name: string
  scenarios: string[]
  parameters: string[]
  outputs: string[]
  data: string[]
  data_digests: Record<string, string>
  code: string[]
  code_digests: Record<string, string>
  /**
   * Digest of the model file itself: `sha256:` of its bytes as the Python tool records it (our semantic digest of the
   * same bytes is in digests.json); older registries of ours hold `pysem1:`/`blake2b256:`. Null before the first hash.
   */
  model_digest: string | null
}

/** One calibration target of the registry (`@calibration_target` function), with its data files and digests. */
export interface TargetEntry {
  path: string
  /** `package.module:function` */
  entrypoint: string
  model_output: string
  data: string[]
  /**
   * Ours: the reference lacks it, so its status can never see target data change (§8.2.13). Kept in digests.json,
   * not registry.yaml (the Python tool would drop it on its next write); still read from registry.yaml.
   */
  data_digests: Record<string, string>
  target_digest: string | null
}

/** A named set of target ids, with an optional weight per target. */
export interface TargetSet {
  targets: string[]
  weights: Record<string, number>
}

/** The whole `.modelops-bundle/registry.yaml`: models, targets and target sets, keyed by id (null-prototype tables). */
export interface Registry {
  /** Always '1.0' on write (the value the Python tool writes). */
  version: string
  models: Record<string, ModelEntry>
  targets: Record<string, TargetEntry>
  target_sets: Record<string, TargetSet>
  /**
   * Not in registry.yaml: from `.modelops-bundle/digests.json` (registry/digests-file.ts). path → (the `sha256:`
   * recorded in registry.yaml → our digest of the same bytes, e.g. `pysem1:`), so a reformat-only edit stays fresh.
   */
  semantic?: Record<string, Record<string, string>>
  /**
   * Not in registry.yaml: from digests.json. Model id → its outputs with the inherited ones (`all`), valid while the
   * registry's `outputs` still equal `own` (the class body's, which is what both tools record there). See modelOutputs.
   */
  all_outputs?: Record<string, { own: string[]; all: string[] }>
}

/** A model's outputs, inherited ones included when digests.json knows them (registry.yaml holds the class body's). */
export function modelOutputs(registry: Registry, id: string): string[] {
  const m = registry.models[id]
  if (!m) return []
  const known = registry.all_outputs && Object.prototype.hasOwnProperty.call(registry.all_outputs, id) ? registry.all_outputs[id]! : undefined
  return known && sameList(known.own, m.outputs) ? [...known.all] : [...m.outputs]
}

/** Same items in the same order. */
export function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
