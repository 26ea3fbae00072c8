// The generator's own code (config `generator.inputs`, plugin `generate.inputs`) as one digest for the cache key.
import { ModelopsError } from '../errors.js'
import { canonicalJson } from '../digest/canonical.js'
import { hashBytes } from '../digest/bytes.js'
import { digestPaths, requestKey } from '../digest/engine.js'
import type { DigestReport } from '../digest/types.js'
import { idTable } from '../project/names.js'
import type { Workspace } from '../workspace/workspace.js'
import type { Generator } from './run.js'

/** Prefix of the folded digest: bump when what it covers changes. */
export const GENERATOR_INPUTS_ALGO = 'geninputs1'

/** The inputs a generator declares (function generators declare none). */
export function generatorInputsOf(generator: Generator | undefined | false): string[] {
  if (!generator || typeof generator === 'function') return []
  return generator.inputs ?? []
}

/**
 * Fold per-path digests (path → code digest, as `computeDigests({ generatorInputs })` returns them) into one
 * `geninputs1:<hex>`. A missing input is a user error: a typo would otherwise silently drop the runner from the key.
 */
export async function foldGeneratorInputs(digests: Record<string, string>, inputs: readonly string[]): Promise<string> {
  const files = idTable<string>()
  for (const rel of inputs) {
    const d = Object.hasOwn(digests, rel) ? digests[rel] : undefined
    if (d === undefined || d === 'absent') {
      throw new ModelopsError('FILE_NOT_FOUND', `generator input ${JSON.stringify(rel)} does not exist`, {
        file: '.modelops-bundle/config.yaml',
        hint: 'generator.inputs (or the plugin option generate.inputs) lists project-relative files or folders of the generator; fix the path or remove it',
      })
    }
    files[rel] = d
  }
  const hex = await hashBytes(canonicalJson({ algo: GENERATOR_INPUTS_ALGO, files }))
  return `${GENERATOR_INPUTS_ALGO}:${hex.slice(hex.indexOf(':') + 1)}`
}

/**
 * The inputs digest of `generator`, or undefined when it declares none. Uses `report.generator_inputs` when the
 * digest pass already covered them (the plugin's way: one stat-cache pass), else digests them now with the engine.
 */
export async function generatorInputsDigest(
  ws: Workspace,
  generator: Generator,
  report?: Pick<DigestReport, 'generator_inputs'>,
): Promise<string | undefined> {
  const inputs = generatorInputsOf(generator)
  if (inputs.length === 0) return undefined
  let digests = report?.generator_inputs
  if (!digests || inputs.some((rel) => !Object.hasOwn(digests!, rel))) {
    const requests = inputs.map((rel) => ({ rel, mode: 'code' as const, owner: 'generator.inputs' }))
    const { results } = await digestPaths(ws.project, requests, { cacheDir: ws.cacheDir ?? false })
    digests = idTable(requests.map((r) => [r.rel, results.get(requestKey(r))!.digest] as const))
  }
  return foldGeneratorInputs(digests, inputs)
}
