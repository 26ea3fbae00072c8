// A small random Python program model, rendered in many formattings (same AST) and mutated (different AST),
// for the semantic digest properties. Python's own `ast.dump` checks the generator (properties.test.ts).

export type Expr =
  | { t: 'int'; v: number; hex: boolean }
  | { t: 'str'; v: string }
  | { t: 'name'; id: string }
  | { t: 'bin'; op: '+' | '-' | '*'; l: Expr; r: Expr }
  | { t: 'call'; fn: string; args: Expr[] }
  | { t: 'list'; elts: Expr[] }

export type Stmt =
  | { t: 'assign'; target: string; value: Expr }
  | { t: 'expr'; value: Expr & { t: 'call' } }
  | { t: 'if'; test: Expr; body: Stmt[]; orelse: Stmt[] }
  | { t: 'def'; name: string; params: string[]; body: Stmt[]; ret: Expr }

export type Program = Stmt[]

/** Deterministic PRNG so fast-check shrinks the seed and a failure replays. */
export function prng(seed: number) {
  let s = seed >>> 0 || 1
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32 }
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)]!, chance: (p: number) => next() < p }
}
type R = ReturnType<typeof prng>

const NAMES = ['a', 'b', 'rate', 'beta', 'gamma', 'n_days', 'x1', 'data', 'café', 'S']
const WORDS = ['', 'hi', 'a b', 'prevalence', 'ü', 'x_y', '12']

function genExpr(r: R, depth: number): Expr {
  const k = depth > 2 ? r.int(3) : r.int(6)
  switch (k) {
    case 0: return { t: 'int', v: r.int(1000), hex: r.chance(0.3) }
    case 1: return { t: 'str', v: r.pick(WORDS) }
    case 2: return { t: 'name', id: r.pick(NAMES) }
    case 3: return { t: 'bin', op: r.pick(['+', '-', '*'] as const), l: genExpr(r, depth + 1), r: genExpr(r, depth + 1) }
    case 4: return { t: 'call', fn: r.pick(['f', 'g', 'print', 'np.sum']), args: Array.from({ length: r.int(4) }, () => genExpr(r, depth + 1)) }
    default: return { t: 'list', elts: Array.from({ length: r.int(4) }, () => genExpr(r, depth + 1)) }
  }
}

function genBody(r: R, depth: number, n: number): Stmt[] {
  return Array.from({ length: n }, () => genStmt(r, depth))
}

function genStmt(r: R, depth: number): Stmt {
  const k = depth > 1 ? r.int(2) : r.int(4)
  switch (k) {
    case 0: return { t: 'assign', target: r.pick(NAMES), value: genExpr(r, 0) }
    case 1: return { t: 'expr', value: { t: 'call', fn: r.pick(['f', 'print']), args: Array.from({ length: r.int(3) }, () => genExpr(r, 1)) } }
    case 2: return { t: 'if', test: genExpr(r, 1), body: genBody(r, depth + 1, 1 + r.int(3)), orelse: r.chance(0.4) ? genBody(r, depth + 1, 1 + r.int(2)) : [] }
    default: return { t: 'def', name: r.pick(['run', 'simulate', 'step']), params: NAMES.slice(0, r.int(3)), body: genBody(r, depth + 1, r.int(3)), ret: genExpr(r, 0) }
  }
}

export function genProgram(seed: number): Program {
  const r = prng(seed)
  return genBody(r, 0, 1 + r.int(6))
}

