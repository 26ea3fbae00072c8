// Errors: one clear message naming the file (and line) and the fix; exit 1 user error, 2 usage; no stack unless --debug.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { ANSI, BIN, run, show, spawnCollect, tempDir } from './helpers.js'

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

  it('verify: 1 outside a project (a user error, like a stale or invalid registry); 2 is for usage errors', async () => {
    const r = await run(['verify'], { cwd: tempDir() })
    expect(r.code, show(r)).toBe(1)
    expect((await run(['verify', '--bogus'], { cwd: tempDir() })).code).toBe(2)
    expect(r.stderr).toContain('Not inside a modelops-bundle project')
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
