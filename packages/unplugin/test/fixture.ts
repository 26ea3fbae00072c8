import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

/**
 * A small project made by hand: two models in separate files, each with its own data file plus a
 * shared code dependency, and a node generator that writes one JSON per model and logs each run.
 * A file `fail-<model id>` in the root makes the generator fail for that model; a file `slow` makes it take 0.4 s.
 */
export const REGISTRY = `version: '1.0'
models:
  seir:
    entrypoint: models.seir:SEIR
    path: models/seir.py
    class_name: SEIR
    scenarios: []
    parameters: []
    outputs:
    - prevalence
    data:
    - data/contacts.csv
    data_digests: {}
    code:
    - models/common.py
    code_digests: {}
    model_digest: null
  sir:
    entrypoint: models.sir:SIR
    path: models/sir.py
    class_name: SIR
    scenarios: []
    parameters: []
    outputs:
    - incidence
    data:
    - data/pop.csv
    data_digests: {}
    code:
    - models/common.py
    code_digests: {}
    model_digest: null
targets: {}
target_sets: {}
`

export const FILES: Record<string, string> = {
  '.modelops-bundle/registry.yaml': REGISTRY,
  '.modelops-bundle/config.yaml': `environment:\n  python_version: "3.11"\n  platform: linux-x86_64\ngenerator:\n  command: node gen.mjs\n  timeout: 60000\n`,
  'models/__init__.py': '',
  'models/common.py': 'def rate(x):\n    return x * 2\n',
  'models/sir.py': 'from models.common import rate\n\n\nclass SIR:\n    """Susceptible, infected, recovered."""\n\n    def run(self, beta):\n        return rate(beta)\n',
  'models/seir.py': 'from models.common import rate\n\n\nclass SEIR:\n    def run(self, beta, sigma):\n        return rate(beta) + sigma\n',
  'data/pop.csv': 'age,n\n0,100\n1,200\n',
  'data/contacts.csv': 'a,b,rate\n0,1,0.5\n',
  'gen.mjs': `import { appendFileSync, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
const id = process.env.MODELOPS_MODEL_ID
const out = process.env.MODELOPS_OUT_DIR
appendFileSync('gen.log', id + '\\n')
if (existsSync('slow')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400)
if (existsSync('fail-' + id)) { console.error('generator: model ' + id + ' exploded on purpose'); process.exit(7) }
const data = { seir: 'data/contacts.csv', sir: 'data/pop.csv' }[id]
mkdirSync(out + '/tables', { recursive: true })
writeFileSync(out + '/summary.json', JSON.stringify({ id, entrypoint: process.env.MODELOPS_ENTRYPOINT, digest: process.env.MODELOPS_MODEL_DIGEST }) + '\\n')
writeFileSync(out + '/tables/input.csv', readFileSync(data))
`,
  'src/main.js': `import * as virtualModule from 'virtual:modelops-bundle'\nimport manifest, { models, artifactUrl } from 'virtual:modelops-bundle'\nexport const exported = Object.keys(virtualModule).sort()\nexport const ids = Object.keys(models)\nexport const url = artifactUrl('sir', 'summary.json')\nexport default manifest.bundle_digest\n`,
  'src/main-webpack.js': `import manifest, { models, artifactUrl } from 'virtual/modelops-bundle'\nexport const ids = Object.keys(models)\nexport const url = artifactUrl('sir', 'summary.json')\nexport default manifest.bundle_digest\n`,
}

export async function makeProject(prefix = 'mops-plugin-'): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), prefix))
  for (const [rel, text] of Object.entries(FILES)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true })
    await writeFile(path.join(root, rel), text)
  }
  return root
}

/** Model ids the generator ran for since the last call (and clears the log). */
export async function takeGenerated(root: string): Promise<string[]> {
  const log = path.join(root, 'gen.log')
  const text = await readFile(log, 'utf8').catch(() => '')
  await rm(log, { force: true })
  return text.split('\n').filter(Boolean).sort()
}

export async function append(root: string, rel: string, text: string): Promise<void> {
  await appendFile(path.join(root, rel), text)
}

export async function removeProject(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true })
}

/** Poll `check` until it returns a truthy value (generous deadline: CI machines are slow). */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastErr: unknown
  for (;;) {
    try {
      const v = await check()
      if (v) return v
    } catch (err) {
      lastErr = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
