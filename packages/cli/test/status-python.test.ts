// status/verify on a registry written by the Python tool (sha256 digests), and register-model warnings for a
// code dependency tree-sitter cannot parse.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run, sampleProject, show, tempDir, VECTORS } from './helpers.js'

function write(root: string, rel: string, content: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true })
  writeFileSync(join(root, rel), content)
}

/** The reference R2 example registry, its recorded sha256 (spec §2.9 E7) replaced by those of files written here. */
function pythonProject(): string {
  const root = tempDir('mops-pyreg-')
  const files: Record<string, [string, string]> = {
    'models/model.py': ['448dc295027b384c26c37d7f417d4efe6db7bda5502b6a6d93a3df9870696e54', 'class StochasticSIR:\n    pass\n'],
    'data/data.csv': ['4f964a58ca00bf043fd3077bf732986ecc9271d11705621eb6cc7adb914081f3', 'a,b\n1,2'],
    'config.yaml': ['383f0070409f2f4a8e764c01069bf90d7f9fece26cf8ad25535067b060ebd458', 'x: 1\n'],
    'targets/incidence.py': ['b5498113604b8d8d5baa808f0b0c84ea9b98e34041fafd9612f0f24b5a0800e9', 'def incidence_target():\n    pass\n'],
  }
  let yaml = readFileSync(join(VECTORS, 'example-registry-head.yaml'), 'utf8')
  for (const [rel, [hex, content]] of Object.entries(files)) {
    write(root, rel, content)
    yaml = yaml.split(hex).join(createHash('sha256').update(content).digest('hex'))
  }
  write(root, '.modelops-bundle/registry.yaml', yaml)
  return root
}

describe('a registry written by the Python tool', () => {
  it('status: unchanged sha256-recorded files are fresh, a changed one is modified; verify exits 1 and says what to run', async () => {
    const root = pythonProject()
    const s = await run(['status'], { cwd: root })
    expect(s.code, show(s)).toBe(0)
    expect(s.stdout).toMatch(/✓ model_stochasticsir\s+fresh/)
    expect(s.stdout).not.toContain('modified')
    // Target data: the Python tool never records its digest.
    expect(s.stdout).toMatch(/untracked TARGET_DATA data\/data\.csv {2}\(untracked: no digest recorded\)/)
    expect(s.stdout).toContain('hint: the Python modelops-bundle records no digests for target data')

    write(root, 'config.yaml', 'x: 2\n')
    const v = await run(['verify'], { cwd: root })
    expect(v.code, show(v)).toBe(1)
    expect(v.stdout).toMatch(/modified DATA {8}config\.yaml {2}\(recorded [0-9a-f]{12}, now [0-9a-f]{12}; compared by sha256/)
    expect(v.stdout).toContain('The registry does not match the files. If the changes are intended, record them:')
    expect(v.stdout).toContain('  mops-bundle register-model models/model.py')
    const j = JSON.parse((await run(['status', '--json'], { cwd: root })).stdout)
    const change = j.models.find((m: { id: string }) => m.id === 'model_stochasticsir').changes[0]
    expect(change).toMatchObject({ kind: 'DATA', path: 'config.yaml', change: 'modified' })
    expect(change.current).toBe(`sha256:${createHash('sha256').update('x: 2\n').digest('hex')}`)
  })
})

describe('register-model with a code dependency tree-sitter cannot parse', () => {
  it('warns naming the file and line, records its byte digest, and status warns again', async () => {
    const root = await sampleProject()
    write(root, 'lib/broken.py', 'def helper(x):\n    return x +\n\nY = 1\n')
    const r = await run(['register-model', 'models/sir.py', '--code', 'lib/broken.py'], { cwd: root })
    expect(r.code, show(r)).toBe(0)
    expect(r.stderr).toMatch(/lib\/broken\.py:2: has a syntax error tree-sitter cannot parse; using its byte digest/)
    const list = JSON.parse((await run(['list', '--json'], { cwd: root })).stdout)
    // The registry holds its sha256 (the Python tool's field format); digests.json our byte digest of the same bytes.
    expect(list.models.sir_stochasticsir.code_digests['lib/broken.py']).toMatch(/^sha256:/)
    expect(readFileSync(join(root, '.modelops-bundle/digests.json'), 'utf8')).toMatch(/"lib\/broken\.py": \{\n\s+"sha256:[0-9a-f]{64}": "blake2b256:/)
    const s = await run(['status'], { cwd: root })
    expect(s.stderr).toContain('lib/broken.py:2:')
  })
})