/** Formatting choices that never change Python's AST. */
export function render(p: Program, styleSeed: number | null): string {
  const r = prng(styleSeed ?? 1)
  const plain = styleSeed === null
  const ch = (p: number) => !plain && r.chance(p)
  const unit = plain ? '    ' : r.pick(['    ', '  ', ' ', '        ', '\t'])
  const eol = plain ? '\n' : r.pick(['\n', '\n', '\r\n'])
  const sp = () => (plain ? ' ' : r.pick([' ', '', '  ']))
  const quote = () => (plain ? '"' : r.pick(['"', "'"]))
  const comment = () => (ch(0.2) ? `${r.pick(['', ' ', '  '])}# ${r.pick(['note', 'TODO: x = 1', '"quoted"', '#', 'ü'])}` : '')

  // Inside brackets a line break and any indentation are free.
  const sep = (inBrackets: boolean) => (inBrackets && ch(0.15) ? `,${comment()}${eol}${' '.repeat(r.int(9))}` : `,${sp()}`)

  const expr = (e: Expr, inBrackets: boolean): string => {
    const s = bare(e, inBrackets)
    return ch(0.1) ? `(${sp()}${s}${sp()})` : s
  }
  const bare = (e: Expr, inBrackets: boolean): string => {
    switch (e.t) {
      case 'int': {
        if (!e.hex) return String(e.v)
        const h = e.v.toString(16)
        return (ch(0.5) ? '0X' : '0x') + (ch(0.5) ? h.toUpperCase() : h)
      }
      case 'str': { const q = quote(); return `${q}${e.v}${q}` }
      case 'name': return e.id
      case 'bin': {
        const wrap = (x: Expr) => (x.t === 'bin' ? `(${expr(x, true)})` : expr(x, inBrackets))
        const cont = !inBrackets && ch(0.1) ? ` \\${eol}${' '.repeat(r.int(6))}` : sp()
        return `${wrap(e.l)}${sp()}${e.op}${cont}${wrap(e.r)}`
      }
      case 'call': return `${e.fn}(${list(e.args)})`
      case 'list': return `[${list(e.elts)}]`
    }
  }
  const list = (xs: Expr[]): string => {
    if (xs.length === 0) return ch(0.2) ? ' ' : ''
    const body = xs.map((x) => expr(x, true)).reduce((acc, s, i) => (i === 0 ? s : acc + sep(true) + s), '')
    return body + (ch(0.2) ? ',' : '')
  }

  const lines: string[] = []
  const blank = () => { if (ch(0.25)) lines.push(ch(0.3) ? r.pick([' ', '\t', '   ']) : '') }
  const block = (ss: Stmt[], depth: number) => {
    const ind = unit.repeat(depth)
    for (const s of ss) {
      blank()
      if (ch(0.1)) lines.push(`${ch(0.5) ? ind : ''}# ${r.pick(['a comment', 'if x:', 'return 0'])}`)
      switch (s.t) {
        case 'assign': lines.push(`${ind}${s.target}${sp()}=${sp()}${expr(s.value, false)}${comment()}`); break
        case 'expr': lines.push(`${ind}${bare(s.value, false)}${comment()}`); break
        case 'if':
          lines.push(`${ind}if ${expr(s.test, false)}${sp()}:${comment()}`)
          block(s.body, depth + 1)
          if (s.orelse.length) { lines.push(`${ind}else${sp()}:${comment()}`); block(s.orelse, depth + 1) }
          break
        case 'def':
          lines.push(`${ind}def ${s.name}(${s.params.join(`,${sp()}`)})${sp()}:${comment()}`)
          block(s.body, depth + 1)
          lines.push(`${ind}${unit}return ${expr(s.ret, false)}${comment()}`)
          break
      }
    }
  }
  block(p, 0)
  blank()
  return lines.join(eol) + (plain || ch(0.8) ? eol : '')
}

export type Mutation = 'rename' | 'literal' | 'operator' | 'dedent'

/** A copy of `p` with one change that Python's AST sees, or null when `p` has no place for it. */
export function mutate(p: Program, kind: Mutation, seed: number): Program | null {
  const q: Program = structuredClone(p)
  const r = prng(seed)
  const exprs: Expr[] = []
  const stmts: Stmt[] = []
  const blocks: Stmt[][] = []
  const walkE = (e: Expr) => {
    exprs.push(e)
    if (e.t === 'bin') { walkE(e.l); walkE(e.r) } else if (e.t === 'call') e.args.forEach(walkE); else if (e.t === 'list') e.elts.forEach(walkE)
  }
  const walkS = (ss: Stmt[]) => {
    blocks.push(ss)
    for (const s of ss) {
      stmts.push(s)
      if (s.t === 'assign') walkE(s.value)
      else if (s.t === 'expr') walkE(s.value)
      else if (s.t === 'if') { walkE(s.test); walkS(s.body); if (s.orelse.length) walkS(s.orelse) }
      else { walkS(s.body); walkE(s.ret) }
    }
  }
  walkS(q)
  if (kind === 'rename') {
    const names = exprs.filter((e): e is Expr & { t: 'name' } => e.t === 'name')
    const targets = stmts.filter((s): s is Stmt & { t: 'assign' } => s.t === 'assign')
    const all = [...names.map((n) => () => { n.id += '_m' }), ...targets.map((s) => () => { s.target += '_m' })]
    if (!all.length) return null
    r.pick(all)()
  } else if (kind === 'literal') {
    const lits = exprs.filter((e) => e.t === 'int' || e.t === 'str')
    if (!lits.length) return null
    const e = r.pick(lits)
    if (e.t === 'int') e.v += 1
    else if (e.t === 'str') e.v += 'm'
  } else if (kind === 'operator') {
    const bins = exprs.filter((e): e is Expr & { t: 'bin' } => e.t === 'bin')
    if (!bins.length) return null
    const b = r.pick(bins)
    b.op = b.op === '+' ? '-' : '+'
  } else {
    // Move the last statement of an if-body out of the block: only indentation differs in the source.
    for (const ss of blocks) {
      const i = ss.findIndex((s) => s.t === 'if' && s.body.length >= 2 && s.orelse.length === 0)
      if (i < 0) continue
      const s = ss[i] as Stmt & { t: 'if' }
      ss.splice(i + 1, 0, s.body.pop()!)
      return q
    }
    return null
  }
  return q
}
