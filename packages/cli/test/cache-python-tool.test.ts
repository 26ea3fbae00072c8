// The CLI's cache folder in a Python project (.modelops-bundle/cache/, docs/cache.md) next to the real Python
// modelops-bundle: that tool's status, tracking and git never see it.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run, show, tempDir } from './helpers.js'

const ENV_SH = join(process.env.MODELOPS_PY_TOOL ?? '/tmp/pytool', 'env.sh')

describe('.modelops-bundle/cache/ in a project of the Python tool', { timeout: 240_000 }, () => {
  it('the Python tool\'s status and `add .` ignore it, git ignores it, and no node_modules appears', async () => {
    // Never skipped: CI installs the tool (.ci/run runs the reference setup.sh).
    expect(existsSync(ENV_SH), `${ENV_SH} is missing: run the Python tool's setup.sh (see .ci/run)`).toBe(true)
    const dir = tempDir()
    const py = (cmd: string) => execFileSync('bash', ['-c', `. ${ENV_SH} && cd ${dir} && ${cmd}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    execFileSync('git', ['init', '-q', dir])
    py('modelops-bundle init --env local >/dev/null')
    mkdirSync(join(dir, 'models'))
    writeFileSync(join(dir, 'models/sir.py'), 'class SIR:\n    pass\n')
    // A repository .gitignore that does not ignore .modelops-bundle/ (the Python tool's own template does).
    writeFileSync(join(dir, '.gitignore'), '__pycache__/\n')

    const ours = await run(['status'], { cwd: dir })
    expect(ours.code, show(ours)).toBe(0)
    const cache = join(dir, '.modelops-bundle/cache')
    expect(readdirSync(cache)).toEqual(expect.arrayContaining(['.gitignore', 'CACHEDIR.TAG', 'parse-config.json']))
    expect(existsSync(join(dir, 'node_modules'))).toBe(false)

    const status = py('modelops-bundle status')
    expect(status).toMatch(/Tracked files/)
    expect(status).not.toMatch(/cache\//)
    py('modelops-bundle add . >/dev/null 2>&1 || true')
    const tracked = readFileSync(join(dir, '.modelops-bundle/tracked.txt'), 'utf8')
    expect(tracked).toContain('models/sir.py')
    expect(tracked).not.toContain('.modelops-bundle/cache')
    const untracked = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir, encoding: 'utf8' })
    expect(untracked).toContain('models/sir.py')
    expect(untracked).not.toContain('.modelops-bundle/cache')
    // Our CLI again: the Python tool's files did not disturb it.
    const again = await run(['status'], { cwd: dir })
    expect(again.code, show(again)).toBe(0)
  })
})
