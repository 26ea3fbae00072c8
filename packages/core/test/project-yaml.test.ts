import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { parseYaml } from '../src/project/yaml.js'

// Plain scalars must resolve as PyYAML resolves them, or a config the Python tool reads one way reads another way here.
const SCALARS = ['.', '._', '-.5', '.5', '1e5', '1.5e+3', '1.0', '-1.', '1_0.5', '1:20.5', 'yes', 'y', 'n', 'off', '0x1f', '017', 'null', '~', 'x']

describe('YAML scalar resolution matches PyYAML', () => {
  it('resolves plain scalars to the same values', () => {
    const ours = SCALARS.map((s) => parseYaml(`a: ${s}\n`, { file: 'f.yaml', code: 'CONFIG_INVALID', hint: '' }).src.doc.toJS().a)
    const script = `import json,sys,yaml\nprint(json.dumps([yaml.safe_load('a: '+s)['a'] for s in json.load(sys.stdin)]))`
    const theirs = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(SCALARS), encoding: 'utf8' }))
    expect(ours).toEqual(theirs)
  })
})
