// contracts' EnvironmentDigest (reference-spec §2.7) and where its inputs come from.
// Precedence, highest first: `overrides` > config.yaml `environment` > files at the project root > defaults.
import { execFileSync } from 'node:child_process'
import { arch, endianness, platform as osPlatform } from 'node:os'
import type { Warning } from '../errors.js'
import type { Project } from '../project/project.js'
import { parseCacheDir, type ParseCacheOptions } from '../project/parse-cache.js'
import type { EnvironmentInputs } from './types.js'
import { blake2b256Hex } from './blake2b.js'
import { canonicalJson, compareCodePoints } from './canonical.js'
import { normalizePackageName, readPyprojectDependencies, readPythonVersionFile, readRequirementsFiles, readUvLock } from './env-sources.js'

export const ENV_ALGO = 'env1'
const ENV_NAMESPACE = 'contracts:env:v1|'

/** Python version recorded when neither config nor `.python-version` names one (Python is not run to ask). */
export const UNSPECIFIED_PYTHON = 'unspecified'

/** `python_version: detect` (config or override) opts in to asking `python3 --version` on PATH. */
export const DETECT_PYTHON = 'detect'

/** `python3 --version` → `3.11.7`; undefined (plus a warning) when there is no python3 or it answers oddly. */
function detectPythonVersion(warnings: Warning[]): string | undefined {
  try {
    // Not user code: the interpreter's own version flag, no shell, bounded in time.
    const out = execFileSync('python3', ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] })
    const m = /Python\s+(\S+)/.exec(out)
    if (m) return m[1]
    warnings.push({ code: 'ENV_PYTHON_DETECT', message: `python_version: detect: unexpected answer from python3 --version (${out.trim()}); recording "${UNSPECIFIED_PYTHON}"` })
  } catch (err) {
    warnings.push({ code: 'ENV_PYTHON_DETECT', message: `python_version: detect: could not run python3 --version (${(err as Error).message.split('\n')[0]}); recording "${UNSPECIFIED_PYTHON}"` })
  }
  return undefined
}

/** The exact string contracts hashes: `contracts:env:v1|` + canonical JSON (vector E4). */
export function environmentPreimage(env: EnvironmentInputs): string {
  if (!Number.isInteger(env.thread_count)) throw new TypeError(`environment: thread_count must be an integer, got ${env.thread_count}`)
  const deps = Object.entries(env.dependencies).sort((a, b) => compareCodePoints(a[0], b[0]) || compareCodePoints(a[1], b[1]))
  return (
    ENV_NAMESPACE +
    canonicalJson({
      python: env.python_version,
      platform: env.platform,
      deps,
      container: env.container_image ?? null,
      cuda: env.cuda_version ?? null,
      rng: env.rng_algorithm,
      threads: env.thread_count,
    })
  )
}

/** Bare hex of contracts' EnvironmentDigest (reference vector E4). */
export async function environmentDigestHex(env: EnvironmentInputs): Promise<string> {
  return blake2b256Hex(environmentPreimage(env))
}

/** `env1:<hex>` */
export async function environmentDigest(env: EnvironmentInputs): Promise<string> {
  return `${ENV_ALGO}:${await environmentDigestHex(env)}`
}

const PY_SYSTEM: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'windows', freebsd: 'freebsd', openbsd: 'openbsd', sunos: 'sunos', aix: 'aix' }

/** This host in Python's `f"{platform.system().lower()}-{platform.machine()}"` form, e.g. linux-x86_64, darwin-arm64. */
export function hostPlatform(): string {
  const sys = osPlatform()
  const a = arch()
  const win = sys === 'win32'
  const machine: Record<string, string> = {
    x64: win ? 'AMD64' : 'x86_64',
    arm64: win ? 'ARM64' : sys === 'darwin' ? 'arm64' : 'aarch64',
    ia32: win ? 'x86' : 'i686',
    arm: 'armv7l',
    ppc64: endianness() === 'LE' ? 'ppc64le' : 'ppc64',
    s390x: 's390x',
    riscv64: 'riscv64',
    loong64: 'loongarch64',
  }
  return `${PY_SYSTEM[sys] ?? sys}-${machine[a] ?? a}`
}

function normalizeDeps(deps: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(deps ?? {})) out[normalizePackageName(k)] = String(v)
  return out
}

/**
 * Inputs from config.yaml, uv.lock / requirements*.txt / pyproject.toml, then `overrides`.
 * Dependencies merge per (PEP 503-normalised) name, later wins: pyproject.toml [project].dependencies <
 * requirements*.txt < uv.lock < config `environment.dependencies` < `overrides.dependencies`.
 * Other fields: override, else config, else python_version from `.python-version` / platform of this host,
 * else the contracts default (python_version: 'unspecified'). Python is never run, except that the value
 * `detect` for python_version asks `python3 --version`. Problems that do not stop the digest are appended to `warnings`.
 */
export async function captureEnvironment(
  project: Project,
  overrides: Partial<EnvironmentInputs> = {},
  warnings: Warning[] = [],
  options: ParseCacheOptions = {},
): Promise<EnvironmentInputs> {
  const config: Partial<EnvironmentInputs> = project.config?.environment ?? {}
  const pick = <K extends keyof EnvironmentInputs>(k: K): EnvironmentInputs[K] | undefined => (overrides[k] !== undefined ? overrides[k] : config[k])
  // pyproject.toml and uv.lock go through the parse cache (same folder as the stat cache): unchanged, they are not re-parsed.
  const dir = parseCacheDir(project.root, options.cacheDir)
  const dependencies = {
    ...readPyprojectDependencies(project.root, warnings, dir),
    ...readRequirementsFiles(project.root, warnings),
    ...readUvLock(project.root, dir),
    ...normalizeDeps(config.dependencies),
    ...normalizeDeps(overrides.dependencies),
  }
  let python = pick('python_version') ?? readPythonVersionFile(project.root)
  if (python === DETECT_PYTHON) python = detectPythonVersion(warnings)
  return {
    python_version: python ?? UNSPECIFIED_PYTHON,
    platform: pick('platform') ?? hostPlatform(),
    dependencies,
    container_image: pick('container_image') ?? null,
    cuda_version: pick('cuda_version') ?? null,
    rng_algorithm: pick('rng_algorithm') ?? 'PCG64',
    thread_count: pick('thread_count') ?? 1,
  }
}
