// Environment digest inputs (captureEnvironment) and the Python-compatible JSON it relies on.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { arch, platform } from 'node:os'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { captureEnvironment, environmentDigest, environmentPreimage, hostPlatform } from '../src/digest/environment.js'
import { parseRequirement } from '../src/digest/env-sources.js'
import { canonicalJson, compareCodePoints, pyFloat, pyFloatRepr } from '../src/digest/canonical.js'
import { makeProject, tempDir, write } from './digest-helpers.js'
import type { Warning } from '../src/errors.js'

let root: string
let cleanup: () => void
beforeEach(() => ({ dir: root, cleanup } = tempDir()))
afterEach(() => cleanup())

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version'])
    return true
  } catch {
    return false
  }
})()
const python = (code: string, input: string) => execFileSync('python3', ['-c', code], { input, encoding: 'utf8' })

describe('captureEnvironment', () => {
  it('defaults: nothing configured, no files', async () => {
    const env = await captureEnvironment(makeProject(root, {}))
    expect(env).toEqual({ python_version: 'unspecified', platform: hostPlatform(), dependencies: {}, container_image: null, cuda_version: null, rng_algorithm: 'PCG64', thread_count: 1 })
  })

  it('reads .python-version, pyproject, requirements*.txt and uv.lock, merged in the documented order', async () => {
    write(root, '.python-version', '# pinned\n3.11.7\n')
    write(root, 'pyproject.toml', '[project]\nname = "demo"\ndependencies = ["numpy>=1.24", "Pandas[parquet] >= 2.0 ; python_version >= \'3.9\'", "scipy==1.11.0", "zeta"]\n')
    write(root, 'requirements.txt', '# comment\nnumpy==1.26.0  # pinned\nrequests\n-r other.txt\nfoo @ https://example.org/foo.whl\n./local-pkg\n')
    write(root, 'requirements-dev.txt', 'pytest==8.0.0\nnumpy==1.26.2\n')
    write(root, 'uv.lock', 'version = 1\n\n[[package]]\nname = "numpy"\nversion = "1.26.4"\nsource = { registry = "https://pypi.org/simple" }\n\n[[package]]\nname = "demo"\nversion = "0.1.0"\nsource = { editable = "." }\n')
    const warnings: Warning[] = []
    const env = await captureEnvironment(makeProject(root, { dependencies: { Requests: '2.31.0' } }), { dependencies: { zeta: '9' } }, warnings)
    expect(env.python_version).toBe('3.11.7')
    expect(env.dependencies).toEqual({
      numpy: '1.26.4', // uv.lock beats requirements*.txt beats pyproject
      pandas: "[parquet] >= 2.0 ; python_version >= '3.9'",
      scipy: '1.11.0',
      zeta: '9', // overrides beat everything
      requests: '2.31.0', // config beats files
      foo: '@ https://example.org/foo.whl',
      pytest: '8.0.0',
    })
    expect(warnings.map((w) => [w.file, w.line])).toEqual([
      ['requirements.txt', 4],
      ['requirements.txt', 6],
    ])
  })

  it('config beats files and overrides beat config, field by field', async () => {
    write(root, '.python-version', '3.10.1\n')
    const project = makeProject(root, { python_version: '3.12.1', platform: 'darwin-arm64', cuda_version: '12.1' })
    const env = await captureEnvironment(project, { platform: 'linux-aarch64', thread_count: 8, container_image: 'sha256:abc' })
    expect(env).toMatchObject({ python_version: '3.12.1', platform: 'linux-aarch64', cuda_version: '12.1', thread_count: 8, container_image: 'sha256:abc', rng_algorithm: 'PCG64' })
  })

  it.skipIf(!hasPython)('python_version: detect asks python3 --version', async () => {
    const expected = execFileSync('python3', ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).trim()
    expect((await captureEnvironment(makeProject(root, { python_version: 'detect' }))).python_version).toBe(expected)
    write(root, '.python-version', 'detect\n')
    expect((await captureEnvironment(makeProject(root, {}))).python_version).toBe(expected)
  })

  it('a broken TOML file is a CONFIG_INVALID error naming file and line', async () => {
    write(root, 'pyproject.toml', '[project]\nname = "x"\ndependencies = [\n')
    await expect(captureEnvironment(makeProject(root))).rejects.toMatchObject({ name: 'ModelopsError', code: 'CONFIG_INVALID', file: 'pyproject.toml', line: expect.any(Number) })
  })

  it('pyproject.toml and uv.lock go through the parse cache: same result and warnings from the snapshot, an edit re-parses', async () => {
    const { existsSync, mkdtempSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { clearParseMemo, parseCacheCounters } = await import('../src/project/parse-cache.js')
    const cacheDir = mkdtempSync(join(tmpdir(), 'env-parse-cache-'))
    write(root, 'pyproject.toml', '[project]\nname = "demo"\ndependencies = ["numpy>=1.24", 42]\n')
    write(root, 'uv.lock', 'version = 1\n\n[[package]]\nname = "SciPy"\nversion = "1.11.0"\n')
    const project = makeProject(root)
    const capture = async () => {
      const warnings: Warning[] = []
      const env = await captureEnvironment(project, {}, warnings, { cacheDir })
      return { deps: env.dependencies, warnings }
    }
    const parsed = await capture()
    expect(parsed.deps).toEqual({ numpy: '>=1.24', scipy: '1.11.0' })
    expect(parsed.warnings.map((w) => w.code)).toEqual(['ENV_REQUIREMENT_SKIPPED'])
    expect(existsSync(join(cacheDir, 'parse-pyproject.json')) && existsSync(join(cacheDir, 'parse-uv-lock.json'))).toBe(true)
    clearParseMemo() // as a fresh process: from the snapshots
    const before = parseCacheCounters.snapshot
    expect(await capture()).toEqual(parsed)
    expect(parseCacheCounters.snapshot - before).toBe(2)
    // Same length, one dependency renamed: the text is the key, not the file's size or time.
    write(root, 'pyproject.toml', '[project]\nname = "demo"\ndependencies = ["numpy>=1.25", 42]\n')
    expect((await capture()).deps).toEqual({ numpy: '>=1.25', scipy: '1.11.0' })
  })

  it('hostPlatform uses Python names', () => {
    if (platform() === 'linux' && arch() === 'x64') expect(hostPlatform()).toBe('linux-x86_64')
    expect(hostPlatform()).toMatch(/^[a-z]+-[A-Za-z0-9_]+$/)
  })

  it('environmentDigest is env1: + the contracts hex, and rejects a non-integer thread count', async () => {
    const env = { python_version: '3.11.5', platform: 'linux-x86_64', dependencies: { numpy: '1.24.0', pandas: '2.0.0' }, container_image: null, cuda_version: null, rng_algorithm: 'PCG64', thread_count: 1 }
    expect(await environmentDigest(env)).toBe('env1:db1c9e2e476568cbe441c329689723ede1f74b7f9f299162f9a22e723a9c5669')
    expect(() => environmentPreimage({ ...env, thread_count: 1.5 })).toThrow(/thread_count/)
  })
})

describe('parseRequirement', () => {
  it.each([
    ['numpy==1.2.3', ['numpy', '1.2.3']],
    ['NumPy == 1.2.3', ['numpy', '1.2.3']],
    ['numpy==1.*', ['numpy', '==1.*']],
    ['numpy>=1,<2', ['numpy', '>=1,<2']],
    ['zope.interface', ['zope-interface', '']],
    ['numpy===1.0', ['numpy', '===1.0']],
  ])('%s', (line, expected) => expect(parseRequirement(line)).toEqual(expected))
  it('rejects non-requirements', () => {
    expect(parseRequirement('./pkg')).toBeUndefined()
    expect(parseRequirement('https://x/y.whl')).toBeUndefined()
  })
})

describe.skipIf(!hasPython)('Python-compatible JSON (differential against python3)', () => {
  it('float repr matches Python for random and edge-case doubles', () => {
    const values: number[] = [1, 0.1, 1e16, 1e15, 1e-4, 1e-5, 123456789012345680, 5e-324, 1.7976931348623157e308, -2.5, 1 / 3, 0.5, 100, 9007199254740993, 1e22, 1e21, 12345.678]
    const buf = randomBytes(8 * 2000)
    for (let i = 0; i < 2000; i++) {
      const x = buf.readDoubleLE(i * 8)
      if (Number.isFinite(x)) values.push(x)
    }
    for (let i = 0; i < 500; i++) values.push(Math.random() * 10 ** Math.floor(Math.random() * 40 - 20))
    const bits = values.map((x) => {
      const b = Buffer.alloc(8)
      b.writeDoubleBE(x)
      return b.toString('hex')
    })
    const py = python('import sys,json,struct\nprint(json.dumps([struct.unpack(">d", bytes.fromhex(h))[0] for h in sys.stdin.read().split()]))', bits.join('\n'))
    expect(`[${values.map(pyFloatRepr).join(', ')}]`).toBe(py.trim())
  })

  it('canonicalJson matches json.dumps(sort_keys=True, separators=(",",":"), ensure_ascii=False)', () => {
    const obj = {
      b: 1,
      a: [true, false, null, 'x'],
      '\u{E000}': 'pua',
      '😀': 'astral key',
      A: { z: pyFloat(2), y: -0.5, x: pyFloat(-0) },
      é: 'ctrl \u0000\u0001\u001f \u007f \u2028 " \\ / \b\f\n\r\t',
      big: 12345678901234567890n,
    }
    const py = python(
      'import sys,json\nd=json.loads(sys.stdin.read())\nd["A"]["z"]=2.0\nd["A"]["x"]=-0.0\nd["big"]=12345678901234567890\nsys.stdout.buffer.write(json.dumps(d,sort_keys=True,separators=(",",":"),ensure_ascii=False).encode())',
      JSON.stringify({ ...obj, A: { z: 0, y: -0.5, x: 0 }, big: 0 }),
    )
    expect(canonicalJson(obj)).toBe(py)
  })
})

describe('canonicalJson', () => {
  it('sorts keys by code point, not UTF-16', () => {
    expect(canonicalJson({ '😀': 1, '\u{E000}': 2 })).toBe('{"\u{E000}":2,"😀":1}')
    expect(['😀', '\u{E000}', 'a', 'B'].sort(compareCodePoints)).toEqual(['B', 'a', '\u{E000}', '😀'])
  })
  it('rejects what Python would not write as standard JSON', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow()
    expect(() => canonicalJson(pyFloat(Infinity))).toThrow()
    expect(() => canonicalJson({ a: undefined })).toThrow()
    expect(() => canonicalJson('\uD800')).toThrow(/surrogate/)
    expect(() => canonicalJson(new Map())).toThrow()
  })
})
