// The built dashboard in a real browser: every model row, every plot drawn, for each bundler's build.
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveStatic } from '../scripts/serve.mjs'
import { BUNDLERS, SLOW, launchBrowser, makeSample, readManifest, resultsDir, runDemo, tempDir } from './helpers'

/** What the page drew, read from the DOM. */
async function inspect(page: Page) {
  return page.$$eval('article.model', (cards) =>
    cards.map((card) => ({
      id: card.getAttribute('data-model-id'),
      digest: card.getAttribute('data-digest'),
      entrypoint: card.querySelector('.entrypoint')?.textContent,
      origin: card.getAttribute('data-origin'),
      badge: card.querySelector('.badge')?.textContent,
      components: [...card.querySelectorAll('.components [data-kind]')].map((c) => c.getAttribute('data-kind')),
      plots: [...card.querySelectorAll('figure.plot')].map((fig) => ({
        output: fig.getAttribute('data-output'),
        // Plot draws each line as a <path>; a drawn line has a non-empty `d` with many segments.
        lines: [...fig.querySelectorAll('svg path')].map((p) => p.getAttribute('d') ?? '').filter((d) => d.split('L').length > 10).length,
        dots: fig.querySelectorAll('svg circle').length,
      })),
    })),
  )
}

describe('built page in chromium', () => {
  const dir = tempDir('page')
  let env: NodeJS.ProcessEnv
  let browser: Browser

  beforeAll(async () => {
    env = makeSample(dir).env
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it.each(BUNDLERS)('%s build: model rows, drawn plots, observations, targets', async (bundler) => {
    const out = path.join(dir, `dist-${bundler}`)
    const r = await runDemo(['--bundler', bundler, '--out', out], env)
    expect(r.code, r.stderr).toBe(0)
    const { json: manifest } = readManifest(out)
    const server = await serveStatic(out)
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    try {
      await page.goto(server.url)
      await page.waitForSelector(`#app[data-ready="${manifest.bundle_digest}"]`, { timeout: 30_000 })
      const cards = await inspect(page)
      const ids = Object.keys(manifest.models).sort()
      expect(cards.map((c) => c.id)).toEqual(ids)
      for (const card of cards) {
        const m = manifest.models[card.id!]
        expect(card.entrypoint).toBe(m.entrypoint)
        expect(card.digest).toBe(m.digest)
        // The first build (vite) of a fresh sample generates every model; the builds after it reuse the cache.
        expect(card.origin).toBe(bundler === 'vite' ? 'generated' : 'cached')
        expect(card.badge).toBe(card.origin)
        expect(card.components).toEqual(m.components.map((c: { kind: string }) => c.kind))
        // One plot per output file, each with its lines drawn (sir: S, I and R).
        expect(card.plots.map((p) => p.output).sort()).toEqual(m.artifacts.map((a: { path: string }) => path.basename(a.path, '.json')).sort())
        for (const p of card.plots) expect(p.lines, `${card.id} ${p.output}`).toBeGreaterThanOrEqual(p.output === 'sir' ? 3 : 1)
        // Observations of the targets on incidence (15 days) and prevalence (10 surveys) are overlaid.
        expect(card.plots.find((p) => p.output === 'incidence')?.dots).toBe(15)
        expect(card.plots.find((p) => p.output === 'prevalence')?.dots).toBe(10)
      }
      const targets = await page.$$eval('tr[data-target-id]', (rows) => rows.map((r) => r.getAttribute('data-target-id')))
      expect(targets).toEqual(Object.keys(manifest.targets).sort())
      expect(await page.textContent('#bundle-digest')).toBe(manifest.bundle_digest.slice(0, 'bundle1:'.length + 16))
      expect(errors).toEqual([])
      fs.mkdirSync(resultsDir, { recursive: true })
      await page.screenshot({ path: path.join(resultsDir, `page-${bundler}.png`), fullPage: true })
    } finally {
      await page.close()
      await server.close()
    }
  }, SLOW)
})
