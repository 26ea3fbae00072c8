// Garbage and data in .py files (python/screen.ts): refused or stopped early, deterministic, never poisoning the parser.
import { describe, expect, it } from 'vitest'
import { getParser } from '../src/python/parser.js'
import { scanSource } from '../src/python/scan.js'
import { countTokens, MAX_TOKENS, parseUntilError, screenSource } from '../src/python/screen.js'
import { semanticDigest } from '../src/python/semantic.js'

const enc = (s: string) => new TextEncoder().encode(s)
const CODE = 'import os\n\n\nclass A:\n    """Doc."""\n\n    def f(self, x):  # comment\n        return [x, os.sep]\n'
/** 200 KB of random printable ASCII in 80-column lines (seeded): valid UTF-8, not Python. */
function printableGarbage(size = 200_000): string {
  let x = 12345
  let s = ''
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    s += i % 80 === 79 ? '\n' : String.fromCharCode(32 + ((x >> 16) % 95))
  }
  return s
}

describe('countTokens / screenSource', () => {
  it('counts names, numbers, operators and whole strings; comments and whitespace count nothing', () => {
    expect(countTokens('x = foo(1, "a b c")  # a comment with many words\n').tokens).toBe(8)
    expect(countTokens('s = """\nmany\nwords\n"""\ny = 2\n')).toEqual({ tokens: 6, line: 6 })
    expect(countTokens("r = 'it\\'s'\n").tokens).toBe(3)
    expect(screenSource(CODE)).toBeUndefined()
  })

  it('refuses more than MAX_TOKENS tokens, naming the line where the count passed it', () => {
    const line = `x = [${Array.from({ length: 20 }, (_, i) => i).join(', ')}]\n` // 43 tokens
    const text = line.repeat(Math.ceil(MAX_TOKENS / 43) + 10)
    expect(screenSource(text)).toEqual({ line: Math.floor(MAX_TOKENS / 43) + 1, reason: expect.stringContaining('more than 100,000 tokens') })
    // A huge string or comment is one token or none: not data.
    expect(screenSource(`s = "${'a '.repeat(1 << 20)}"\nx = 1  # ${'w '.repeat(1 << 20)}\n`)).toBeUndefined()
  })
})

describe('parseUntilError', () => {
  it('stops on garbage and leaves the parser clean: the next parse is of the next text, not a resumed one', async () => {
    const parser = await getParser()
    const clean = await semanticDigest(enc(CODE), 'a.py')
    const r = parseUntilError(parser, printableGarbage())
    expect(r).toEqual({ errorLine: expect.any(Number) })
    // Without a reset the parser would resume the cancelled document here.
    const again = parseUntilError(parser, CODE)
    expect('tree' in again && again.tree.rootNode.hasError).toBe(false)
    if ('tree' in again) again.tree.delete()
    expect(await semanticDigest(enc(CODE), 'a.py')).toEqual(clean)
  })
})

describe('garbage through the semantic digest and discovery', () => {
  it('printable garbage: byte digest with a warning naming the file and a line; scanSource reports a syntax error', async () => {
    const text = printableGarbage()
    const r = await semanticDigest(enc(text), 'junk.py')
    expect(r.kind).toBe('bytes')
    expect(r.warning).toMatchObject({ file: 'junk.py', line: expect.any(Number), message: expect.stringContaining('syntax error') })
    const info = await scanSource(text)
    expect(info.syntaxError).toBeGreaterThan(0)
    expect(info.classes).toEqual([])
  })

  it('a 20 MB single-line list: byte digest (too many tokens), no parse (it aborted the WASM before), parser still fine', async () => {
    const text = `x = [${'1, '.repeat(7_000_000)}]\n`
    const r = await semanticDigest(enc(text), 'data.py')
    expect(r).toMatchObject({ kind: 'bytes', warning: { file: 'data.py', line: 1, message: expect.stringContaining('more than 100,000 tokens') } })
    const info = await scanSource(text)
    expect(info).toMatchObject({ syntaxError: 1, problem: expect.stringContaining('tokens') })
    expect((await semanticDigest(enc(CODE), 'a.py')).kind).toBe('semantic')
  })
})
