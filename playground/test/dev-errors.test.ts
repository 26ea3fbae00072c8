// The Vite dev server over a broken registry: it starts, the page's overlay shows the formatted error, and a
// good save recovers; saving the registry back to its previous content clears the overlay without a reload.
import fs from 'node:fs'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SLOW, gotoConnected, launchBrowser, makeSample, startDevServer, stop, tempDir } from './helpers'

const OVERLAY = 'vite-error-overlay'
/** A second entry with the first one's id: a YAML duplicate key, reported with its line. */
function breakRegistry(text: string): string {
  const lines = text.split('\n')
  const at = lines.findIndex((l) => /^ {2}sir_stochasticsir:\s*$/.test(l))
  if (at < 0) throw new Error(`no sir_stochasticsir entry in the registry:\n${text}`)
  lines.splice(at, 0, '  sir_stochasticsir:', '    path: models/sir.py')
  return lines.join('\n')
}

async function overlayText(page: Page): Promise<string> {
  await page.waitForSelector(OVERLAY, { timeout: 60_000 })
  return page.locator(`${OVERLAY} .message-body`).innerText()
}

describe('dev server with a bad registry', () => {
  const dir = tempDir('dev-errors')
  let sample: string
  let registry: string
  let good: string
  let browser: Browser
  let server: { url: string; child: ChildProcess; output: () => string } | undefined

  beforeAll(async () => {
    const made = makeSample(dir)
    sample = made.sample
    registry = path.join(sample, '.modelops-bundle', 'registry.yaml')
    good = fs.readFileSync(registry, 'utf8')
    fs.writeFileSync(registry, breakRegistry(good))
    // Resolves only once the server prints its URL: it started despite the broken registry.
    server = await startDevServer(made.env)
    browser = await launchBrowser()
  }, SLOW)
  afterAll(async () => {
    await browser?.close()
    await stop(server?.child)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('starts, shows the formatted error in the overlay and in the terminal, and recovers on a good save', async () => {
    expect(server!.child.exitCode).toBeNull()
    const page = await browser.newPage()
    await gotoConnected(page, server!.url)
    const shown = await overlayText(page)
    expect(shown).toMatch(/registry\.yaml:\d+/)
    expect(shown).not.toMatch(/\{ message:|\n\s+at /)
    // The terminal got the same message, formatted, not a raw object.
    expect(server!.output()).toMatch(/registry\.yaml:\d+/)
    expect(server!.output()).not.toMatch(/\{ message:|stack: ''/)

    fs.writeFileSync(registry, good)
    await page.waitForSelector('#app[data-ready]', { timeout: 120_000 })
    expect(await page.locator(OVERLAY).count()).toBe(0)
    await page.close()
  }, SLOW)

  it('a registry broken while the page is open shows the overlay; saving it back as it was clears it', async () => {
    const page = await browser.newPage()
    await gotoConnected(page, server!.url)
    await page.waitForSelector('#app[data-ready]', { timeout: 120_000 })
    fs.writeFileSync(registry, breakRegistry(good))
    expect(await overlayText(page)).toMatch(/registry\.yaml:\d+/)
    // The same bytes as before the break: the run's result equals the page's, yet the overlay must go.
    fs.writeFileSync(registry, good)
    await page.waitForSelector(OVERLAY, { state: 'detached', timeout: 120_000 })
    await page.waitForSelector('#app[data-ready]', { timeout: 120_000 })
    expect(server!.child.exitCode).toBeNull()
    await page.close()
  }, SLOW)
})
