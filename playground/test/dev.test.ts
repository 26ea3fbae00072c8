// `npm run dev`: the Vite dev server over a temp copy of the sample; a data edit reaches the open page
// (new bundle digest, new observation drawn) without restarting the server or reloading the page.
import fs from 'node:fs'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SLOW, gotoConnected, launchBrowser, makeSample, resultsDir, startDevServer, stop, tempDir } from './helpers'

describe('dev server', () => {
  const dir = tempDir('dev')
  let sample: string
  let browser: Browser
  let server: { url: string; child: ChildProcess; output: () => string } | undefined

  beforeAll(async () => {
    const made = makeSample(dir)
    sample = made.sample
    server = await startDevServer(made.env)
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await stop(server?.child)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('updates the page when data/data.csv is edited', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await gotoConnected(page, server!.url)
    await page.waitForSelector('#app[data-ready]', { timeout: 60_000 })
    const before = await page.getAttribute('#app', 'data-ready')
    const targetBefore = await page.getAttribute('tr[data-target-id="incidence_target"]', 'data-digest')
    const incidenceDots = 'article[data-model-id="sir_stochasticsir"] figure[data-output="incidence"] svg circle'
    expect(await page.locator(incidenceDots).count()).toBe(15)
    // In dev the plugin itself says where each model's outputs came from.
    expect(await page.$$eval('article.model', (cards) => cards.map((c) => c.getAttribute('data-origin')))).toEqual(['generated', 'generated', 'generated'])
    // Survives HMR, not a reload.
    await page.evaluate(() => ((window as unknown as { __beforeEdit: boolean }).__beforeEdit = true))

    const csv = path.join(sample, 'data', 'data.csv')
    fs.writeFileSync(csv, `${fs.readFileSync(csv, 'utf8').trimEnd()}\n2024-01-16,4374,95,1064,100000\n`)

    await page.waitForFunction(
      ({ before, selector }) => document.getElementById('app')!.dataset.ready !== before && document.querySelectorAll(selector).length === 16,
      { before, selector: incidenceDots },
      { timeout: 60_000 },
    )
    expect(await page.getAttribute('tr[data-target-id="incidence_target"]', 'data-digest')).not.toBe(targetBefore)
    expect(await page.evaluate(() => (window as unknown as { __beforeEdit?: boolean }).__beforeEdit)).toBe(true)
    expect(server!.child.exitCode).toBeNull()
    expect(errors).toEqual([])
    fs.mkdirSync(resultsDir, { recursive: true })
    await page.screenshot({ path: path.join(resultsDir, 'dev-after-edit.png'), fullPage: true })
    await page.close()
  }, SLOW)
})
