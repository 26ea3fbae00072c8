/**
 * Digest data contracts. Every digest string is `<algorithm id>:<64 lowercase hex>`;
 * docs/digests.md defines each algorithm id byte for byte.
 *
 *   blake2b256:  file bytes (BLAKE2b, 32-byte output)
 *   pysem1:      semantic digest of Python source (python/)
 *   tree1:       a directory: sorted relative paths + per-file digests
 *   env1:        environment (contracts:env:v1 canonical JSON)
 *   composite1:  one model or target: the reference composite layout (§2.5)
 *   bundle1:     all models and targets
 */
export type ComponentKind = 'MODEL_CODE' | 'DATA' | 'CODE_DEP' | 'TARGET_CODE' | 'TARGET_DATA'

/** One file that goes into a composite digest: its kind, project-relative path and digest. */
export interface Component {
  kind: ComponentKind
  /** Project-relative POSIX path. */
  path: string
  /** A prefixed digest, or the literal 'absent' when the file is missing. */
  digest: string
}

/** Inputs of the environment digest (contracts EnvironmentDigest fields, snake_case). */
export interface EnvironmentInputs {
  python_version: string
  platform: string
  dependencies: Record<string, string>
  container_image: string | null
  cuda_version: string | null
  rng_algorithm: string
  thread_count: number
}

/** The environment inputs used, and their digest (`env1:<hex>`, docs/digests.md). */
export interface EnvironmentReport extends EnvironmentInputs {
  /** `env1:<hex>` */
  digest: string
}

/** The digests of one model or target: its composite digest and the components it was made from. */
export interface EntityDigest {
  /** `composite1:<hex>` */
  digest: string
  entrypoint: string
  path: string
  components: Component[]
  /** Paths of components whose file is missing (their digest is 'absent'). */
  missing: string[]
}

/** The digests of one model (EntityDigest plus its class and declared outputs). */
export interface ModelDigest extends EntityDigest {
  class_name: string
  outputs: string[]
}

/** The digests of one target (EntityDigest plus the model output it compares with). */
export interface TargetDigest extends EntityDigest {
  model_output: string
}

/** What computeDigests returns: the bundle digest, the environment and every model and target digest, keyed by id. */
export interface DigestReport {
  /** `bundle1:<hex>` */
  bundle_digest: string
  environment: EnvironmentReport
  models: Record<string, ModelDigest>
  targets: Record<string, TargetDigest>
  /** e.g. semantic digest fell back to bytes for a file tree-sitter could not parse. */
  warnings: import('../errors.js').Warning[]
  /** How much work the pass did (files seen, stat-cache hits, files read and hashed, of those on workers). */
  stats?: { files: number; cacheHits: number; hashed: number; pooled: number }
  /** Only with option `generatorInputs`: path → code digest (`pysem1:`, `blake2b256:`, `tree1:`) or `absent`. */
  generator_inputs?: Record<string, string>
  /**
   * Only when the registry holds digests written by the Python tool (`sha256:`, bare hex): path → `sha256:<hex>` of
   * the file now (or `absent` / `directory`), so computeStatus can check them with their own algorithm.
   */
  foreign_checks?: Record<string, string>
}

/**
 * 'unverifiable': the registry records a digest of an algorithm this tool does not know; the entry counts as stale
 * until `register-model`/`register-target` records current digests.
 * Notes, which leave the entry fresh: 'reformatted' (the bytes changed, our semantic digest of them did not),
 * 'untracked' (no digest recorded: target data as the Python tool writes it), 'outdated' (an R1 token hash of a
 * `.py` file). `verify --strict` fails on 'untracked' and 'outdated'.
 */
export type ChangeKind = 'added' | 'removed' | 'modified' | 'missing' | 'unverifiable' | 'reformatted' | 'untracked' | 'outdated'

/** One difference between a recorded digest and the current one: which file, what kind of change, both digests. */
export interface ComponentChange {
  kind: ComponentKind
  path: string
  change: ChangeKind
  /** Digest recorded in the registry (absent for 'added'). */
  recorded?: string
  /** Digest now (absent for 'removed', 'missing' and 'unverifiable'); `sha256:` when the registry recorded one. */
  current?: string
  /** What to do about it (set for 'unverifiable', 'untracked', 'outdated'). */
  hint?: string
  /**
   * What decided a change of a `sha256:` the registry records: 'semantic' when digests.json held our digest of the
   * recorded bytes, 'sha256' when it did not (then a reformat counts as a change).
   */
  basis?: 'semantic' | 'sha256'
}

/** Freshness of one model or target: fresh, or stale with the changes that make it so. */
export interface EntityStatus {
  id: string
  entrypoint: string
  state: 'fresh' | 'stale'
  changes: ComponentChange[]
}

/** What computeStatus returns: whether every entry is fresh, and each model's and target's status. */
export interface StatusReport {
  fresh: boolean
  models: EntityStatus[]
  targets: EntityStatus[]
}

/** How one file was hashed. */
export interface FileDigest {
  path: string
  digest: string
  kind: 'bytes' | 'semantic' | 'tree'
}
