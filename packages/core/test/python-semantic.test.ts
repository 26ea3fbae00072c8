// pysem1 properties 1-5 (issue 3) on hand-written cases. Every pair is also shown to Python's own ast
// (one python3 run, same normalisation as the corpus judge) so a case can never assert the wrong thing.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { GRAMMAR_VERSION, GRAMMAR_WASM_SHA256, grammarWasmSha256 } from '../src/python/parser.js'
import { PYSEM_HEADER, semanticDigest, semanticTokens } from '../src/python/semantic.js'

const here = dirname(fileURLToPath(import.meta.url))
const judgeScript = join(here, '..', 'test-corpus', 'ast_judge.py')
const hasPython = spawnSync('python3', ['--version']).status === 0

const digest = async (src: string | Uint8Array) => (await semanticDigest(typeof src === 'string' ? Buffer.from(src, 'utf8') : src, 'case.py')).digest

/** Normalised ast.dump hashes of many sources in one python3 run (null: Python cannot parse it). */
function astDumps(sources: string[]): (string | null)[] {
  const input = sources.map((src) => JSON.stringify({ op: 'dump', src })).join('\n') + '\n'
  const r = spawnSync('python3', [judgeScript], { input, encoding: 'utf8', maxBuffer: 1 << 26 })
  return r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { ok: boolean; dump: string }).ok ? (JSON.parse(l) as { dump: string }).dump : null)
}

// [description, a, b]: formatting only, Python's AST is the same.
const SAME: [string, string, string][] = [
  ['comments', 'x = 1\n', '# c\nx = 1  # trailing\n# end\n'],
  ['blank lines', 'def f():\n    return 1\n', '\n\ndef f():\n\n    return 1\n\n\n'],
  ['whitespace', 'x=f(a,b)+c[1:2]\n', 'x = f( a , b ) + c[ 1 : 2 ]\n'],
  ['indentation width', 'if a:\n    b()\n    if c:\n        d()\n', 'if a:\n  b()\n  if c:\n   d()\n'],
  ['tabs', 'if a:\n    b()\n', 'if a:\n\tb()\n'],
  ['line breaks in brackets', 'x = f(a, b, c)\n', 'x = f(\n    a,\n    b,\n    c\n)\n'],
  ['backslash continuation', 'x = a + b\n', 'x = a + \\\n    b\n'],
  ['CRLF', 'if a:\n    b = 1\n', 'if a:\r\n    b = 1\r\n'],
  ['trailing newline', 'x = 1\ny = 2\n', 'x = 1\ny = 2'],
  ['quote style', "x = 'a\"b'\n", 'x = "a\\"b"\n'],
  ['triple quotes', 'x = "abc"\n', "x = '''abc'''\n"],
  ['string prefix case', "x = B'a' + R'\\d' + F'{y}'\n", "x = b'a' + r'\\d' + f'{y}'\n"],
  ['raw vs escaped', "x = r'\\n'\n", "x = '\\\\n'\n"],
  ['escapes', "x = '\\x41\\u00e9\\101'\n", "x = 'A\u00e9A'\n"],
  ['raw string ending in an escaped quote', String.raw`x = r'\"' + r'a\'b'` + '\n', String.raw`x = r"\"" + r"a\'b"` + '\n'],
  ['u prefix', "x = u'a'\n", "x = 'a'\n"],
  ['redundant parentheses', 'return_ = (a)\nfor (x) in (y):\n    print((x))\n', 'return_ = a\nfor x in y:\n    print(x)\n'],
  ['parenthesised tuple target', 'for (x, y) in z:\n    pass\n', 'for x, y in z:\n    pass\n'],
  ['return tuple', 'def f():\n    return (1, 2)\n', 'def f():\n    return 1, 2\n'],
  ['magic trailing comma', 'f(a, b)\nx = [1, 2]\ndef g(a, b): pass\n', 'f(a, b,)\nx = [1, 2,]\ndef g(a, b,): pass\n'],
  ['subscript tuple', 'a[1, 2]\n', 'a[(1, 2)]\n'],
  ['subscript one-tuple', 'a[1,]\n', 'a[(1,)]\n'],
  ['hex case', 'x = 0XFF\n', 'x = 0xff\n'],
  ['hex vs decimal', 'x = 0xff\n', 'x = 255\n'],
  ['exponent case', 'x = 1E5\n', 'x = 1e5\n'],
  ['float spellings', 'x = 1e5\n', 'x = 100000.0\n'],
  ['digit separators', 'x = 1_000\n', 'x = 1000\n'],
  ['imaginary', 'x = 1J\n', 'x = 1.0j\n'],
  ['empty class parens', 'class A():\n    pass\n', 'class A:\n    pass\n'],
  ['generator argument', 'f(x for x in y)\n', 'f((x for x in y))\n'],
  ['semicolons', 'a = 1; b = 2\n', 'a = 1\nb = 2\n'],
  ['one-line block', 'if a: b()\n', 'if a:\n    b()\n'],
  ['docstring indentation', 'def f():\n    """Doc.\n\n    More.\n    """\n', 'def f():\n        """Doc.\n\n        More.\n        """\n'],
  ['docstring trailing spaces', 'class A:\n    """ Doc.   \n    """\n', 'class A:\n    """Doc."""\n'],
  ['f-string braces', "x = f'{{a}}{b!r:>{w}}'\n", 'x = f"{{a}}{b!r:>{w}}"\n'],
  ['BOM', '\ufeffx = 1\n', 'x = 1\n'],
  ['comment lines in strings are not comments, comment lines elsewhere are', 'x = """\n# kept\n"""\n', 'x = """\n# kept\n"""\n# dropped\n'],
  // Issue 13: spellings of one program that had two digests, and valid syntax that fell back to bytes.
  ['empty step', 'x[1::]\ny[::]\n', 'x[1:]\ny[:]\n'],
  ['match: list and tuple sequence patterns', 'match x:\n    case [a, b]:\n        pass\n', 'match x:\n    case (a, b):\n        pass\n'],
  ['match: open sequence pattern', 'match x:\n    case a, b:\n        pass\n', 'match x:\n    case (a, b):\n        pass\n'],
  ['match: parenthesised pattern', 'match x:\n    case (y):\n        pass\n', 'match x:\n    case y:\n        pass\n'],
  ['f-string spec starting with =', 'x = f"{y:=^10}"\n', "x = f'{y:=^10}'\n"],
  ['starred sum', 'x = [*a + b]\n', 'x = [*(a + b)]\n'],
  ['tabs to the next multiple of 8', 'if a:\n    \tb = 1\n    \tc = 2\n', 'if a:\n        b = 1\n        c = 2\n'],
]

