// formatStatus: the one wording of status/verify/plugin verify.
import { describe, expect, it } from 'vitest'
import { formatStatus, refreshCommands } from '../src/digest/explain.js'
import type { StatusReport } from '../src/digest/types.js'

const status: StatusReport = {
  fresh: false,
  models: [
    { id: 'seir', entrypoint: 'models.seir:SEIR', state: 'fresh', changes: [] },
    {
      id: 'sir', entrypoint: 'models.sir:SIR', state: 'stale',
      changes: [{ kind: 'DATA', path: 'data/pop.csv', change: 'modified', recorded: `blake2b256:${'a'.repeat(64)}`, current: `blake2b256:${'b'.repeat(64)}` }],
    },
  ],
  targets: [
    {
      id: 't', entrypoint: 'targets.t:t', state: 'stale',
      changes: [{ kind: 'TARGET_CODE', path: 'targets/t.py', change: 'unverifiable', recorded: 'c'.repeat(64), hint: 'recorded by an older tool; run register-target to record current digests' }],
    },
  ],
}
const registry = { models: { sir: { path: 'models/sir.py' }, seir: { path: 'models/seir.py' } }, targets: { t: { path: 'targets/t.py' } } }

describe('formatStatus', () => {
  it('lists every entry, each change with its digests, a summary and the refresh commands', () => {
    expect(formatStatus(status, { registry })).toBe(
      [
        'Models (2)',
        '  ✓ seir  fresh',
        '  ⚠ sir   stale',
        '      modified DATA        data/pop.csv  (recorded aaaaaaaaaaaa, now bbbbbbbbbbbb)',
        '',
        'Targets (1)',
        '  ⚠ t  stale',
        '      unverifiable TARGET_CODE targets/t.py  (recorded cccccccccccc)',
        '        hint: recorded by an older tool; run register-target to record current digests',
        '',
        '⚠ 2 of 3 entries are stale',
        '',
        'To record the new digests, run:',
        '  mops-bundle register-model models/sir.py',
        '  mops-bundle register-target targets/t.py',
      ].join('\n'),
    )
  })

  it('staleOnly (a failed build) leaves out fresh entries and the summary', () => {
    const text = formatStatus(status, { staleOnly: true })
    expect(text).not.toContain('seir')
    expect(text).not.toContain('entries are')
    expect(text.split('\n').slice(0, 3)).toEqual(['Models (1 stale)', '  ⚠ sir  stale', '      modified DATA        data/pop.csv  (recorded aaaaaaaaaaaa, now bbbbbbbbbbbb)'])
  })

  it('shows the algorithm when recorded and current digests use different ones, colours only when asked', () => {
    const mixed: StatusReport = {
      fresh: false, targets: [],
      models: [{ id: 'm', entrypoint: 'm:M', state: 'stale', changes: [{ kind: 'DATA', path: 'd', change: 'modified', recorded: `sha256:${'1'.repeat(64)}`, current: `blake2b256:${'2'.repeat(64)}` }] }],
    }
    expect(formatStatus(mixed)).toContain('(recorded sha256:111111111111, now blake2b256:222222222222)')
    expect(formatStatus(mixed)).not.toMatch(/\u001B\[/)
    expect(formatStatus(mixed, { color: true })).toMatch(/\u001B\[33m⚠\u001B\[39m m  \u001B\[33mstale/)
  })

  it('says what to do when nothing is registered', () => {
    expect(formatStatus({ fresh: true, models: [], targets: [] })).toContain("Nothing registered yet: run 'mops-bundle register-model <file>'")
    expect(refreshCommands({ fresh: true, models: [], targets: [] }, registry)).toEqual([])
  })
})
