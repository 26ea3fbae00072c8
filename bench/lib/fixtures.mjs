// Fixtures generated into bench/tmp/ (git-ignored) and reused across runs when their spec is unchanged,
// so repeated benches do not rewrite gigabytes (and file mtimes stay old, as in a real project).
import { randomFillSync } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { MiB } from './stats.mjs'

const SPEC_FILE = '.bench-spec.json'
const RACY_WAIT_MS = 3000

/** Return true when `dir` already holds a fixture made from `spec`; otherwise wipe it and return false. */
function reuse(dir, spec) {
  const f = join(dir, SPEC_FILE)
  if (existsSync(f) && readFileSync(f, 'utf8') === JSON.stringify(spec)) return true
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  return false
}
const seal = (dir, spec) => writeFileSync(join(dir, SPEC_FILE), JSON.stringify(spec))

/** Random bytes (incompressible), written in 4 MiB chunks: constant memory for any size. */
export function writeRandomFile(file, bytes) {
  const chunk = Buffer.allocUnsafe(Math.min(bytes, 4 * MiB) || 1)
  const fd = openSync(file, 'w')
  try {
    for (let left = bytes; left > 0; ) {
      const n = Math.min(left, chunk.length)
      randomFillSync(chunk, 0, n)
      writeSync(fd, chunk, 0, n)
      left -= n
    }
  } finally {
    closeSync(fd)
  }
}

/** `count` random files totalling `total` bytes under `dir`. */
export function dataFiles(dir, name, count, total) {
  const spec = { kind: 'data', count, total }
  const root = join(dir, name)
  const files = Array.from({ length: count }, (_, i) => join(root, `part-${String(i).padStart(2, '0')}.bin`))
  if (!reuse(root, spec)) {
    const each = Math.floor(total / count)
    files.forEach((f, i) => writeRandomFile(f, i === count - 1 ? total - each * (count - 1) : each))
    seal(root, spec)
  }
  return { files, bytes: total }
}

// Plausible scientific Python: imports, a dataclass-ish config, numeric helpers, docstrings, comments.
function codeModule(m, k) {
  const fns = []
  for (let j = 0; j < 12; j++) {
    fns.push(`
def step_${k}_${j}(state, rate=${(0.01 * (j + 1)).toFixed(2)}, *, dt=1.0):
    """Advance compartment ${j} of helper ${k} (model ${m}) by one step.

    Returns the new state; never mutates its input.
    """
    # explicit Euler: good enough for the benchmark's purposes
    new = dict(state)
    for key, value in state.items():
        if key.startswith("s"):
            new[key] = value - rate * value * dt
        elif key.startswith("i"):
            new[key] = value + rate * value * dt - ${(0.1 + j / 100).toFixed(2)} * value * dt
        else:
            new[key] = value + ${(0.1 + j / 100).toFixed(2)} * value * dt
    return {k: max(v, 0.0) for k, v in new.items()}
`)
  }
  return `"""Helpers ${k} of synthetic model ${m}."""
from __future__ import annotations

import math
from typing import Dict

CONSTANT_${k} = ${m * 1000 + k}
LABELS = ["s", "i", "r", 'model_${m}_${k}']
${fns.join('')}
def total(state: Dict[str, float]) -> float:
    return math.fsum(state.values())
`
}

function modelModule(m, codeModules) {
  const imports = codeModules.map((c) => `from .${c} import total as total_${c}`).join('\n')
  return `"""Synthetic model ${m}."""
import modelops_calabaria as cb
from modelops_calabaria import BaseModel, model_output

${imports}


class Model${m}(BaseModel):
    """SIR-like model number ${m}."""

    def build_sim(self, params, config):
        return {"s": 990.0, "i": 10.0, "r": 0.0, "beta": params.get("beta", 0.3)}

    def run_sim(self, state, seed):
        for _ in range(100):
            state = {k: v * 0.99 for k, v in state.items()}
        return state

    @model_output("prevalence")
    def prevalence(self, raw, seed):
        return raw["i"] / (raw["s"] + raw["i"] + raw["r"])

    @model_output("attack_rate")
    def attack_rate(self, raw, seed):
        return raw["r"] / 1000.0
`
}

/**
 * A synthetic registered project: `models` models, each with one model file, `codePerModel` helper
 * modules and `dataPerModel` data files; `dataBytes` of random data in total.
 * Returns the root and the registry object (R2 schema) it wrote.
 */
