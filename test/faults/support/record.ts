// Every fault case records what it injected, what the tool did, and how many tries failed;
// the global teardown turns the records into docs/reliability.md.
import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { it } from 'vitest'
import { RESULTS_FILE } from './paths.js'

export interface CaseRecord {
  group: string
  name: string
  /** The fault injected / input given. */
  fault: string
  /** What the tool must do. */
  expected: string
  /** What the tool did (filled by the case). */
  observed: string
  tried: number
  failed: number
  outcome: 'pass' | 'fail' | 'known-bug'
  error?: string
  /** For a known bug: what is wrong and where (for routing the fix). */
  bug?: string
  ms: number
}

export interface CaseContext {
  /** Describe what the tool did, for the report. */
  observe(text: string): void
  /** A case that repeats a fault: count each try and each failing try. */
  tries(tried: number, failed: number): void
}

type Body = (ctx: CaseContext) => Promise<void> | void

function wrap(group: string, name: string, fault: string, expected: string, body: Body, knownBug: boolean, bug?: string) {
  return async () => {
    const rec: CaseRecord = { group, name, fault, expected, observed: '', tried: 1, failed: 0, outcome: 'pass', ms: 0, bug }
    const ctx: CaseContext = {
      observe: (t) => { rec.observed = rec.observed ? `${rec.observed}; ${t}` : t },
      tries: (t, f) => { rec.tried = t; rec.failed = f },
    }
    const start = performance.now()
    try {
      await body(ctx)
    } catch (err) {
      rec.outcome = knownBug ? 'known-bug' : 'fail'
      if (rec.failed === 0) rec.failed = 1
      rec.error = (err instanceof Error ? err.message : String(err)).slice(0, 2000)
      throw err
    } finally {
      rec.ms = Math.round(performance.now() - start)
      mkdirSync(dirname(RESULTS_FILE), { recursive: true })
      appendFileSync(RESULTS_FILE, JSON.stringify(rec) + '\n')
    }
  }
}

/** A fault case: `it(name)` plus a record for docs/reliability.md. */
export function fault(group: string, name: string, spec: { fault: string; expected: string; timeout?: number }, body: Body): void {
  it(name, wrap(group, name, spec.fault, spec.expected, body, false), spec.timeout)
}

/** A case that fails today because of a bug routed to its owner: kept, reported, expected to fail. */
fault.bug = function bug(group: string, name: string, spec: { fault: string; expected: string; timeout?: number; bug: string }, body: Body): void {
  it.fails(`${name} [known bug: ${spec.bug}]`, wrap(group, name, spec.fault, spec.expected, body, true, spec.bug), spec.timeout)
}

/**
 * A case whose failure depends on timing, so `it.fails` would be flaky: kept in the code, not run by default
 * (FAULTS_RUN_TODO=1 runs it), and listed in the report as a known bug with what was observed.
 */
fault.todo = function todo(group: string, name: string, spec: { fault: string; expected: string; timeout?: number; bug: string }, body: Body): void {
  if (process.env.FAULTS_RUN_TODO) return fault(group, name, spec, body)
  it.todo(`${name} [known bug, timing-dependent: ${spec.bug}]`)
  const rec: CaseRecord = { group, name, fault: spec.fault, expected: spec.expected, observed: `not run (timing-dependent; FAULTS_RUN_TODO=1 runs it): ${spec.bug}`, tried: 0, failed: 0, outcome: 'known-bug', bug: spec.bug, ms: 0 }
  mkdirSync(dirname(RESULTS_FILE), { recursive: true })
  appendFileSync(RESULTS_FILE, JSON.stringify(rec) + '\n')
}
