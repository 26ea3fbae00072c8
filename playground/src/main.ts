// The dashboard: everything it shows comes from the build (the manifest and the model outputs it emitted).
import * as bundle from 'virtual:modelops-bundle'
import observationFiles from 'virtual:playground-observations'
import { loadOutputs, observationsOf, short, type Manifest, type Output } from './bundle'
import { h } from './views/dom'
import { modelCard, type Origin } from './views/models'
import { targetTable } from './views/targets'

const manifest: Manifest = bundle.default

/** The plugin's build report (option `report`, playground/plugins/shared.mjs): kept out of the manifest and the bundle. */
const REPORT_FILE = 'modelops-build.json'

/**
 * Where each model's outputs came from ('generated' by this build, 'pulled' from the remote cache, or 'cached'): the
 * build report beside the page, or in dev the one the middleware serves for the latest run (refetched on every
 * render). None: no badges.
 */
async function loadSources(): Promise<Record<string, string>> {
  try {
    const res = await fetch(new URL(REPORT_FILE, document.baseURI), { cache: 'no-cache' })
    if (!res.ok) return {}
    const report = (await res.json()) as { models?: Record<string, { source: string }> }
    return Object.fromEntries(Object.entries(report.models ?? {}).map(([id, m]) => [id, m.source]))
  } catch {
    return {}
  }
}

function origin(source: string | undefined): Origin {
  return source === 'generated' || source === 'pulled' || source === 'cached' ? source : undefined
}

/** Compartments (several series) first, then single outputs by name. */
const byShape = (a: Output, b: Output) => (b.table?.series.length ?? 0) - (a.table?.series.length ?? 0) || (a.name < b.name ? -1 : 1)

async function render(root: HTMLElement): Promise<void> {
  // After an HMR update two renders can overlap (outputs are fetched): only the newest may draw.
  const run = String(Number(root.dataset.run ?? 0) + 1)
  root.dataset.run = run
  const modelIds = Object.keys(manifest.models).sort()
  const targetIds = Object.keys(manifest.targets).sort()
  const [sources, outputs] = await Promise.all([
    loadSources(),
    Promise.all(modelIds.map(async (id) => (await loadOutputs(id, manifest.models[id], bundle.artifactUrl)).sort(byShape))),
  ])
  const epoch = outputs.flat().find((o) => o.epoch !== undefined)?.epoch
  const observations = targetIds.flatMap((id) => observationsOf(id, manifest.targets[id], observationFiles, epoch))
  const origins = modelIds.map((id) => origin(sources[id]))
  const count = (o: Origin) => origins.filter((x) => x === o).length
  const columns = Math.max(1, ...outputs.map((o) => o.length))
  if (root.dataset.run !== run) return
  const plotWidth = Math.max(300, Math.min(600, Math.floor((Math.min(root.clientWidth, 1240) - 60) / Math.min(columns, 3)) - 24))

  root.replaceChildren(
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, 'modelops-bundle ', h('span', { class: 'muted' }, 'playground')),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'bundle'),
        h('dd', {}, h('code', { id: 'bundle-digest', title: manifest.bundle_digest }, short(manifest.bundle_digest, 16))),
        h('dt', {}, 'environment'),
        h('dd', {}, h('code', { title: manifest.environment.digest }, short(manifest.environment.digest))),
        h('dt', {}, 'models'),
        h('dd', {}, String(modelIds.length), origins.some(Boolean) ? ` (${count('cached')} cached · ${count('pulled') ? `${count('pulled')} pulled · ` : ''}${count('generated')} generated)` : ''),
        h('dt', {}, 'targets'),
        h('dd', {}, String(targetIds.length)),
      ),
    ),
    h(
      'p',
      { class: 'lede' },
      'Each registered model, its provenance digest and the outputs its generator wrote in this build ',
      '(reused from the cache when the digest is unchanged). Dots are the calibration targets\u2019 observations.',
    ),
    h(
      'section',
      { class: 'models' },
      h('h2', {}, 'Models'),
      modelIds.length === 0 ? h('p', { class: 'muted' }, 'No models registered: run `mops-bundle register-model <file>` in the project.') : null,
      modelIds.map((id, i) =>
        modelCard(id, manifest.models[id], origins[i], outputs[i], (output) => observations.filter((o) => o.output === output), plotWidth),
      ),
    ),
    h('section', { class: 'targets-section' }, h('h2', {}, 'Calibration targets'), targetTable(manifest.targets, observationFiles)),
    h('footer', {}, h('span', { class: 'muted' }, `${manifest.schema} · python ${manifest.environment.python_version} · ${manifest.environment.platform}`)),
  )
  // Tests wait for this: the page has drawn this manifest.
  root.dataset.ready = manifest.bundle_digest
}

const root = document.getElementById('app')!
render(root).catch((err: unknown) => {
  root.replaceChildren(h('pre', { class: 'error' }, String(err instanceof Error ? (err.stack ?? err.message) : err)))
  root.dataset.error = 'true'
})

// Vite dev: a data edit re-runs this module with the new manifest and observations.
import.meta.hot?.accept()
