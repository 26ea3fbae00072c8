import { run } from './run.js'

/** The registry as PyYAML's safe_load reads it (the Python tool's loader), as JSON. */
export async function pyYamlLoad(file: string): Promise<any> {
  const r = await run('python3', ['-c', 'import yaml,sys,json; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))))', file], { timeoutMs: 60_000 })
  if (r.code !== 0) throw new Error(`PyYAML could not load ${file}:\n${r.stderr}`)
  return JSON.parse(r.stdout)
}