// Python's AST changes: the digest must change.
const DIFFERENT: [string, string, string][] = [
  ['rename', 'x = 1\n', 'y = 1\n'],
  ['literal', 'x = 1\n', 'x = 2\n'],
  ['int vs float', 'x = 1\n', 'x = 1.0\n'],
  ['operator', 'x = a + b\n', 'x = a - b\n'],
  ['comparison', 'x = a is b\n', 'x = a is not b\n'],
  ['string contents', "x = 'a'\n", "x = 'b'\n"],
  ['bytes vs str', "x = b'a'\n", "x = 'a'\n"],
  ['f-string vs plain', "x = f'a'\n", "x = 'a'\n"],
  ['decorator', '@a\ndef f(): pass\n', '@b\ndef f(): pass\n'],
  ['decorator removed', '@a\ndef f(): pass\n', 'def f(): pass\n'],
  ['statement nesting', 'if a:\n    b()\nc()\n', 'if a:\n    b()\n    c()\n'],
  ['return value', 'def f(x):\n    return\n    x\n', 'def f(x):\n    return x\n'],
  ['one-tuple vs value', 'x = (1,)\n', 'x = (1)\n'],
  ['subscript one-tuple vs value', 'a[1,]\n', 'a[1]\n'],
  ['del targets', 'del (a, b)\n', 'del a, b\n'],
  ['assert message', 'assert a, b\n', 'assert (a, b)\n'],
  ['slices', 'x[1:]\n', 'x[:1]\n'],
  ['list vs tuple target', '[a, b] = c\n', 'a, b = c\n'],
  ['docstring content', 'def f():\n    """A."""\n', 'def f():\n    """B."""\n'],
  ['non-docstring indentation counts', 'def f():\n    x = """a\n    b"""\n', 'def f():\n    x = """a\n        b"""\n'],
  ['async', 'async def f(): pass\n', 'def f(): pass\n'],
  ['star args', 'f(*a)\n', 'f(**a)\n'],
  ['keyword argument', 'f(a=1)\n', 'f(b=1)\n'],
  ['default', 'def f(a=1): pass\n', 'def f(a=2): pass\n'],
  ['raw backslash', "x = r'\\n'\n", "x = '\\n'\n"],
  ['f-string debug text', "x = f'{a=}'\n", "x = f'{a = }'\n"],
  ['global vs nonlocal', 'def f():\n    global a\n', 'def f():\n    nonlocal a\n'],
  ['elif order', 'if a:\n    x()\nelif b:\n    y()\n', 'if b:\n    x()\nelif a:\n    y()\n'],
  ['unicode', "x = 'é'\n", "x = 'e'\n"],
  ['string escape value', "x = '\\t'\n", "x = '\\n'\n"],
  ['raw string ending in an escaped quote, other content', String.raw`x = r"\""` + '\n', String.raw`x = r"\'"` + '\n'],
  ['except star', 'try:\n    pass\nexcept* E:\n    pass\n', 'try:\n    pass\nexcept E:\n    pass\n'],
  // Issue 13: tree-sitter-python's tree had another shape than CPython's AST, so these collided.
  ['& binds tighter than ^', 'x = a & b ^ c\n', 'x = a & (b ^ c)\n'],
  ['^ binds looser than &', 'x = a ^ b & c\n', 'x = (a ^ b) & c\n'],
  ['walrus takes the whole ternary', 'f(y := a if b else c)\n', 'f((y := a) if b else c)\n'],
  ['f-string format spec, not a walrus', 'x = f"{y:=10}"\n', 'x = f"{(y:=10)}"\n'],
  ['f-string format spec after a walrus-looking field', 'x = f"{p or y := a}"\n', 'x = f"{p or (y := a)}"\n'],
  ['await binds tighter than **', 'async def f():\n    return await a ** b\n', 'async def f():\n    return await (a ** b)\n'],
  ['parenthesised BoolOp is not flattened', 'x = (a or b) or c\n', 'x = a or b or c\n'],
  ['annotation simple flag', '(x): int = 1\n', 'x: int = 1\n'],
  ['trailing comma in a type subscript', 'x: A[B,] = 1\n', 'x: A[B] = 1\n'],
  ['trailing comma makes a statement a tuple', 'x,\n', 'x\n'],
  ['match: one-element open sequence', 'match x:\n    case a,:\n        pass\n', 'match x:\n    case a:\n        pass\n'],
  ['surrogate pair escapes are two code points', "x = '\\ud83d\\ude00'\n", "x = '\\U0001F600'\n"],
  ['surrogate pair escapes across concatenation', "x = '\\ud83d' '\\ude00'\n", "x = '\\U0001F600'\n"],
  ['docstring tabs expand to the next multiple of 8', 'def f():\n    """a\tb"""\n', 'def f():\n    """a        b"""\n'],
  ['docstring: U+FEFF is not whitespace for Python', 'def f():\n    """a\ufeff"""\n', 'def f():\n    """a"""\n'],
]

