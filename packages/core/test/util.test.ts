// The shared helpers of core/src/util (and compareCodePoints): one parser per unit, so every caller takes the same
// forms and refuses bad input with the same words.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { compareCodePoints } from '../src/digest/canonical.js'
import { mapLimit } from '../src/util/map-limit.js'
import { pidAlive } from '../src/util/process.js'
import { envDuration, formatBytes, MAX_DURATION_MS, parseDuration, parseSize } from '../src/util/units.js'

const problemOf = (f: () => unknown): string => {
  try {
    f()
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('expected a throw')
}

describe('parseDuration', () => {
  it('reads every unit, bare milliseconds and numbers', () => {
    expect(['500ms', '2s', '1.5m', '1h', ' 10m ', '2500', '1.4'].map((v) => parseDuration(v))).toEqual([500, 2000, 90_000, 3_600_000, 600_000, 2500, 1])
    expect(parseDuration(250)).toBe(250)
    expect(parseDuration(MAX_DURATION_MS)).toBe(2 ** 31 - 1)
  })

  it('refuses zero, negatives, bad text and timers Node cannot set, through the caller\'s fail', () => {
    const fail = (problem: string): never => {
      throw new TypeError(`x: ${problem}`)
    }
    expect(() => parseDuration('soon', fail)).toThrow(TypeError)
    expect(problemOf(() => parseDuration('soon'))).toBe('must be a duration such as 500ms, 30s, 10m or 1h (or a number of milliseconds), got "soon"')
    for (const bad of ['', '-5s', '1e3', '10 minutes', '5d', 'm', '1.s', '0x10']) expect(problemOf(() => parseDuration(bad))).toMatch(/^must be a duration/)
    for (const bad of [0, -1, '0s', '0.0001ms', Number.NaN, Number.POSITIVE_INFINITY]) expect(problemOf(() => parseDuration(bad))).toMatch(/^must be a positive number of milliseconds or a duration/)
    expect(problemOf(() => parseDuration('600h'))).toBe('2160000000 ms (25.0 days) is longer than the longest timer Node can set, 2147483647 ms (about 24.8 days)')
    expect(problemOf(() => parseDuration(2 ** 31))).toMatch(/^2147483648 ms .* longer than the longest timer/)
    expect(problemOf(() => parseDuration(`${'9'.repeat(400)}h`))).toMatch(/^Infinity ms|longer than the longest timer|must be a positive/)
    // Not a string nor a number (a plugin option from plain JS).
    expect(problemOf(() => parseDuration({} as unknown as string))).toBe('must be a duration such as 500ms, 30s, 10m or 1h (or a number of milliseconds), got {}')
  })
})

describe('envDuration', () => {
  it('reads MODELOPS_* durations: unset or blank is the default, zero only where allowed, bad values are USAGE errors naming the variable', () => {
    const env = (v?: string) => ({ MODELOPS_X_MS: v })
    expect([envDuration('MODELOPS_X_MS', 7, { env: env() }), envDuration('MODELOPS_X_MS', 7, { env: env('  ') }), envDuration('MODELOPS_X_MS', 7, { env: env('2s') })]).toEqual([7, 7, 2000])
    expect(envDuration('MODELOPS_X_MS', 7, { env: env('0'), allowZero: true })).toBe(0)
    for (const [value, message] of [['0', 'must be a positive number'], ['soon', 'must be a duration'], ['600h', 'longer than the longest timer']] as const) {
      let err: unknown
      try {
        envDuration('MODELOPS_X_MS', 7, { env: env(value) })
      } catch (e) {
        err = e
      }
      expect(err).toMatchObject({ name: 'ModelopsError', code: 'USAGE', exitCode: 2, message: expect.stringMatching(new RegExp(`^MODELOPS_X_MS: .*${message}`)) })
    }
  })
})

describe('parseSize', () => {
  it('reads decimal and binary units, bare bytes and numbers', () => {
    expect(['0', '1024', '1K', '1k', '1KB', '1KiB', '500MB', '2GiB', '2G', '1.5MiB', '1TB', ' 3 B ', '7b'].map((v) => parseSize(v))).toEqual([
      0, 1024, 1024, 1024, 1000, 1024, 500_000_000, 2 * 1024 ** 3, 2 * 1024 ** 3, 1_572_864, 1e12, 3, 7,
    ])
    expect([parseSize(0), parseSize(1.9), parseSize(Number.POSITIVE_INFINITY)]).toEqual([0, 1, Number.POSITIVE_INFINITY])
  })

  it('refuses negatives, bad text and sizes past 2^53 bytes', () => {
    for (const bad of ['', '-1', '1Ki', '1 PB', 'lots', '1e9', '2GiBs']) expect(problemOf(() => parseSize(bad))).toBe(`must be a size such as 500MB or 2GiB (or a number of bytes), got ${JSON.stringify(bad)}`)
    expect(problemOf(() => parseSize(-1))).toBe('must be a size such as 500MB or 2GiB (or a number of bytes), at least 0, got -1')
    expect(problemOf(() => parseSize(Number.NaN))).toMatch(/at least 0, got null/)
    expect(problemOf(() => parseSize('99999999TiB'))).toBe(`is too large (at most ${Number.MAX_SAFE_INTEGER} bytes), got "99999999TiB"`)
    // Infinity means no limit only as a number: as text it is not a size.
    expect(problemOf(() => parseSize('Infinity'))).toMatch(/^must be a size/)
  })
})

describe('formatBytes', () => {
  it('uses binary units with one decimal, never `1024.0` of a smaller unit', () => {
    expect([0, 1, 1023, 1024, 1536, 1_048_575, 1_048_576, 2 * 1024 ** 3, 1024 ** 5, 3 * 1024 ** 6].map(formatBytes)).toEqual([
      '0 B', '1 B', '1023 B', '1.0 KiB', '1.5 KiB', '1.0 MiB', '1.0 MiB', '2.0 GiB', '1.0 PiB', '3072.0 PiB',
    ])
    expect([formatBytes(-2048), formatBytes(Number.NaN), formatBytes(Number.POSITIVE_INFINITY)]).toEqual(['-2.0 KiB', 'NaN B', 'Infinity B'])
  })

  it('round-trips what parseSize reads', () => {
    for (const text of ['1KiB', '1.5MiB', '2GiB']) expect(formatBytes(parseSize(text))).toBe(text.replace(/^([\d.]+)/, (n) => Number(n).toFixed(1) + ' '))
  })
})

describe('pidAlive', () => {
  it('knows this process, a running child and an exited one; refuses pids that would signal a group', async () => {
    expect(pidAlive(process.pid)).toBe(true)
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' })
    await new Promise((r) => child.once('spawn', r))
    expect(pidAlive(child.pid!)).toBe(true)
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
    expect(pidAlive(child.pid!)).toBe(false)
    // 0 and -1 would signal our process group / every process: never "alive", never sent.
    for (const pid of [0, -1, Number.NaN, 1.5]) expect(pidAlive(pid)).toBe(false)
  })
})

describe('mapLimit', () => {
  it('runs every item once, at most `limit` at a time, passing the index', async () => {
    let running = 0
    let peak = 0
    const seen: string[] = []
    await mapLimit(['a', 'b', 'c', 'd', 'e'], 2, async (item, i) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setImmediate(r))
      seen[i] = item
      running--
    })
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(peak).toBe(2)
  })

  it('after a failure starts nothing new, lets running calls settle, then throws the first error', async () => {
    const started: number[] = []
    let settled = 0
    const err = await mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n)
      await new Promise((r) => setImmediate(r))
      settled++
      if (n === 0) throw new Error('first')
      if (n === 1) throw new Error('second')
    }).catch((e: Error) => e)
    expect((err as Error).message).toBe('first')
    expect(started).toEqual([0, 1])
    expect(settled).toBe(2)
  })

  it('handles an empty list and odd limits', async () => {
    await mapLimit([], 4, async () => {
      throw new Error('never')
    })
    const seen: number[] = []
    for (const limit of [0, -3, Number.NaN, 2.5]) await mapLimit([1, 2], limit, async (n) => void seen.push(n))
    expect(seen).toEqual([1, 2, 1, 2, 1, 2, 1, 2])
  })
})

