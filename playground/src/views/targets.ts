// The calibration targets: which model output each one constrains, and the data it reads.
import { short, type ManifestTarget } from '../bundle'
import { parseCsv } from '../parse'
import { h } from './dom'

/** `files`: the observation files the page has, to say how many rows each holds. */
export function targetTable(targets: Record<string, ManifestTarget>, files: Record<string, string> = {}): HTMLElement {
  const ids = Object.keys(targets).sort()
  if (ids.length === 0) return h('p', { class: 'muted' }, 'No targets registered.')
  return h('div', { class: 'table-scroll' }, h(
    'table',
    { class: 'targets' },
    h('thead', {}, h('tr', {}, ['target', 'entrypoint', 'model output', 'data', 'digest'].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ids.map((id) => {
        const t = targets[id]
        const data = t.components
          .filter((c) => c.kind === 'TARGET_DATA')
          .map((c) => (c.path in files ? `${c.path} (${parseCsv(files[c.path]).length} rows)` : c.path))
        return h(
          'tr',
          { 'data-target-id': id, 'data-digest': t.digest },
          h('td', {}, h('strong', {}, id)),
          h('td', {}, h('code', {}, t.entrypoint)),
          h('td', {}, h('code', {}, t.model_output)),
          h('td', { class: 'path' }, data.join(', ') || '—'),
          h('td', { class: 'digest', title: t.digest }, short(t.digest)),
        )
      }),
    ),
  ))
}
