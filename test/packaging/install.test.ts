// What a production install of the packed packages weighs and holds, and that what it holds is enough to run.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { describe, expect, inject, it } from 'vitest'
import { appEnv, exec, installApp, PACKAGES, REPO, show, treeBytes, type PackageDir } from './support/packed.js'

const { dir, tarballs } = inject('packed')
const MB = 1024 * 1024
/** Issue 17's goal for `npm i --omit=dev` of core + CLI (it was 16.4 MB). */
const BUDGET = 8 * MB

describe('packed packages', { timeout: 300_000 }, () => {
  it('each tarball ships its README, the MIT LICENSE, and names its repository and homepage', () => {
    for (const [folder, name] of Object.entries(PACKAGES) as [PackageDir, string][]) {
      const files = execFileSync('tar', ['-tzf', tarballs[folder]], { encoding: 'utf8' }).split('\n')
      expect(files, name).toContain('package/README.md')
      expect(files, name).toContain('package/LICENSE')
      const license = execFileSync('tar', ['-xzOf', tarballs[folder], 'package/LICENSE'], { encoding: 'utf8' })
      expect(license).toMatch(/^MIT License\n/)
      const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarballs[folder], 'package/package.json'], { encoding: 'utf8' }))
      expect(pkg.license).toBe('MIT')
      expect(pkg.repository?.url, name).toMatch(/^git\+https:\/\//)
      expect(pkg.repository?.directory, name).toBe(`packages/${folder}`)
      expect(pkg.homepage, name).toMatch(/^https:\/\//)
    }
    // Core ships only the .wasm files it runs, each with its licence notice; no grammar sources or prebuilds.
    const core = execFileSync('tar', ['-tzf', tarballs.core], { encoding: 'utf8' }).split('\n')
    for (const f of ['tree-sitter-python.wasm', 'tree-sitter-python.LICENSE', 'web-tree-sitter.wasm', 'web-tree-sitter.LICENSE', 'hash-wasm-blake2b.cjs', 'hash-wasm.LICENSE']) {
      expect(core).toContain(`package/dist/${f}`)
    }
    expect(core.filter((f) => /\.(c|h|cc|node|gyp)$|prebuilds\//.test(f))).toEqual([])
  })

  it('publint finds nothing to fix in any tarball (exports, types and files as published)', async () => {
    for (const [folder, name] of Object.entries(PACKAGES) as [PackageDir, string][]) {
      const bytes = await readFile(tarballs[folder])
      const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
      const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true })
      expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`), name).toEqual([])
    }
  })

  it(`npm i --omit=dev of core + CLI is at most ${BUDGET / MB} MB, has no install scripts, and digests Python and data`, async () => {
    const app = await installApp(join(dir, 'prod'), [tarballs.core, tarballs.cli], [], ['--omit=dev'])
    const modules = join(app, 'node_modules')
    const bytes = treeBytes(modules)
    const sizes = Object.fromEntries(
      ['@modelops-bundle/core', '@modelops-bundle/cli', 'yaml', 'smol-toml', 'proper-lockfile', 'citty', 'consola']
        .filter((n) => existsSync(join(modules, n)))
        .map((n) => [n, `${(treeBytes(join(modules, n)) / MB).toFixed(2)} MB`]),
    )
    console.log(`npm i --omit=dev (core + CLI): ${(bytes / MB).toFixed(2)} MB`, sizes)
    expect(bytes).toBeLessThanOrEqual(BUDGET)
    for (const gone of ['tree-sitter-python', 'web-tree-sitter', 'hash-wasm', 'node-addon-api', 'node-gyp-build']) {
      expect(existsSync(join(modules, gone)), `${gone} is installed`).toBe(false)
    }
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'))
    const scripted = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>).filter(([, p]) => p.hasInstallScript)
    expect(scripted.map(([k]) => k)).toEqual([])

    // The vendored WASM is enough: semantic (tree-sitter) and byte (BLAKE2b) digests from the installed CLI.
    writeFileSync(join(app, 'm.py'), 'class M:\n    x = 1  # a comment\n')
    writeFileSync(join(app, 'd.csv'), 'a,b\n1,2\n')
    const r = await exec('npx', ['mops-bundle', 'hash', 'm.py', 'd.csv'], { cwd: app, env: appEnv() })
    expect(r.code, show(r)).toBe(0)
    expect(r.stdout).toMatch(/^pysem1:[0-9a-f]{64}\s+semantic\s+m\.py\n/m)
    expect(r.stdout).toMatch(/^blake2b256:[0-9a-f]{64}\s+bytes\s+d\.csv\n/m)
    // ... the same digests as the repo's own build, which reads the devDependencies themselves.
    const repo = await exec(process.execPath, [join(REPO, 'packages/cli/bin/mops-bundle.mjs'), 'hash', 'm.py', 'd.csv'], { cwd: app, env: appEnv() })
    expect(repo.stdout).toBe(r.stdout)
  })
})