export async function syntheticProject(dir, name, { models, codePerModel, dataPerModel, dataBytes }, core) {
  const spec = { kind: 'project', v: 2, models, codePerModel, dataPerModel, dataBytes }
  const root = join(dir, name)
  const files = models * (1 + codePerModel + dataPerModel)
  const registryFile = join(root, '.modelops-bundle', 'registry.yaml')
  if (reuse(root, spec)) {
    // A fixture made before the core's serializer landed holds JSON (valid YAML): upgrade it in place.
    const text = readFileSync(registryFile, 'utf8')
    if (text.startsWith('{') && core?.serializeRegistry) {
      try { writeFileSync(registryFile, core.serializeRegistry(JSON.parse(text))) } catch { /* keep JSON */ }
    }
    return { root, files, dataBytes }
  }
  const registry = { version: '1.0', models: {}, targets: {}, target_sets: {} }
  const dataEach = Math.floor(dataBytes / Math.max(1, models * dataPerModel))
  for (let m = 0; m < models; m++) {
    const id = `m${String(m).padStart(4, '0')}`
    const pkg = join(root, 'models', id)
    mkdirSync(pkg, { recursive: true })
    writeFileSync(join(pkg, '__init__.py'), '')
    const codeMods = Array.from({ length: codePerModel }, (_, k) => `helpers_${k}`)
    codeMods.forEach((c, k) => writeFileSync(join(pkg, `${c}.py`), codeModule(m, k)))
    writeFileSync(join(pkg, 'model.py'), modelModule(m, codeMods))
    const dataDir = join(root, 'data', id)
    mkdirSync(dataDir, { recursive: true })
    const data = []
    for (let d = 0; d < dataPerModel; d++) {
      const rel = `data/${id}/series-${String(d).padStart(3, '0')}.bin`
      writeRandomFile(join(root, rel), dataEach)
      data.push(rel)
    }
    registry.models[id] = {
      entrypoint: `models.${id}.model:Model${m}`,
      path: `models/${id}/model.py`,
      class_name: `Model${m}`,
      scenarios: [],
      parameters: [],
      outputs: ['attack_rate', 'prevalence'],
      data,
      data_digests: {},
      code: codeMods.map((c) => `models/${id}/${c}.py`),
      code_digests: {},
      model_digest: null,
    }
  }
  mkdirSync(join(root, '.modelops-bundle'), { recursive: true })
  // The core's serializer when it is there; JSON is valid YAML otherwise.
  let text
  try { text = core?.serializeRegistry ? core.serializeRegistry(registry) : null } catch { text = null }
  writeFileSync(registryFile, text ?? JSON.stringify(registry, null, 1) + '\n')
  seal(root, spec)
  // Files changed within the stat cache's racy margin (2 s) are re-hashed on every pass, as git does;
  // a real project's files are older than that, so let the fresh fixture age first.
  await new Promise((r) => setTimeout(r, RACY_WAIT_MS))
  return { root, files, dataBytes }
}

/** Python files of this machine's CPython library (site-packages excluded), sorted. */
export function stdlibFiles(python = 'python3') {
  return import('node:child_process').then(({ execFileSync }) => {
    const out = execFileSync(python, ['-c', `
import os, sysconfig
root = sysconfig.get_paths()["stdlib"]
out = []
for d, dirs, files in os.walk(root):
    dirs[:] = [x for x in dirs if x not in ("site-packages", "dist-packages", "__pycache__")]
    out += [os.path.join(d, f) for f in files if f.endswith(".py")]
print(root)
print("\\n".join(sorted(out)))
`], { encoding: 'utf8', maxBuffer: 64 * MiB })
    const [root, ...files] = out.trim().split('\n')
    return { root, files }
  })
}

/**
 * Read every file under `paths` (files or folders) once, so the first measured run does not pay for the
 * disk and later runs read from the page cache like it.
 */
export function preRead(paths) {
  const buf = Buffer.allocUnsafe(4 * MiB)
  const visit = (p) => {
    const st = statSync(p)
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) visit(join(p, name))
      return
    }
    const fd = openSync(p, 'r')
    try { while (readSync(fd, buf, 0, buf.length, null) > 0); } finally { closeSync(fd) }
  }
  for (const p of paths) visit(p)
}
