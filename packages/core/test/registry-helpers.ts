// Shared by the project-* and registry-* tests: temp projects, error capture, and a batched PyYAML loader.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'
import { formatError, isModelopsError, type ModelopsError } from '../src/errors.js'

/** A core source module as a file URL a child script can import (internals too, not only the public API). */
export const coreSrc = (rel: string): string => new URL(`../src/${rel}`, import.meta.url).href
export const VECTORS = fileURLToPath(new URL('../../../test/reference-vectors', import.meta.url))

const made: string[] = []
// Registered while the importing test file is collected: runs after that file's tests.
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** A fresh folder under os.tmpdir(), removed when the test process exits. */
export function tempDir(prefix = 'mb-reg-'): string {
  // realpath: on some systems os.tmpdir() is itself a symbolic link.
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
  made.push(dir)
  return dir
}

/** Run `fn`, expect a ModelopsError, return it with its formatted text. */
export function catchError(fn: () => unknown): ModelopsError & { text: string } {
  try {
    fn()
  } catch (err) {
    if (!isModelopsError(err)) throw new Error(`expected a ModelopsError, got: ${String((err as Error)?.stack ?? err)}`)
    return Object.assign(err, { text: formatError(err) })
  }
  throw new Error('expected an error, none was thrown')
}

export async function catchErrorAsync(fn: () => Promise<unknown>): Promise<ModelopsError & { text: string }> {
  try {
    await fn()
  } catch (err) {
    if (!isModelopsError(err)) throw new Error(`expected a ModelopsError, got: ${String((err as Error)?.stack ?? err)}`)
    return Object.assign(err, { text: formatError(err) })
  }
  throw new Error('expected an error, none was thrown')
}

/**
 * Load many YAML texts with PyYAML's `yaml.safe_load` in one python3 process. Floats and ints come back tagged
 * ({__float__: x} / {__int__: x}) so a test sees the exact Python types. A load error comes back as {__error__}.
 */
export function pyyamlLoadMany(texts: string[]): unknown[] {
  const dir = tempDir('mb-pyyaml-')
  try {
    const input = path.join(dir, 'in.json')
    fs.writeFileSync(input, JSON.stringify(texts))
    const script = `
import json, sys, yaml
def tag(v):
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, float):
        return {"__float__": v}
    if isinstance(v, int):
        return {"__int__": v}
    if isinstance(v, list):
        return [tag(x) for x in v]
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                return {"__error__": "non-string key %r" % (k,)}
            out[k] = tag(x)
        return out
    return {"__error__": "unexpected type %s" % type(v).__name__}
texts = json.load(open(sys.argv[1], encoding="utf-8"))
out = []
for t in texts:
    try:
        out.append(tag(yaml.safe_load(t)))
    except Exception as e:
        out.append({"__error__": "%s: %s" % (type(e).__name__, e)})
sys.stdout.write(json.dumps(out))
`
    const stdout = execFileSync('python3', ['-c', script, input], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 })
    return JSON.parse(stdout) as unknown[]
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The registry as PyYAML's loader returns it, tagged like pyyamlLoadMany: every weight is a Python float. */
export function tagForPython(reg: { target_sets: Record<string, { weights: Record<string, number> }>; targets?: Record<string, { data_digests?: unknown }> }): unknown {
  const copy = JSON.parse(JSON.stringify(reg)) as typeof reg
  // Target data digests are not written to registry.yaml (they live in digests.json, docs/interop.md).
  for (const t of Object.values(copy.targets ?? {})) delete t.data_digests
  for (const name of Object.keys(copy.target_sets)) {
    const w = copy.target_sets[name]!.weights as Record<string, unknown>
    for (const id of Object.keys(w)) w[id] = { __float__: w[id] }
  }
  return copy
}

/** Run a node script (TypeScript allowed, imports the core source) as a child process. */
export function runNode(script: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}
