// Temp projects on disk: model files, data, a hand-written R2 registry (so cache and build cases
// do not depend on the CLI), and helpers to snapshot folders.
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, statSync, lstatSync, rmSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, dirname } from 'node:path'
import { afterAll } from 'vitest'

const made: string[] = []
afterAll(() => {
  if (process.env.FAULTS_KEEP) return
  for (const d of made) rmSync(d, { recursive: true, force: true })
})

/** A fresh temp folder removed after the test file (set FAULTS_KEEP=1 to keep it). */
export function tempDir(prefix = 'mops-faults-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix))
  made.push(d)
  return d
}

export function write(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, data)
}

export function modelSource(cls: string, output = 'prevalence'): string {
  return `import modelops_calabaria as cb


class ${cls}(cb.BaseModel):
    """A fixture model."""

    @cb.model_output("${output}")
    def ${output}(self, raw):
        return raw
`
}

export interface FixtureModel { id: string; file: string; cls: string; data: string[] }

/** R2 YAML for `models` (digests null: the build computes them). */
export function registryYaml(models: FixtureModel[]): string {
  if (models.length === 0) return "version: '1.0'\nmodels: {}\ntargets: {}\ntarget_sets: {}\n"
  let y = "version: '1.0'\nmodels:\n"
  for (const m of models) {
    const module = m.file.replace(/\.py$/, '').split('/').join('.')
    // Ids other than plain names are double-quoted (a JSON string is a YAML double-quoted scalar).
    y += `  ${/^[\w.-]+$/.test(m.id) ? m.id : JSON.stringify(m.id)}:\n    entrypoint: ${module}:${m.cls}\n    path: ${m.file}\n    class_name: ${m.cls}\n`
    y += '    scenarios: []\n    parameters: []\n    outputs:\n    - prevalence\n'
    y += m.data.length ? `    data:\n${m.data.map((d) => `    - ${d}\n`).join('')}` : '    data: []\n'
    y += '    data_digests: {}\n    code: []\n    code_digests: {}\n    model_digest: null\n'
  }
  return y + 'targets: {}\ntarget_sets: {}\n'
}

export interface Fixture { root: string; models: FixtureModel[]; registry: string }

/**
 * A project with `n` models `models/m<i>.py` (class M<i>, id m<i>_m<i>), each with `data/d<i>.csv`,
 * a registry listing them (unless `register: false`), and `src/main.js` + `index.html` importing the virtual module.
 */
export function makeProject(n: number, opts: { register?: boolean; parent?: string } = {}): Fixture {
  const root = join(opts.parent ?? tempDir(), 'proj')
  mkdirSync(join(root, '.modelops-bundle'), { recursive: true })
  write(join(root, 'models/__init__.py'), '')
  const models: FixtureModel[] = []
  for (let i = 0; i < n; i++) {
    const m = { id: `m${i}_m${i}`, file: `models/m${i}.py`, cls: `M${i}`, data: [`data/d${i}.csv`] }
    write(join(root, m.file), modelSource(m.cls))
    write(join(root, m.data[0]!), `t,x\n0,${i}\n1,${i * 2}\n`)
    models.push(m)
  }
  const registry = join(root, '.modelops-bundle/registry.yaml')
  if (opts.register !== false) write(registry, registryYaml(models))
  write(join(root, 'src/main.js'), "import manifest from 'virtual:modelops-bundle'\nconsole.log(Object.keys(manifest.models).length)\n")
  write(join(root, 'index.html'), '<!doctype html><html><body><script type="module" src="/src/main.js"></script></body></html>\n')
  return { root, models, registry }
}

/** Every file under `dir` (relative POSIX path → size, mtime), for "nothing written" checks. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      const st = lstatSync(p)
      if (st.isDirectory()) walk(p)
      else out[relative(dir, p)] = `${st.size}:${st.mtimeMs}:${st.isFIFO() ? 'fifo' : st.isSymbolicLink() ? 'link' : 'file'}`
    }
  }
  if (existsSync(dir)) walk(dir)
  return out
}

/** All regular files under `dir`, absolute. */
export function listFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      const st = lstatSync(p)
      if (st.isDirectory()) walk(p)
      else if (st.isFile()) out.push(p)
    }
  }
  if (existsSync(dir)) walk(dir)
  return out.sort()
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8')
}

export function fileSize(file: string): number {
  return statSync(file).size
}
