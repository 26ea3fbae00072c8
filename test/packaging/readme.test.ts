// Every README snippet, run as written by a new user: the packed tarballs installed in an app outside the
// repo (global setup), the shell blocks in a shell, the config blocks as the files they name, each bundler run.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { appEnv, exec, REPO, show } from './support/packed.js'
import { hasPackage, INSTALL, isShell, runShell, snippets, writeSnippet, type Snippet } from './support/snippets.js'

const { app } = inject('packed')
const env = appEnv()
const installed = hasPackage(app)
const SLOW = { timeout: 300_000 }

const READMES = ['README.md', 'packages/cli/README.md', 'packages/unplugin/README.md', 'packages/core/README.md']
const read = (rel: string) => readFileSync(join(REPO, rel), 'utf8')

/** A page that loads `script` (what `index.html` holds in a new Vite app). */
function indexHtml(dir: string, script: string): void {
  writeFileSync(join(dir, 'index.html'), `<!doctype html>\n<html><body><script type="module" src="${script}"></script></body></html>\n`)
}

/** The entry the bundler snippets name (`src/main.js`, webpack's default `src/index.js`). */
const ENTRY = "import manifest, { artifactUrl } from 'virtual:modelops-bundle'\nconsole.log(manifest.bundle_digest, artifactUrl('sir_stochasticsir', 'incidence.json'))\n"

function expectBuilt(out: string, r: { code: number; stdout: string; stderr: string }): void {
  const manifestPath = join(out, 'modelops-manifest.json')
  expect(existsSync(manifestPath), `no manifest in ${out}\n${show(r)}`).toBe(true)
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  expect(Object.keys(manifest.models).sort()).toEqual(['sir_deterministicsir', 'sir_networksir', 'sir_stochasticsir'])
  // The file artifactUrl() points at in the page is emitted.
  expect(existsSync(join(out, 'modelops/sir_stochasticsir/incidence.json')), `${out}\n${show(r)}`).toBe(true)
}

async function shell(block: Snippet, cwd: string) {
  const r = await runShell(block, cwd, installed, env)
  expect(r.code, `README block at line ${block.line} in ${cwd}\n${show(r)}`).toBe(0)
  return r
}

function freshDir(name: string): string {
  const dir = join(app, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir)
  return dir
}

