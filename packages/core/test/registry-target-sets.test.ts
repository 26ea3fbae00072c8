import { describe, expect, it } from 'vitest'
import { deleteTargetSet, removeFromTargetSets, setTargetSet } from '../src/registry/target-sets.js'
import type { Registry, TargetEntry } from '../src/registry/types.js'

const target = (): TargetEntry => ({ path: 't.py', entrypoint: 't:f', model_output: 'x', data: [], data_digests: {}, target_digest: null })

// A registry an API caller built by hand: plain objects, so Object.prototype's names are `in` every table.
function plainRegistry(): Registry {
  return { version: '1.0', models: {}, targets: { a: target() }, target_sets: { s: { targets: ['a'], weights: {} } } }
}

describe('target sets look ids up as own keys only', () => {
  it('refuses a member named like an Object.prototype property that is not a target', () => {
    expect(() => setTargetSet(plainRegistry(), 'n', ['a', 'toString'])).toThrow(/references unknown targets: toString/)
    expect(() => setTargetSet(plainRegistry(), 'n', ['constructor'])).toThrow(/unknown targets: constructor/)
  })

  it('deleting a set named constructor that does not exist is an error, not a silent no-op', () => {
    expect(() => deleteTargetSet(plainRegistry(), 'constructor')).toThrow(/target set 'constructor' not found/)
  })

  it('removing a target named constructor touches only the sets it is in', () => {
    const reg = plainRegistry()
    Object.assign(reg.targets, { constructor: target() })
    reg.target_sets.t = { targets: ['constructor'], weights: {} }
    expect(removeFromTargetSets(reg, 'constructor')).toEqual(['t'])
  })

  it('keeps a weight for a target named __proto__ as a key', () => {
    const reg = plainRegistry()
    Object.defineProperty(reg.targets, '__proto__', { value: target(), enumerable: true, writable: true, configurable: true })
    const weights = Object.fromEntries([['__proto__', 2]]) as Record<string, number>
    const set = setTargetSet(reg, 'n', ['__proto__'], weights)
    expect(Object.keys(set.weights)).toEqual(['__proto__'])
    expect(set.weights['__proto__']).toBe(2)
    expect(removeFromTargetSets(reg, '__proto__')).toEqual(['n'])
  })
})
