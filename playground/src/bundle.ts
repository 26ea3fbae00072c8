// What the page reads: the manifest (from the plugin's virtual module), each model's output files,
// and the targets' observation files (from the playground's own virtual module).
import type { ManifestArtifact, ManifestModel, ManifestTarget } from 'unplugin-modelops-bundle/types'
import { epochOf, parseArtifact, parseCsv, toTable, type Table } from './parse'

export type { Manifest, ManifestModel, ManifestTarget } from 'unplugin-modelops-bundle/types'

/** One plottable output of a model: its name (the file's stem), the file, its parsed table. */
export interface Output { name: string; artifact: ManifestArtifact; table: Table | null; epoch?: number }
/** A target's observed table (one of its TARGET_DATA files). */
export interface Observation { target: string; file: string; output: string; table: Table }

/** `composite1:0123456789ab`: the algorithm and the first `n` hex digits. */
export const short = (digest: string, n = 12): string => {
  const i = digest.indexOf(':')
  return i < 0 ? digest.slice(0, n) : `${digest.slice(0, i)}:${digest.slice(i + 1, i + 1 + n)}`
}

export const stem = (path: string): string => path.replace(/^.*\//, '').replace(/\.[^.]*$/, '')

export async function loadOutputs(
  id: string,
  model: ManifestModel,
  artifactUrl: (id: string, path: string) => string,
): Promise<Output[]> {
  return Promise.all(
    model.artifacts.map(async (artifact) => {
      const res = await fetch(artifactUrl(id, artifact.path))
      if (!res.ok) throw new Error(`${artifact.path}: HTTP ${res.status}`)
      const rows = parseArtifact(artifact.path, await res.text())
      return { name: stem(artifact.path), artifact, table: toTable(rows), epoch: epochOf(rows) }
    }),
  )
}

/** The tables of a target's TARGET_DATA files that the page has (every CSV under data/). */
export function observationsOf(id: string, target: ManifestTarget, files: Record<string, string>, epoch?: number): Observation[] {
  return target.components.flatMap((c) => {
    if (c.kind !== 'TARGET_DATA' || !(c.path in files)) return []
    const table = toTable(parseCsv(files[c.path]), epoch)
    return table ? [{ target: id, file: c.path, output: target.model_output, table }] : []
  })
}
