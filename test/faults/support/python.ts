import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { run } from './run.js'

/** PyYAML (the Python tool's loader) when this machine has it; .ci/run does not install it. */
export const HAS_PYYAML = (() => {
  try { execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }); return true } catch { return false }
})()

/** The registry as PyYAML's safe_load reads it, as JSON; without PyYAML, the `yaml` package in YAML 1.1 mode. */
export async function pyYamlLoad(file: string): Promise<any> {
  if (!HAS_PYYAML) return parse(readFileSync(file, 'utf8'), { version: '1.1', uniqueKeys: true })
  const r = await run('python3', ['-c', 'import yaml,sys,json; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))))', file], { timeoutMs: 60_000 })
  if (r.code !== 0) throw new Error(`PyYAML could not load ${file}:\n${r.stderr}`)
  return JSON.parse(r.stdout)
}
