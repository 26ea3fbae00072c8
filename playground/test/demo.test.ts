// `npm run demo` as a newcomer runs it: summary line, digest, where things are; a second run is all cached;
// Rollup and esbuild build the same playground into the same manifest bytes.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUNDLERS, SLOW, makeSample, readManifest, runDemo, tempDir } from './helpers'

// Rollup prints a plugin's lines with its own `[plugin name]` prefix (so that `--silent` and onLog apply to them).
const SUMMARY = /^(?:modelops-bundle:|\[plugin modelops-bundle\]) (\d+) models · (\d+) cached · (\d+) generated \([\d.]+ s\)$/m

describe('npm run demo', () => {
  const dir = tempDir('demo')
  let env: NodeJS.ProcessEnv
  const out = (bundler: string) => path.join(dir, `dist-${bundler}`)

  beforeAll(() => {
    env = makeSample(dir).env
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('builds with Vite, prints the summary line, the bundle digest, the page and the manifest', async () => {
    const r = await runDemo(['--out', out('vite')], env)
    expect(r.stderr).not.toMatch(/error/i)
    expect(r.code).toBe(0)
    const { json } = readManifest(out('vite'))
    const n = Object.keys(json.models).length
    expect(n).toBe(3)
    expect(r.stdout).toMatch(SUMMARY)
    const [, models, cached, generated] = SUMMARY.exec(r.stdout)!.map(Number)
    expect([models, cached, generated]).toEqual([n, 0, n])
    expect(r.stdout).toContain(`bundle digest  ${json.bundle_digest}`)
    expect(r.stdout).toMatch(new RegExp(`page\\s+\\S*${path.basename(out('vite'))}/index\\.html`))
    expect(r.stdout).toMatch(new RegExp(`manifest\\s+\\S*${path.basename(out('vite'))}/modelops-manifest\\.json`))
    // Every artifact the manifest names was emitted.
    for (const m of Object.values<any>(json.models)) {
      expect(m.artifacts.length).toBeGreaterThan(0)
      for (const a of m.artifacts) expect(fs.statSync(path.join(out('vite'), a.path)).size).toBe(a.bytes)
    }
    expect(fs.existsSync(path.join(out('vite'), 'index.html'))).toBe(true)
    // The plugin's build report beside the page (kept out of the manifest and the bundle): this build generated all.
    const report = JSON.parse(fs.readFileSync(path.join(out('vite'), 'modelops-build.json'), 'utf8'))
    expect(report.models).toEqual(Object.fromEntries(Object.keys(json.models).map((id) => [id, { source: 'generated' }])))
    expect(report.summary).toMatchObject({ models: n, cached: 0, generated: n })
    expect(report.bundle_digest).toBe(json.bundle_digest)
    expect(fs.existsSync(path.join(out('vite'), 'playground-sources.json'))).toBe(false)
    for (const id of Object.keys(json.models)) expect(r.stdout).toMatch(new RegExp(`^  ${id} .* generated$`, 'm'))
  }, SLOW)

  it('shows every model cached on the second run, with the same manifest bytes', async () => {
    const first = readManifest(out('vite')).text
    const r = await runDemo(['--out', out('vite')], env)
    expect(r.code).toBe(0)
    const [, models, cached, generated] = SUMMARY.exec(r.stdout)!.map(Number)
    expect(models).toBe(3)
    expect(cached).toBe(3)
    expect(generated).toBe(0)
    expect(readManifest(out('vite')).text).toBe(first)
    const report = JSON.parse(fs.readFileSync(path.join(out('vite'), 'modelops-build.json'), 'utf8'))
    expect(Object.values(report.models)).toEqual([{ source: 'cached' }, { source: 'cached' }, { source: 'cached' }])
    expect(report.summary).toMatchObject({ models: 3, cached: 3, generated: 0 })
  }, SLOW)

  it.each(BUNDLERS.filter((b) => b !== 'vite'))('builds with %s into the same manifest bytes and a complete page', async (bundler) => {
    const r = await runDemo(['--bundler', bundler, '--out', out(bundler)], env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(SUMMARY)
    expect(r.stdout).toContain(`built with ${bundler}`)
    const { text, json } = readManifest(out(bundler))
    expect(text).toBe(readManifest(out('vite')).text)
    for (const file of ['index.html', 'assets/main.js', 'assets/style.css']) expect(fs.existsSync(path.join(out(bundler), file)), file).toBe(true)
    for (const m of Object.values<any>(json.models)) for (const a of m.artifacts) expect(fs.statSync(path.join(out(bundler), a.path)).size).toBe(a.bytes)
  }, SLOW)

  it('an unknown option or a missing value prints the usage, exit 2, no stack trace', async () => {
    for (const args of [['--bogus'], ['--port']]) {
      const r = await runDemo(args, env)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(/^demo: (Unknown option '--bogus'|Option '--port <value>' argument missing)/)
      expect(r.stderr).toContain('Usage: node playground/scripts/demo.mjs [options]')
      expect(r.stderr).toContain('--bundler vite|rollup|esbuild')
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  }, SLOW)

  it('rejects an unknown bundler with a one-line message', async () => {
    const r = await runDemo(['--bundler', 'parcel'], env)
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe("demo: --bundler must be vite, rollup or esbuild, not 'parcel'")
  }, SLOW)
})
