// Errors: one clear message naming the file (and line) and the fix; exit 1 user error, 2 usage; no stack unless --debug.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { ANSI, BIN, REPO, run, sampleProject, show, spawnCollect, tempDir } from './helpers.js'

function project(): string {
  const root = tempDir()
  mkdirSync(join(root, '.modelops-bundle'))
  return root
}

describe('errors and exit codes', { timeout: 240_000 }, () => {
  it('outside a project: exit 1 and the init hint, for every registry command', async () => {
    const dir = tempDir()
    for (const args of [['list'], ['status'], ['digest'], ['register-model', 'models/m.py'], ['register-target', 't/t.py'], ['target-set', 'list']]) {
      const r = await run(args, { cwd: dir })
      expect(r.code, show(r)).toBe(1)
      expect(r.stderr).toContain('Not inside a modelops-bundle project')
      expect(r.stderr).toContain('mops-bundle init')
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expect(r.stdout).toBe('')
    }
  })

  it("verify follows diff's convention: 0 fresh, 1 stale, 2 could not verify (any error)", async () => {
    const root = await sampleProject()
    for (const file of ['models/sir.py']) expect((await run(['register-model', file], { cwd: root })).code).toBe(0)
    const fresh = await run(['verify'], { cwd: root })
    expect(fresh.code, show(fresh)).toBe(0)
    appendFileSync(join(root, 'models/sir.py'), '\nEXTRA = 1\n')
    const stale = await run(['verify'], { cwd: root })
    expect(stale.code, show(stale)).toBe(1)
    expect((await run(['verify', '--json'], { cwd: root })).code).toBe(1)

    // Every way of not being able to verify is a 2, never a 1 that CI would read as "merely stale".
    const broken = project()
    writeFileSync(join(broken, '.modelops-bundle/registry.yaml'), "version: '1.0'\nmodels:\n  m1:\n    path: [unclosed\n")
    const invalid = project()
    writeFileSync(join(invalid, '.modelops-bundle/registry.yaml'), "version: '1.0'\nmodels:\n  m1:\n    entrypoint: a.b:C\n    path: a/b.py\n    class_name: C\n    outputs: 7\n")
    const cases: [string[], string, RegExp][] = [
      [['verify'], tempDir(), /Not inside a modelops-bundle project/],
      [['verify', '--json'], tempDir(), /Not inside a modelops-bundle project/],
      [['verify'], broken, /registry\.yaml:\d+(:\d+)?: /],
      [['verify', '--json'], broken, /registry\.yaml:\d+(:\d+)?: /],
      [['verify'], invalid, /registry\.yaml:7(:\d+)?: /],
      [['verify', '--bogus'], root, /unknown option --bogus/],
      [['verify', 'extra'], root, /too many arguments/],
    ]
    for (const [args, cwd, pattern] of cases) {
      const r = await run(args, { cwd })
      expect(r.code, `${args.join(' ')} in ${cwd}\n${show(r)}`).toBe(2)
      expect(r.stderr).toMatch(pattern)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expect(r.stdout).toBe('')
    }
  })

  it('verify --help and both READMEs state the same three exit codes', async () => {
    const help = await run(['verify', '--help'], { cwd: tempDir() })
    expect(help.code).toBe(0)
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/exit 0 when every recorded digest matches the files, 1 when any is stale( \([^)]*\))?, 2 when it could not verify/)
    const rootReadme = readFileSync(join(REPO, 'README.md'), 'utf8')
    const cliReadme = readFileSync(join(REPO, 'packages/cli/README.md'), 'utf8')
    expect(rootReadme).toContain('exit 0 fresh, 1 stale, 2 could not verify')
    expect(cliReadme).toContain('exit 0 fresh, 1 stale, 2 could not verify')
  })

  it('run from a folder that was deleted: a clear message, exit 1, no stack', () => {
    const r = spawnSync('sh', ['-c', `mkdir gone && cd gone && rmdir ../gone && exec "${process.execPath}" "${BIN}" list`], { cwd: tempDir(), encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(1)
    expect(r.stderr).toContain('the current folder no longer exists')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('a broken registry.yaml is reported as file:line: message', async () => {
    const root = project()
    writeFileSync(join(root, '.modelops-bundle/registry.yaml'), "version: '1.0'\nmodels:\n  m1:\n    path: [unclosed\n")
    const r = await run(['list'], { cwd: root })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/registry\.yaml:\d+(:\d+)?: /)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('a registry entry of the wrong type names its line', async () => {
    const root = project()
    writeFileSync(join(root, '.modelops-bundle/registry.yaml'), "version: '1.0'\nmodels:\n  m1:\n    entrypoint: a.b:C\n    path: a/b.py\n    class_name: C\n    outputs: 7\n")
    const r = await run(['status'], { cwd: root })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toMatch(/registry\.yaml:7(:\d+)?: /)
  })

  it('usage errors exit 2: unknown command, unknown option, missing argument, option without value', async () => {
    const dir = project()
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /Unknown command frobnicate/],
      [['list', '--bogus'], /unknown option --bogus/],
      [['register-model'], /missing PATH/],
      [['sample-create'], /Missing required positional argument: DIR/],
      [['register-model', 'models/m.py', '--id'], /option --id needs a value/],
      [['target-set', 'set'], /Missing required positional argument: NAME/],
      [['target-set', 'frob'], /Unknown command frob/],
      [['hash'], /no files given/],
      [['list', 'extra'], /too many arguments/],
      [[], /missing command/],
    ]
    for (const [args, pattern] of cases) {
      const r = await run(args, { cwd: dir })
      expect(r.code, `${args.join(' ')}\n${show(r)}`).toBe(2)
      expect(r.stderr).toMatch(pattern)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })

  it('a mistyped command or option names the nearest one; nothing is suggested when none is close', async () => {
    const dir = project()
    const cases: [string[], string | undefined][] = [
      [['stauts'], 'did you mean `status`?'],
      [['verfiy'], 'did you mean `verify`?'],
      [['regster-model', 'm.py'], 'did you mean `register-model`?'],
      [['target-set', 'lsit'], 'did you mean `target-set list`?'],
      [['list', '--josn'], 'did you mean --json?'],
      [['frobnicate'], undefined],
    ]
    for (const [args, hint] of cases) {
      const r = await run(args, { cwd: dir })
      expect(r.code, `${args.join(' ')}\n${show(r)}`).toBe(2)
      if (hint) expect(r.stderr).toContain(hint)
      else expect(r.stderr).not.toContain('did you mean')
    }
  })

  it('--help prints usage on stdout and exits 0; --version prints the version', async () => {
    const dir = tempDir()
    const help = await run(['--help'], { cwd: dir })
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('register-model')
    const sub = await run(['register-model', '--help'], { cwd: dir })
    expect(sub.code).toBe(0)
    expect(sub.stdout).toContain('--class')
    expect(sub.stdout).toContain('--regen-all')
    const nested = await run(['target-set', 'set', '--help'], { cwd: dir })
    expect(nested.code).toBe(0)
    expect(nested.stdout).toContain('--weight')
    const version = await run(['--version'], { cwd: dir })
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('no colour when not a terminal; colour on a terminal unless NO_COLOR is set', async () => {
    const dir = tempDir()
    const piped = await run(['frobnicate'], { cwd: dir })
    expect(piped.stderr).not.toMatch(ANSI)
    const pipedHelp = await run(['--help'], { cwd: dir })
    expect(pipedHelp.stdout).not.toMatch(ANSI)
    // `script` gives the child a pseudo-terminal.
    const tty = (env: Record<string, string | undefined>) =>
      spawnCollect('script', ['-qec', `${process.execPath} ${join(import.meta.dirname, '../bin/mops-bundle.mjs')} frobnicate`, '/dev/null'], { cwd: dir, env })
    const colored = await tty({ TERM: 'xterm' })
    expect(colored.stdout, show(colored)).toMatch(ANSI)
    const noColor = await tty({ TERM: 'xterm', NO_COLOR: '1' })
    expect(noColor.stdout).toContain('Unknown command frobnicate')
    expect(noColor.stdout).not.toMatch(ANSI)
    // no-color.org: an empty NO_COLOR is as if it were unset.
    const emptyNoColor = await tty({ TERM: 'xterm', NO_COLOR: '' })
    expect(emptyNoColor.stdout, show(emptyNoColor)).toMatch(ANSI)
  })

  it('--help spells options in kebab-case, as the docs do (cache prune --max-size)', async () => {
    const help = await run(['cache', 'prune', '--help'], { cwd: tempDir() })
    expect(help.stdout).toContain('--max-size')
    expect(help.stdout).not.toMatch(/--maxSize|--cacheDir/)
    const reg = await run(['register-model', '--help'], { cwd: tempDir() })
    expect(reg.stdout).toContain('--regen-all')
  })

  it('cache prune --max-size: a bad size is a usage error (exit 2) in the words config and plugin use, and nothing is pruned', async () => {
    const cacheDir = tempDir()
    for (const bad of ['2Ki', '-1', 'lots']) {
      const r = await run(['cache', 'prune', `--max-size=${bad}`, '--cache-dir', cacheDir], { cwd: tempDir() })
      expect(r.code, show(r)).toBe(2)
      expect(r.stderr).toContain(`--max-size: must be a size such as 500MB or 2GiB (or a number of bytes)`)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
    const ok = await run(['cache', 'prune', '--max-size', '1.5GiB', '--cache-dir', cacheDir, '--json'], { cwd: tempDir() })
    expect(ok.code, show(ok)).toBe(0)
    expect(JSON.parse(ok.stdout).max_bytes).toBe(1.5 * 1024 ** 3)
  })

  it('a tracked.txt that cannot be read stops register-model: the file named, nothing written, no stack', async () => {
    const root = await sampleProject()
    const dir = join(root, '.modelops-bundle')
    rmSync(join(dir, 'tracked.txt'), { force: true })
    mkdirSync(join(dir, 'tracked.txt'))
    const before = readFileSync(join(dir, 'registry.yaml'), 'utf8')
    const r = await run(['register-model', 'models/sir.py'], { cwd: root })
    expect(r.code, show(r)).toBe(1)
    expect(r.stderr).toContain('cannot read .modelops-bundle/tracked.txt')
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(readFileSync(join(dir, 'registry.yaml'), 'utf8')).toBe(before)
    expect(existsSync(join(dir, 'digests.json'))).toBe(false)
  })

  it('--debug adds the stack trace', async () => {
    const dir = tempDir()
    const plain = await run(['list'], { cwd: dir })
    expect(plain.stderr).not.toMatch(/\n\s+at /)
    const debug = await run(['list', '--debug'], { cwd: dir })
    expect(debug.code).toBe(1)
    expect(debug.stderr).toMatch(/\n\s+at /)
  })
})
