// pysem1 against Python's own `ast` on generated sources (gen_expressions.py): every binary, boolean,
// comparison and unary operator, ternaries, lambdas, walrus, await, star and the postfix primaries, nested
// in each other at two levels (bare and parenthesised), in 23 contexts (annotations, f-string fields and
// format specs, subscripts, slices, arguments, statements, ...), plus nested match patterns.
//   PYSEM_DIFF_STRIDE   keep every N-th nested expression outside the `return` context (default 1: all)
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { semanticDigest } from '../src/python/semantic.js'

const here = dirname(fileURLToPath(import.meta.url))
const stride = process.env.PYSEM_DIFF_STRIDE ?? '1'

interface Case { ctx: string; src: string; dump: string | null; digest?: string; kind?: string }

const show = (c: Case) => `[${c.ctx}] ${JSON.stringify(c.src)}`

describe('pysem1 differential test against python3 ast', () => {
  it('same digest if and only if same ast.dump; Python-rejected sources fall back to bytes', async () => {
    const t0 = performance.now()
    // A missing python3 fails here (CI installs it): the oracle is not optional.
    const gen = spawnSync('python3', [join(here, 'gen_expressions.py'), '--stride', stride], { encoding: 'utf8', maxBuffer: 1 << 30 })
    expect(gen.status, gen.stderr).toBe(0)
    const cases = gen.stdout.trim().split('\n').map((l) => JSON.parse(l) as Case)
    const t1 = performance.now()
    for (const k of cases) {
      const r = await semanticDigest(Buffer.from(k.src, 'utf8'), 'case.py')
      k.digest = r.digest
      k.kind = r.kind
    }
    const t2 = performance.now()

    const byDigest = new Map<string, Case[]>()
    const byDump = new Map<string, Case[]>()
    const accepted: Case[] = [] // Python rejects, we hashed it semantically
    const fallbacks: Case[] = [] // Python accepts, we fell back to bytes
    for (const k of cases) {
      if (k.dump === null) {
        if (k.kind !== 'bytes') accepted.push(k)
        continue
      }
      if (k.kind === 'bytes') {
        fallbacks.push(k)
        continue
      }
      byDigest.set(k.digest!, [...(byDigest.get(k.digest!) ?? []), k])
      byDump.set(k.dump, [...(byDump.get(k.dump) ?? []), k])
    }
    // A miss: two different programs, one digest (a stale result served as fresh).
    const misses = [...byDigest.values()].filter((ks) => new Set(ks.map((k) => k.dump)).size > 1)
    // Spurious: one program, two digests (a needless cache miss).
    const spurious = [...byDump.values()].filter((ks) => new Set(ks.map((k) => k.digest)).size > 1)
    const valid = cases.length - cases.filter((k) => k.dump === null).length
    console.log(
      `differential: ${cases.length} sources (${valid} valid Python) generated and judged in ${((t1 - t0) / 1000).toFixed(1)} s, ` +
        `hashed in ${((t2 - t1) / 1000).toFixed(1)} s: ${misses.length} misses, ${accepted.length} rejected by Python but hashed, ` +
        `${spurious.length} programs with more than one digest, ${fallbacks.length} valid sources falling back to bytes`,
    )
    for (const ks of spurious.slice(0, 10)) console.log('  more than one digest:', ks.map(show).join('  ==  '))
    for (const k of fallbacks.slice(0, 10)) console.log('  valid, falls back:', show(k))
    expect(misses.map((ks) => ks.map(show))).toEqual([])
    expect(accepted.map(show)).toEqual([])
    expect(valid).toBeGreaterThan(cases.length / 2)
  })
})