// Python rejects these, tree-sitter-python accepts them: they must fall back to the byte digest (issue 13).
const REJECTED: [string, string][] = [
  ['leading zero', 'x = 07\n'],
  ['trailing underscore', 'x = 1000_\n'],
  ['double underscore', 'x = 1__0\n'],
  ['Python 2 long', 'x = 10L\n'],
  ['bytes and str mixed', 'x = b"a" "b"\n'],
  ['ur prefix', 'x = ur"a"\n'],
  ['non-ASCII bytes', 'x = b"\u00e9"\n'],
  ['truncated \\x escape', "x = '\\x4'\n"],
  ['code point above U+10FFFF', "x = '\\U00110000'\n"],
  ['unexpected indent', 'a = 1\n    b = 2\n'],
  ['unexpected indent after a one-line block', 'if a: b = 1\n    c = 2\n'],
  ['unindent to no outer level', 'if a:\n    b = 1\n  c = 2\n'],
  ['TabError', 'if a:\n        b = 1\n\tc = 2\n'],
  ['<> operator', 'x = a <> b\n'],
  ['print statement', 'print "x"\n'],
  ['await as a name', 'await = 1\n'],
  ['walrus as a statement', 'y := 1\n'],
  ['walrus returned', 'def f():\n    return y := 1\n'],
  ['lambda as an operand', 'x = p or lambda: a\n'],
  ['ternary as a condition', 'x = a if b if c else d else e\n'],
  ['yield in a list', 'def f():\n    x = [yield a]\n'],
  ['await of a unary operator', 'async def f():\n    await -a\n'],
  ['parenthesised star', 'x = p + (*a)\n'],
  ['star of a BoolOp in a list', 'x = [*a or b]\n'],
  ['lambda in an f-string field', 'x = f"{lambda x: 1}"\n'],
  ['two iterables in a comprehension', 'x = [z for z in a, b]\n'],
  ['100 levels of indentation (CPython: too many)', Array.from({ length: 100 }, (_, i) => ' '.repeat(i) + 'if a:\n').join('') + ' '.repeat(100) + 'pass\n'],
]

