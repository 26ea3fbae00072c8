// One card per model: identity, provenance (digest, cached or generated, components) and its output plots.
import { short, type ManifestModel, type Observation, type Output } from '../bundle'
import { h } from './dom'
import { settledAt } from '../parse'
import { outputPlot } from './plots'

export type Origin = 'cached' | 'pulled' | 'generated' | undefined

const ORIGIN_TITLES = { cached: 'outputs reused from the cache', pulled: 'outputs fetched from the remote cache in this build (verified)', generated: 'outputs generated in this build' } as const

const KIND_LABEL: Record<string, string> = { MODEL_CODE: 'model', DATA: 'data', CODE_DEP: 'code', TARGET_CODE: 'target', TARGET_DATA: 'data' }

const size = (bytes: number): string => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`)

/** The files a digest covers, as chips: kind, path, short digest (the full one on hover). */
export function componentChips(components: ManifestModel['components']): HTMLElement {
  return h(
    'ul',
    { class: 'components' },
    components.map((c) =>
      h(
        'li',
        { class: `chip kind-${c.kind.toLowerCase()}`, 'data-kind': c.kind, title: `${c.kind} ${c.path}\n${c.digest}` },
        h('span', { class: 'kind' }, KIND_LABEL[c.kind] ?? c.kind),
        h('span', { class: 'path' }, c.path),
        h('code', { class: 'digest' }, c.digest === 'absent' ? 'absent' : short(c.digest, 6)),
      ),
    ),
  )
}

export function modelCard(
  id: string,
  model: ManifestModel,
  origin: Origin,
  outputs: Output[],
  observationsFor: (output: string) => Observation[],
  plotWidth: number,
): HTMLElement {
  // One x range per model, cut where every output has settled (+15%), and never before the last observation.
  const ends = outputs.flatMap((o) => [
    o.table ? settledAt(o.table) : undefined,
    ...observationsFor(o.name).flatMap((obs) => obs.table.rows.map((r) => r[obs.table.x] as number)),
  ])
  const dataEnd = Math.max(...outputs.flatMap((o) => (o.table ? o.table.rows.map((r) => r[o.table!.x] as number) : [])))
  const settled = Math.max(...ends.filter((x): x is number => x !== undefined))
  const xMax = Number.isFinite(settled) && Number.isFinite(dataEnd) ? Math.min(dataEnd, Math.ceil(settled * 1.15)) : undefined
  const plots = outputs.map((o) =>
    h(
      'figure',
      { class: 'plot', 'data-output': o.name },
      h('figcaption', {}, o.name, ' ', h('span', { class: 'muted' }, `${o.artifact.path.replace(/^.*\//, '')} · ${size(o.artifact.bytes)}`)),
      outputPlot(o, observationsFor(o.name), plotWidth, xMax) ?? h('p', { class: 'muted' }, 'nothing numeric to plot'),
    ),
  )
  return h(
    'article',
    { class: 'model', 'data-model-id': id, 'data-digest': model.digest, 'data-origin': origin },
    h(
      'header',
      {},
      h('h3', {}, id),
      origin ? h('span', { class: `badge badge-${origin}`, title: ORIGIN_TITLES[origin] }, origin) : null,
      h('code', { class: 'entrypoint' }, model.entrypoint),
      h('code', { class: 'digest', title: model.digest }, short(model.digest)),
    ),
    componentChips(model.components),
    h('div', { class: 'plots' }, plots.length ? plots : h('p', { class: 'muted' }, 'no outputs (the build ran without a generator)')),
  )
}