describe('compareCodePoints', () => {
  it('orders by code point: astral characters after U+FFxx (UTF-16 code units would put them before)', () => {
    const list = ['\u{1F600}', '\uFF5E', '\uFFFD', 'z', '\u{10000}', '\uE000', 'A']
    expect([...list].sort(compareCodePoints)).toEqual(['A', 'z', '\uE000', '\uFF5E', '\uFFFD', '\u{10000}', '\u{1F600}'])
    // Default sort (code units) differs exactly there: the test would fail with it.
    expect([...list].sort()).not.toEqual([...list].sort(compareCodePoints))
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0)
    expect(compareCodePoints('a\u{1F600}', 'a\u{1F600}')).toBe(0)
  })

  it('agrees in sign with a code-point comparison on random strings (ASCII, U+D7FF, U+E000+, pairs and lone surrogates)', () => {
    // Oracle independent of the implementation: the strings as code points (string iteration pairs surrogates; a
    // lone one stays its own unit, which is its code point), compared element by element.
    const walk = (a: string, b: string) => {
      const x = Array.from(a, (c) => c.codePointAt(0)!)
      const y = Array.from(b, (c) => c.codePointAt(0)!)
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return Math.sign(x[i]! - y[i]!)
      return Math.sign(x.length - y.length)
    }
    const units = ['a', 'b', '/', '\u00e9', '\ud7ff', '\ue000', '\uffff', '\ud83d\ude00', '\ud800', '\udc00']
    let seed = 7 // xorshift32: reproducible, every residue reachable
    const rnd = (n: number) => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return (seed >>> 0) % n
    }
    const str = () => Array.from({ length: rnd(5) }, () => units[rnd(units.length)]).join('')
    for (let i = 0; i < 20000; i++) {
      const a = str()
      const b = rnd(4) === 0 ? a : str()
      expect(Math.sign(compareCodePoints(a, b)), JSON.stringify([a, b])).toBe(walk(a, b))
    }
  })
})