describe.skipIf(!hasPython)('pysem1 against Python\'s ast', () => {
  it('the hand-written cases mean what they say (python3 ast as the judge)', () => {
    const dumps = astDumps([...SAME, ...DIFFERENT].flatMap(([, a, b]) => [a, b]))
    SAME.forEach(([name], i) => {
      expect(dumps[2 * i], name).not.toBeNull()
      expect(dumps[2 * i + 1], name).toBe(dumps[2 * i])
    })
    DIFFERENT.forEach(([name], j) => {
      const i = SAME.length + j
      expect(dumps[2 * i], name).not.toBeNull()
      expect(dumps[2 * i + 1], name).not.toBe(dumps[2 * i])
    })
  })

  it('the rejected cases are rejected by Python', () => {
    const dumps = astDumps(REJECTED.map(([, src]) => src))
    REJECTED.forEach(([name], i) => expect(dumps[i], name).toBeNull())
  })
})

describe('pysem1 properties', () => {
  it.each(SAME)('2. formatting keeps the digest: %s', async (_name, a, b) => {
    const [da, db] = [await digest(a), await digest(b)]
    expect(da).toMatch(/^pysem1:[0-9a-f]{64}$/)
    expect(db).toBe(da)
  })

  it.each(DIFFERENT)('1. a program change changes the digest: %s', async (_name, a, b) => {
    const [da, db] = [await digest(a), await digest(b)]
    expect(da).toMatch(/^pysem1:/)
    expect(db).toMatch(/^pysem1:/)
    expect(db).not.toBe(da)
  })

  it('3. docstrings: content counts, indentation does not (inspect.cleandoc)', async () => {
    const tokens = await semanticTokens('def f():\n    """\n    Title.\n\n      Indented.\n    """\n')
    expect(tokens).toContain('s' + JSON.stringify('Title.\n\n  Indented.'))
  })

  it('4. the version identity pins the normalisation and the grammar wasm', async () => {
    // A grammar upgrade changes trees: it must fail here, loudly, and come with a new pysem version.
    expect(GRAMMAR_VERSION).toBe('tree-sitter-python@0.25.0')
    expect(grammarWasmSha256()).toBe(GRAMMAR_WASM_SHA256)
    expect(GRAMMAR_WASM_SHA256).toBe('16108b50df4ee9a30168794252ab55e7c93bfc5765d7fa0aa3e335752c515f47')
    expect(JSON.parse(readFileSync(join(here, '..', '..', '..', 'node_modules', 'tree-sitter-python', 'package.json'), 'utf8')).version).toBe('0.25.0')
    expect(PYSEM_HEADER).toBe(`pysem1\nnormalisation 1\ntree-sitter-python@0.25.0\nsha256:${GRAMMAR_WASM_SHA256}\n`)
    // Golden value: any change to the normalisation shows up here and needs a new algorithm id.
    expect(await digest('import os\n\n\ndef f(a, *, b=0x10):\n    """Doc."""\n    return [os.path.join(a, f"{b!r}") for _ in range(3)]\n')).toBe(GOLDEN)
  })

  it('5. syntax errors fall back to the byte digest with a warning naming file and line', async () => {
    const r = await semanticDigest(Buffer.from('x = 1\ny = (\n\ndef f(:\n'), 'pkg/bad.py')
    expect(r.kind).toBe('bytes')
    expect(r.digest).toMatch(/^blake2b256:[0-9a-f]{64}$/)
    expect(r.warning).toMatchObject({ code: 'SEMANTIC_FALLBACK', file: 'pkg/bad.py' })
    expect(r.warning!.line).toBeGreaterThanOrEqual(2)
    // The location is in file/line; printers prefix it, so the message must not repeat it.
    expect(r.warning!.message).not.toContain('pkg/bad.py')
  })

  it.each(REJECTED)('5. source Python rejects falls back to bytes with the line: %s', async (_name, src) => {
    const r = await semanticDigest(Buffer.from(src, 'utf8'), 'pkg/bad.py')
    expect(r.kind).toBe('bytes')
    expect(r.warning).toMatchObject({ code: 'SEMANTIC_FALLBACK', file: 'pkg/bad.py' })
    expect(r.warning!.message).toMatch(/syntax error/)
  })

  it('5. the warning names the line of the construct Python rejects', async () => {
    const r = await semanticDigest(Buffer.from('x = 1\ny = 2\nz = 0777\n'), 'n.py')
    expect(r.warning).toMatchObject({ line: 3 })
    expect(r.warning!.message).toContain('0777')
    const indent = await semanticDigest(Buffer.from('def f():\n    a = 1\n\n      b = 2\n'), 'i.py')
    expect(indent.warning).toMatchObject({ line: 4 })
    expect(indent.warning!.message).toContain('IndentationError')
  })

  it('99 levels of indentation are still Python (CPython\'s limit is 100)', async () => {
    const src = Array.from({ length: 99 }, (_, i) => ' '.repeat(i) + 'if a:\n').join('') + ' '.repeat(99) + 'pass\n'
    expect(astDumps([src])[0]).not.toBeNull()
    expect((await semanticDigest(Buffer.from(src), 'deep.py')).kind).toBe('semantic')
  })

  it('PEP 263: a coding cookie decides how the bytes are read', async () => {
    const latin1 = Buffer.from('# -*- coding: latin-1 -*-\nx = \'\u00e9\'\n', 'latin1')
    const utf8 = Buffer.from('x = \'\u00e9\'\n', 'utf8')
    // The same bytes C3 A9 are 'Ã©' in a Latin-1 file and 'é' in a UTF-8 one.
    const mojibake = Buffer.concat([Buffer.from('#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-1 :\nx = \''), Buffer.from([0xc3, 0xa9]), Buffer.from('\'\n')])
    expect((await semanticDigest(latin1, 'l.py')).digest).toBe(await digest(utf8))
    expect((await semanticDigest(mojibake, 'm.py')).digest).toBe(await digest('x = \'\u00c3\u00a9\'\n'))
    expect((await semanticDigest(mojibake, 'm.py')).digest).not.toBe(await digest(utf8))
    // The cookie on line 3 does not count (PEP 263): still UTF-8.
    const late = Buffer.concat([Buffer.from('x = 1\ny = 2\n# coding: latin-1\nz = \''), Buffer.from([0xc3, 0xa9]), Buffer.from('\'\n')])
    expect((await semanticDigest(late, 'late.py')).digest).toBe(await digest('x = 1\ny = 2\nz = \'\u00e9\'\n'))
    // An encoding pysem1 does not decode is reported, never guessed.
    const other = await semanticDigest(Buffer.from('# coding: cp1252\nx = 1\n'), 'c.py')
    expect(other).toMatchObject({ kind: 'bytes', warning: { line: 1 } })
    expect(other.warning!.message).toContain('cp1252')
    // Python agrees: the Latin-1 file and the UTF-8 file are one program.
    const judge = spawnSync('python3', ['-c', 'import ast,sys;print(ascii(ast.dump(ast.parse(sys.stdin.buffer.read()))))'], { input: latin1, encoding: 'utf8' })
    expect(judge.stdout).toContain("value='\\xe9'")
  })

  it('5. non-UTF-8 and NUL bytes fall back with the line', async () => {
    const latin1 = await semanticDigest(Buffer.from([0x78, 0x3d, 0x31, 0x0a, 0x79, 0x3d, 0x27, 0xe9, 0x27, 0x0a]), 'l.py')
    expect(latin1).toMatchObject({ kind: 'bytes', warning: { line: 2, file: 'l.py' } })
    const nul = await semanticDigest(Buffer.from('x = 1\ny = 2\0\n'), 'n.py')
    expect(nul).toMatchObject({ kind: 'bytes', warning: { line: 2 } })
  })

  it('hostile input: deep nesting, a 10 MB line, empty and comment-only files never crash or hang', async () => {
    const deep = await semanticDigest(Buffer.from('x = ' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '\n'), 'deep.py')
    expect(['semantic', 'bytes']).toContain(deep.kind)
    // 300 nested blocks: more than CPython's 100 levels of indentation, so a syntax error (fallback).
    const deepBlocks = await semanticDigest(Buffer.from(Array.from({ length: 300 }, (_, i) => ' '.repeat(i) + 'if a:\n').join('') + ' '.repeat(300) + 'pass\n'), 'blocks.py')
    expect(deepBlocks.kind).toBe('bytes')
    // Data, not code: over the parser's token limit (screen.ts), digested by bytes with a warning.
    const long = await semanticDigest(Buffer.from('x = [' + '1, '.repeat(3_400_000) + ']\n'), 'long.py')
    expect(long).toMatchObject({ kind: 'bytes', warning: { file: 'long.py', message: expect.stringContaining('tokens') } })
    expect((await semanticDigest(Buffer.from(''), 'e.py')).kind).toBe('semantic')
    expect(await digest('# only\n# comments\n')).toBe(await digest(''))
  }, 120_000)

  it('a run of 10,000 comment lines in a function hashes in linear time', async () => {
    const src = 'def f():\n    x = 1\n' + '    # commented-out code = 1\n'.repeat(10_000) + '    return x\n'
    await digest('x = 1\n') // parser start-up is not what we measure
    const t0 = performance.now()
    const d = await digest(src)
    const ms = performance.now() - t0
    console.log(`10,000 comment lines in a function: ${ms.toFixed(0)} ms`)
    expect(d).toBe(await digest('def f():\n    x = 1\n    return x\n'))
    expect(ms).toBeLessThan(5000)
  })

  it('comment-looking lines inside strings are kept (and parsed correctly when the light scan is fooled)', async () => {
    expect(await digest('x = """\n# a\n"""\n')).not.toBe(await digest('x = """\n# b\n"""\n'))
    expect(await digest("x = '''\n# a\n'''\n")).not.toBe(await digest("x = '''\n# b\n'''\n"))
    // A quote inside a comment must not open a string for the scan.
    expect(await digest("# don't\nx = '''\n# a\n'''\n")).not.toBe(await digest("# don't\nx = '''\n# b\n'''\n"))
  })
})

