// Paths: outside the project refused, odd names handled or refused clearly, nothing outside read or written.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect } from 'vitest'
import { fault } from './support/record.js'
import { bundle, cli, expectUserError, firstLines, stackLine } from './support/run.js'
import { makeProject, modelSource, registryYaml, snapshot, tempDir, write, type Fixture } from './support/project.js'
import { pyYamlLoad } from './support/python.js'

const G = 'paths'

interface World { parent: string; outside: string; p: Fixture; secret: string; evil: string }

/** proj/ next to outside/, which holds a model file and a FIFO: a tool that opens the FIFO blocks (the case times out). */
function world(): World {
  const parent = tempDir()
  const p = makeProject(1, { parent, register: false })
  const outside = join(parent, 'outside')
  mkdirSync(outside)
  const evil = join(outside, 'evil.py')
  writeFileSync(evil, modelSource('Evil'))
  const secret = join(outside, 'secret.csv')
  execFileSync('mkfifo', [secret])
  writeFileSync(join(outside, 'helper.py'), 'X = 1\n')
  return { parent, outside, p, secret, evil }
}

/** Run, then check the refusal and that nothing outside changed and no registry entry appeared. */
async function refused(w: World, args: string[], names: string, ctx: { observe(t: string): void }, cwd = w.p.root) {
  const before = snapshot(w.outside)
  const parentBefore = snapshot(w.parent)
  const regBefore = existsSync(w.p.registry) ? readFileSync(w.p.registry, 'utf8') : null
  const r = await cli(args, { cwd, timeoutMs: 60_000 })
  expectUserError(r, names)
  expect(snapshot(w.outside), 'nothing outside written').toEqual(before)
  const parentAfter = snapshot(w.parent)
  for (const k of Object.keys(parentAfter)) if (!k.startsWith('proj/')) expect(parentBefore[k], `new file outside the project: ${k}`).toBeDefined()
  const regAfter = existsSync(w.p.registry) ? readFileSync(w.p.registry, 'utf8') : null
  expect(regAfter, 'registry unchanged').toBe(regBefore)
  ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\``)
}