describe('README snippets against the packed packages', SLOW, () => {
  it('every README opens with the install line and names the scoped npx form', () => {
    for (const rel of READMES) {
      const text = read(rel)
      const firstShell = snippets(text).find(isShell)
      // The root README's first block is the repo's own set-up: the install line comes right below it.
      expect(firstShell?.text, `${rel}: first shell block`).toContain(INSTALL)
      expect(text, rel).toContain('npx -p @modelops-bundle/cli mops-bundle')
      expect(text.slice(0, text.indexOf(INSTALL)), `${rel}: the install line comes before any other heading`).not.toMatch(/\n## /)
    }
    // The newcomer's repo set-up stays the first two lines.
    expect(snippets(read('README.md'))[0]!.text.split('\n').slice(0, 2)).toEqual([
      'npm ci && npm run demo     # build the sample project\'s dashboard (main job)',
      'npm ci && npm test         # all tests',
    ])
  })

  it('root README: "Use it" commands, vite.config.ts and the page, then `npx vite build`', async () => {
    const dir = freshDir('root-readme')
    const blocks = snippets(read('README.md'))
    const commands = blocks.filter((b) => isShell(b) && !b.text.includes('npm ci'))
    expect(commands).toHaveLength(1)
    const r = await shell(commands[0]!, dir)
    expect(r.stdout).toContain('Registry verified')
    const files = blocks.filter((b) => b.file).map((b) => b.file)
    expect(files).toEqual(['vite.config.ts', 'main.ts'])
    for (const b of blocks.filter((b) => b.file)) writeSnippet(b, dir)
    indexHtml(dir, '/main.ts')
    const build = await exec('npx', ['vite', 'build'], { cwd: dir, env })
    expect(build.code, show(build)).toBe(0)
    expectBuilt(join(dir, 'dist'), build)
    // The one-off form names the scoped package; where the app has it installed, npx runs that copy.
    const once = await exec('npx', ['-p', '@modelops-bundle/cli', 'mops-bundle', '--version'], { cwd: app, env })
    expect(once.code, show(once)).toBe(0)
    expect(once.stdout.trim()).toBe(JSON.parse(read('packages/cli/package.json')).version)
  })

  it('CLI README: the opening commands', async () => {
    const dir = freshDir('cli-readme')
    const blocks = snippets(read('packages/cli/README.md')).filter(isShell)
    expect(blocks.length).toBeGreaterThan(0)
    const r = await shell(blocks[0]!, dir)
    expect(r.stdout).toContain('Registry verified')

    // Core's README: its API snippet, in the project the CLI just made.
    const project = join(dir, 'demo')
    const core = snippets(read('packages/core/README.md')).filter((b) => b.file)
    expect(core.map((b) => b.file)).toEqual(['digests.mjs'])
    writeSnippet(core[0]!, project)
    const api = await exec('node', ['digests.mjs'], { cwd: project, env })
    expect(api.code, show(api)).toBe(0)
    expect(api.stdout).toMatch(/^bundle1:[0-9a-f]{64} fresh\n$/)

    // docs/api.md's example, in the same project: fresh exits 0; a bad registry exits 2 with file:line, no stack.
    const doc = snippets(read('docs/api.md')).filter((b) => b.file)
    expect(doc.map((b) => b.file)).toEqual(['check.mjs'])
    writeSnippet(doc[0]!, project)
    const check = await exec('node', ['check.mjs'], { cwd: project, env })
    expect(check.code, show(check)).toBe(0)
    expect(check.stdout).toMatch(/fresh/)
    writeFileSync(join(project, '.modelops-bundle/registry.yaml'), 'models: [\n')
    const broken = await exec('node', ['check.mjs'], { cwd: project, env })
    expect(broken.code, show(broken)).toBe(2)
    expect(broken.stderr).toMatch(/registry\.yaml:\d+:\d+: /)
    expect(broken.stderr).not.toMatch(/\n\s+at /)
  })

  it('plugin README: the set-up block, then each bundler snippet builds the sample project; the sample README runs too', async () => {
    const dir = freshDir('plugin-readme')
    const blocks = snippets(read('packages/unplugin/README.md'))
    await shell(blocks.find(isShell)!, dir)
    const project = join(dir, 'epi')
    const byFile = new Map(blocks.filter((b) => b.file).map((b) => [b.file!, b]))
    expect([...byFile.keys()].sort()).toEqual(['build.mjs', 'rollup.config.mjs', 'vite.config.ts', 'webpack.config.cjs'])
    mkdirSync(join(project, 'src'), { recursive: true })
    writeFileSync(join(project, 'src/main.js'), ENTRY)
    writeFileSync(join(project, 'src/index.js'), ENTRY)
    indexHtml(project, '/src/main.js')
    const runs: Record<string, [string, string[]]> = {
      'vite.config.ts': ['npx', ['vite', 'build']],
      'rollup.config.mjs': ['npx', ['rollup', '-c']],
      'build.mjs': ['node', ['build.mjs']],
      // webpack-cli is not part of webpack: run the config through webpack's API, as the CLI would.
      'webpack.config.cjs': ['node', ['-e', "require('webpack')(require('./webpack.config.cjs'), (err, stats) => { if (err || stats.hasErrors()) { console.error(err ?? stats.toString('errors-only')); process.exit(1) } })"]],
    }
    for (const [file, [cmd, args]] of Object.entries(runs)) {
      rmSync(join(project, 'dist'), { recursive: true, force: true })
      writeSnippet(byFile.get(file)!, project)
      const r = await exec(cmd, args, { cwd: project, env })
      expect(r.code, `${file}\n${show(r)}`).toBe(0)
      expectBuilt(join(project, 'dist'), r)
      rmSync(join(project, file))
    }

    // The sample's own README (written by sample-create): its install line and commands.
    const sample = snippets(readFileSync(join(project, 'README.md'), 'utf8')).filter(isShell)
    expect(sample[0]!.text).toContain(INSTALL)
    for (const b of sample) await shell(b, project)
  })
})