const GOLDEN = 'pysem1:3b96c5db30a8373162fe96e1876c5f66c94bce5ac3f0a7614c791ecd2c6a8ef6'

describe('pysem1 token streaming', () => {
  // The digest streams tokens into BLAKE2b in batches; it must equal the hash of the whole stream written out.
  const written = async (src: string) => {
    const { blake2b256Hex } = await import('../src/digest/blake2b.js')
    const tokens = await semanticTokens(src)
    expect(tokens).not.toBeNull()
    return `pysem1:${await blake2b256Hex(PYSEM_HEADER + tokens!.join('\n'))}`
  }

  it('equals the written-out stream for a file of many batches, strings spanning batch edges', async () => {
    const lines = Array.from({ length: 6000 }, (_, i) => `v${i} = f"{a}-${i}" + 'x' * ${i}  # note\n`)
    const src = `"""Doc."""\n${lines.join('')}big = """\n${'line\n'.repeat(3000)}"""\n`
    expect((await semanticTokens(src))!.length).toBeGreaterThan(3 * 16384)
    expect(await digest(src)).toBe(await written(src))
  })

  it('starts over cleanly when comment blanking must be undone (a # line the light scan misread)', async () => {
    // PEP 701 nested quotes fool the scan into thinking line 3 is code; it is inside the string of line 2.
    const src = `s = f"{"'''"}"\nt = '''\n# inside the string\n'''\n`
    const other = src.replace('# inside the string', '# changed text')
    expect(await digest(src)).toMatch(/^pysem1:/)
    expect(await digest(src)).toBe(await written(src))
    expect(await digest(other)).not.toBe(await digest(src))
  })
})