describe('paths outside the project', () => {
  const E = 'refused: exit 1, message names the path, nothing read or written outside'
  fault(G, 'model path with ..', { fault: 'register-model ../outside/evil.py', expected: E }, async (ctx) => {
    const w = world()
    await refused(w, ['register-model', '../outside/evil.py'], 'evil.py', ctx)
  })
  fault(G, 'absolute model path outside', { fault: 'register-model /tmp/…/outside/evil.py', expected: E }, async (ctx) => {
    const w = world()
    await refused(w, ['register-model', w.evil], 'evil.py', ctx)
  })
  fault(G, 'symlinked model file leading outside', { fault: 'models/link.py → ../../outside/evil.py', expected: E }, async (ctx) => {
    const w = world()
    symlinkSync(w.evil, join(w.p.root, 'models/link.py'))
    await refused(w, ['register-model', 'models/link.py'], 'link.py', ctx)
  })
  fault(G, 'symlinked folder leading outside', { fault: 'models/ext → outside/, register-model models/ext/evil.py', expected: E }, async (ctx) => {
    const w = world()
    symlinkSync(w.outside, join(w.p.root, 'models/ext'))
    await refused(w, ['register-model', 'models/ext/evil.py'], 'evil.py', ctx)
  })
  fault(G, '--data with ..', { fault: '--data ../outside/secret.csv (a FIFO)', expected: E }, async (ctx) => {
    const w = world()
    await refused(w, ['register-model', 'models/m0.py', '--data', '../outside/secret.csv'], 'secret.csv', ctx)
  })
  fault(G, '--data absolute outside', { fault: '--data /tmp/…/outside/secret.csv (a FIFO)', expected: E }, async (ctx) => {
    const w = world()
    await refused(w, ['register-model', 'models/m0.py', '--data', w.secret], 'secret.csv', ctx)
  })
  fault(G, '--data symlink leading outside', { fault: '--data data/link.csv → outside FIFO', expected: E }, async (ctx) => {
    const w = world()
    symlinkSync(w.secret, join(w.p.root, 'data/link.csv'))
    await refused(w, ['register-model', 'models/m0.py', '--data', 'data/link.csv'], 'link.csv', ctx)
  })
  fault(G, '--data folder holding a symlink outside', { fault: '--data data/ where data/x.csv → outside FIFO', expected: 'refused naming the link, or the link skipped; the FIFO never opened' }, async (ctx) => {
    const w = world()
    symlinkSync(w.secret, join(w.p.root, 'data/x.csv'))
    const before = snapshot(w.outside)
    const r = await cli(['register-model', 'models/m0.py', '--data', 'data/'], { cwd: w.p.root, timeoutMs: 60_000 })
    expect(r.timedOut, 'hung: the outside FIFO was opened').toBe(false)
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    expect(snapshot(w.outside)).toEqual(before)
    if (r.code === 0) {
      // Later reads of the folder (status, digest) must not follow the link either.
      for (const cmd of [['status', '--json'], ['digest', '--json']]) {
        const s = await cli(cmd, { cwd: w.p.root, timeoutMs: 60_000 })
        expect(s.timedOut, `${cmd[0]} hung: the outside FIFO was opened`).toBe(false)
        expect(stackLine(s.stderr), s.stderr).toBeUndefined()
      }
      expect(snapshot(w.outside)).toEqual(before)
      const reg = await pyYamlLoad(w.p.registry)
      ctx.observe(`registered (data: ${JSON.stringify(reg.models.m0_m0.data)}); register, status and digest never open the outside link`)
    }
    else { expectUserError(r, 'x.csv'); ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\``) }
  })
  fault(G, '--code with ..', { fault: '--code ../outside/helper.py', expected: E }, async (ctx) => {
    const w = world()
    await refused(w, ['register-model', 'models/m0.py', '--code', '../outside/helper.py'], 'helper.py', ctx)
  })
  fault(G, 'hand-edited registry pointing outside', { fault: 'registry data: [../outside/secret.csv] and path: /abs/outside/evil.py; run status, digest, verify', expected: 'refused naming registry.yaml or the path, no hang (FIFO unread)' }, async (ctx) => {
    const w = world()
    const m = w.p.models[0]!
    const text = registryYaml([{ ...m, data: ['../outside/secret.csv'] }]).replace('models:\n', `models:\n  evil_evil:\n    entrypoint: outside.evil:Evil\n    path: ${w.evil}\n    class_name: Evil\n    data: []\n`)
    writeFileSync(w.p.registry, text)
    for (const cmd of [['status'], ['digest', '--json'], ['verify']]) {
      const before = snapshot(w.outside)
      const r = await cli(cmd, { cwd: w.p.root, timeoutMs: 60_000 })
      expect(r.timedOut, `${cmd[0]} hung: the outside FIFO was opened`).toBe(false)
      expect(r.code, `${cmd[0]} must refuse; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).not.toBe(0)
      expect(stackLine(r.stderr), r.stderr).toBeUndefined()
      expect(r.stderr).toMatch(/registry\.yaml|outside|secret\.csv|evil\.py/)
      expect(snapshot(w.outside)).toEqual(before)
      expect(readFileSync(w.p.registry, 'utf8')).toBe(text)
      ctx.observe(`${cmd[0]}: exit ${r.code} \`${firstLines(r.stderr, 1)}\``)
    }
  })
  fault(G, 'build with a registry pointing outside', { fault: 'registry data: [../outside/secret.csv]; esbuild build', expected: 'build fails naming the path; FIFO unread' }, async (ctx) => {
    const w = world()
    writeFileSync(w.p.registry, registryYaml([{ ...w.p.models[0]!, data: ['../outside/secret.csv'] }]))
    const before = snapshot(w.outside)
    const r = await bundle({ bundler: 'esbuild', root: w.p.root, outDir: join(w.p.root, 'dist'), options: { root: w.p.root, cacheDir: join(w.p.root, '.cache') } }, { timeoutMs: 60_000 })
    expect(r.timedOut, 'build hung: the outside FIFO was opened').toBe(false)
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/outside|secret\.csv/)
    expect(stackLine(r.stderr), r.stderr).toBeUndefined()
    expect(snapshot(w.outside)).toEqual(before)
    ctx.observe(`build fails: \`${firstLines(r.stderr, 1)}\``)
  })
})

