// `client.d.ts` in a browser app: type-checked with skipLibCheck off and no Node types, as Vite's own templates do.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { appEnv, exec, REPO, show } from './support/packed.js'
import { snippets } from './support/snippets.js'

const { app } = inject('packed')

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    module: 'ESNext',
    moduleResolution: 'bundler',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    // Only what the app asks for: a type that needs Node's or Emscripten's declarations fails to resolve.
    types: [],
  },
  include: ['src'],
}

describe('client types in a browser app', { timeout: 300_000 }, () => {
  it("the plugin README's TypeScript snippet type-checks standalone (no Node or Emscripten types pulled in)", async () => {
    const dir = join(app, 'browser-types')
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(join(dir, 'src'), { recursive: true })
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2))
    const readme = readFileSync(join(REPO, 'packages/unplugin/README.md'), 'utf8')
    const snippet = snippets(readme).find((b) => b.text.includes('/// <reference types="unplugin-modelops-bundle/client" />'))
    expect(snippet, 'the README shows the reference line').toBeDefined()
    const use = [
      "const digest: string = manifest.bundle_digest",
      "const ids: string[] = Object.keys(models)",
      "const url: string = artifactUrl(ids[0] ?? 'm', 'incidence.json')",
      "document.title = `${digest} ${url} ${models[ids[0] ?? 'm']?.components[0]?.kind ?? ''}`",
      // A wrong use must fail, or this test could not fail at all.
      '// @ts-expect-error artifactUrl takes two strings',
      'artifactUrl(1)',
    ].join('\n')
    writeFileSync(join(dir, 'src/main.ts'), `${snippet!.text}${use}\n`)
    const r = await exec('npx', ['tsc', '-p', '.', '--listFilesOnly'], { cwd: dir, env: appEnv() })
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).not.toMatch(/@types\/node|web-tree-sitter|emscripten/i)
    expect(r.stdout).toContain('unplugin-modelops-bundle/client.d.ts')
    const check = await exec('npx', ['tsc', '-p', '.'], { cwd: dir, env: appEnv() })
    expect(check.code, show(check)).toBe(0)
  })
})