describe('links planted after registration', () => {
  const E = 'status, digest, verify and an esbuild build refuse naming the link (registry.yaml untouched); nothing outside read, no hang'
  /** Every reader of a registered project must refuse, naming `names`, without opening what the link leads to. */
  async function allRefuse(w: World, names: string, ctx: { observe(t: string): void }) {
    const text = readFileSync(w.p.registry, 'utf8')
    const before = snapshot(w.outside)
    for (const cmd of [['status'], ['digest', '--json'], ['verify']]) {
      const r = await cli(cmd, { cwd: w.p.root, timeoutMs: 60_000 })
      expect(r.timedOut, `${cmd[0]} hung: something outside was opened`).toBe(false)
      expectUserError(r, names, { exitCodes: cmd[0] === 'verify' ? [1, 2] : [1] })
      expect(r.stderr).toContain('outside the project')
      ctx.observe(`${cmd[0]}: exit ${r.code}`)
    }
    const b = await bundle({ bundler: 'esbuild', root: w.p.root, outDir: join(w.p.root, 'dist'), options: { root: w.p.root, cacheDir: join(w.p.root, '.cache') } }, { timeoutMs: 60_000 })
    expect(b.timedOut, 'build hung').toBe(false)
    expectUserError(b, names)
    expect(snapshot(w.outside)).toEqual(before)
    expect(readFileSync(w.p.registry, 'utf8')).toBe(text)
    ctx.observe(`build: \`${firstLines(b.stderr, 1)}\``)
  }
  fault(G, 'registered data file replaced by a link outside', { fault: 'data/d0.csv (registered) replaced by a symlink to the outside FIFO', expected: E }, async (ctx) => {
    const w = world()
    writeFileSync(w.p.registry, registryYaml(w.p.models))
    rmSync(join(w.p.root, 'data/d0.csv'))
    symlinkSync(w.secret, join(w.p.root, 'data/d0.csv'))
    await allRefuse(w, 'data/d0.csv', ctx)
  })
  fault(G, 'registered data folder holding etc -> outside', { fault: 'data: [data] registered; then data/etc → outside/ (holding a FIFO) added', expected: E }, async (ctx) => {
    const w = world()
    writeFileSync(w.p.registry, registryYaml([{ ...w.p.models[0]!, data: ['data'] }]))
    symlinkSync(w.outside, join(w.p.root, 'data/etc'))
    await allRefuse(w, 'data/etc', ctx)
  })
  fault(G, 'registered data file replaced by a link to /proc/kmsg', { fault: 'data/d0.csv → /proc/kmsg (a read blocks forever)', expected: E }, async (ctx) => {
    const w = world()
    writeFileSync(w.p.registry, registryYaml(w.p.models))
    rmSync(join(w.p.root, 'data/d0.csv'))
    symlinkSync('/proc/kmsg', join(w.p.root, 'data/d0.csv'))
    await allRefuse(w, 'data/d0.csv', ctx)
  })
  fault(G, 'registered data file replaced by a FIFO inside the project', { fault: 'data/d0.csv replaced by a FIFO (mkfifo) inside the project; status and an esbuild build', expected: 'no hang: the FIFO is never opened for a blocking read; status reports the file missing, or a clear refusal' }, async (ctx) => {
    const w = world()
    writeFileSync(w.p.registry, registryYaml(w.p.models))
    rmSync(join(w.p.root, 'data/d0.csv'))
    execFileSync('mkfifo', [join(w.p.root, 'data/d0.csv')])
    const s = await cli(['status'], { cwd: w.p.root, timeoutMs: 60_000 })
    expect(s.timedOut, 'status hung on the FIFO').toBe(false)
    expect(stackLine(s.stderr), s.stderr).toBeUndefined()
    expect(s.stdout + s.stderr).toContain('data/d0.csv')
    const b = await bundle({ bundler: 'esbuild', root: w.p.root, outDir: join(w.p.root, 'dist'), options: { root: w.p.root, cacheDir: join(w.p.root, '.cache') } }, { timeoutMs: 60_000 })
    expect(b.timedOut, 'build hung on the FIFO').toBe(false)
    expect(stackLine(b.stderr), b.stderr).toBeUndefined()
    ctx.observe(`status exit ${s.code}; build exit ${b.code}${b.stderr ? `: \`${firstLines(b.stderr, 1)}\`` : ''}`)
  })
})

describe('paths inside the project', () => {
  fault(G, 'from a subdirectory', { fault: 'cd models && register-model m0.py --data ../data/d0.csv', expected: 'stored as models/m0.py and data/d0.csv (project-relative)' }, async (ctx) => {
    const p = makeProject(1, { register: false })
    const r = await cli(['register-model', 'm0.py', '--data', '../data/d0.csv'], { cwd: join(p.root, 'models') })
    expect(r.code, r.stderr).toBe(0)
    const reg = await pyYamlLoad(p.registry)
    expect(reg.models.m0_m0.path).toBe('models/m0.py')
    expect(reg.models.m0_m0.data).toEqual(['data/d0.csv'])
    ctx.observe('stored project-relative')
  })
  fault(G, '.. that stays inside, and an absolute path inside', { fault: 'register-model models/../models/m0.py, then /abs/proj/models/m0.py', expected: 'both stored as models/m0.py, one entry' }, async (ctx) => {
    const p = makeProject(1, { register: false })
    for (const arg of ['models/../models/m0.py', join(p.root, 'models/m0.py')]) {
      const r = await cli(['register-model', arg], { cwd: p.root })
      expect(r.code, r.stderr).toBe(0)
    }
    const reg = await pyYamlLoad(p.registry)
    expect(Object.keys(reg.models)).toEqual(['m0_m0'])
    expect(reg.models.m0_m0.path).toBe('models/m0.py')
    ctx.observe('normalised to models/m0.py')
  })

  // [case, model file, data file]: odd model file names (must be importable as a module, or refused clearly) and odd data names.
  const ODD: Array<[string, string, string]> = [
    ['space in a model file name', 'models/my model.py', 'data/d.csv'],
    ['non-ASCII model file name (a valid Python identifier)', 'models/modèle_日本.py', 'data/d.csv'],
    ['newline in a model file name', 'models/new\nline.py', 'data/d.csv'],
    ['space in a data file name', 'models/sir.py', 'data/my data.csv'],
    ['non-ASCII data file name', 'models/sir.py', 'data/données_日本_😀.csv'],
    ['newline in a data file name', 'models/sir.py', 'data/new\nline.csv'],
    ["quote, colon and hash in a data file name", 'models/sir.py', "data/it's: #1.csv"],
    ['YAML-looking data file name', 'models/sir.py', 'data/null'],
  ]
  for (const [name, file, data] of ODD) {
    fault(G, name, { fault: `register-model ${JSON.stringify(file)} --data ${JSON.stringify(data)}`, expected: 'registered and round-tripped exactly (PyYAML, digest --json, verify), or refused clearly naming the file' }, async (ctx) => {
      const p = makeProject(0, { register: false })
      write(join(p.root, file), modelSource('Sir'))
      write(join(p.root, data), 't,x\n0,1\n')
      const r = await cli(['register-model', file, '--data', data], { cwd: p.root, timeoutMs: 60_000 })
      expect(r.timedOut).toBe(false)
      expect(stackLine(r.stderr), r.stderr).toBeUndefined()
      if (r.code !== 0) {
        expect(r.code).toBe(1)
        expect(r.stderr).toMatch(file.includes('sir.py') ? /data\// : /models\//)
        expect(existsSync(p.registry) ? readFileSync(p.registry, 'utf8') : '', 'nothing registered').not.toContain('Sir')
        ctx.observe(`refused: \`${firstLines(r.stderr, 1)}\``)
        return
      }
      const reg = await pyYamlLoad(p.registry)
      const entries = Object.values(reg.models) as Array<{ path: string; data: string[] }>
      expect(entries.map((e) => e.path)).toEqual([file])
      expect(entries[0]!.data).toEqual([data])
      const d = await cli(['digest', '--json'], { cwd: p.root })
      expect(d.code, d.stderr).toBe(0)
      const report = JSON.parse(d.stdout)
      const paths = Object.values(report.models as Record<string, { components: Array<{ path: string }> }>)[0]!.components.map((c) => c.path)
      expect(paths).toContain(file)
      expect(paths).toContain(data)
      const s = await cli(['verify'], { cwd: p.root })
      expect(s.code, `verify right after register: ${s.stdout}${s.stderr}`).toBe(0)
      ctx.observe(`registered as ${JSON.stringify(Object.keys(reg.models)[0])}; PyYAML, digest --json and verify agree`)
    })
  }

  fault(G, 'data inside .modelops-bundle/', { fault: '--data .modelops-bundle/registry.yaml (the registry would change its own digest on every write)', expected: 'refused naming the path' }, async (ctx) => {
    const p = makeProject(1, { register: false })
    const r = await cli(['register-model', 'models/m0.py', '--data', '.modelops-bundle/registry.yaml'], { cwd: p.root })
    expectUserError(r, '.modelops-bundle/registry.yaml')
    ctx.observe(`exit ${r.code}: \`${firstLines(r.stderr, 1)}\``)
  })

  fault(G, 'symlink that stays inside', { fault: 'data/link.csv → data/d0.csv (inside the project)', expected: 'accepted' }, async (ctx) => {
    const p = makeProject(1, { register: false })
    symlinkSync(join(p.root, 'data/d0.csv'), join(p.root, 'data/link.csv'))
    const r = await cli(['register-model', 'models/m0.py', '--data', 'data/link.csv'], { cwd: p.root })
    expect(r.code, r.stderr).toBe(0)
    const reg = await pyYamlLoad(p.registry)
    ctx.observe(`stored data as ${JSON.stringify(reg.models.m0_m0.data)}`)
  })

  fault(G, 'case-only collision', { fault: 'models/Sir.py and models/sir.py, both class SIR (ids sir_sir)', expected: 'second registration refused naming both files, first entry kept (or both kept under distinct ids)' }, async (ctx) => {
    const p = makeProject(0, { register: false })
    write(join(p.root, 'models/Sir.py'), modelSource('SIR'))
    write(join(p.root, 'models/sir.py'), modelSource('SIR', 'incidence'))
    const a = await cli(['register-model', 'models/Sir.py'], { cwd: p.root })
    expect(a.code, a.stderr).toBe(0)
    const b = await cli(['register-model', 'models/sir.py'], { cwd: p.root })
    expect(stackLine(b.stderr), b.stderr).toBeUndefined()
    const reg = await pyYamlLoad(p.registry)
    const paths = Object.values(reg.models as Record<string, { path: string }>).map((m) => m.path).sort()
    if (b.code === 0) {
      expect(paths).toEqual(['models/Sir.py', 'models/sir.py'])
      ctx.observe(`both kept: ${Object.keys(reg.models).join(', ')}`)
    } else {
      expect(b.code).toBe(1)
      expect(b.stderr).toContain('models/Sir.py')
      expect(b.stderr).toContain('models/sir.py')
      expect(paths).toEqual(['models/Sir.py'])
      ctx.observe(`refused: \`${firstLines(b.stderr, 1)}\``)
    }
  })
})
