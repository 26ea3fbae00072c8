// Facts of one Python module read from its tree: imports, module-level classes and functions with their
// decorators and literal arguments. Discovery and the import graph build on these; nothing is executed.
import type { Node } from 'web-tree-sitter'
import { blankCommentLines } from './blank.js'
import { literal, type Lit } from './literal-eval.js'
import { getParser } from './parser.js'
import { parseUntilError, screenSource } from './screen.js'

export interface DecoratorInfo {
  /** Dotted name of the decorator (`model_output`, `cb.model_output`), or null for other expressions. */
  callee: string | null
  called: boolean
  args: Lit[]
  kwargs: [string, Lit][]
  line: number
}

export interface FunctionInfo {
  name: string
  line: number
  decorators: DecoratorInfo[]
}

export interface ClassInfo {
  name: string
  line: number
  /** Base expressions that are (dotted) names, as written; subscripts, calls and keywords are left out. */
  bases: string[]
  methods: FunctionInfo[]
}

export interface ImportInfo {
  /** `import a.b` (binds `a`, or the alias) vs `from m import n`. */
  kind: 'import' | 'from'
  /** Dotted module; relative imports keep their leading dots (`..pkg`, `.`). */
  module: string
  /** For `from` imports: imported names (`*` for a star import). */
  names: { name: string; alias: string | null }[]
  alias: string | null
  line: number
}

/** What a module-level statement binds a name to; bindings.ts evaluates these in execution order. */
export type BindValue =
  /** `import a.b` binds `a` to module `a`; `import a.b as x` binds `x` to `a.b`. */
  | { kind: 'module'; module: string }
  /** `from m import n [as k]`; `m` keeps its leading dots when relative. */
  | { kind: 'from'; module: string; name: string }
  /** `X = a.b.C` (also annotated): an alias of whatever the dotted name is at that point. */
  | { kind: 'alias'; dotted: string }
  /** `__all__ = ["a", "b"]` (a list or tuple of string literals): the names a star import takes. */
  | { kind: 'names'; names: string[] }
  /** Anything else (other assignments, loop and `with` targets, `del`): the name no longer means what it did. */
  | { kind: 'opaque' }

/** Module-level statements that bind names, in execution order. A `branch` runs one of its arms, or none when `optional`. */
export type Step =
  | { kind: 'bind'; name: string; value: BindValue }
  | { kind: 'star'; module: string }
  | { kind: 'class'; cls: ClassInfo }
  | { kind: 'function'; fn: FunctionInfo }
  | { kind: 'branch'; arms: Step[][]; optional: boolean }

export interface ModuleInfo {
  /** Module-level classes and functions that run on import (not those under `if __name__ == "__main__":`), in source order. */
  classes: ClassInfo[]
  functions: FunctionInfo[]
  /** Every import statement of the file, also inside functions and `__main__` blocks (for the import graph). */
  imports: ImportInfo[]
  /** What runs at module level on import, for name binding (see bindings.ts). */
  flow: Step[]
  /** 1-based line of the first syntax error, or null. */
  syntaxError: number | null
  /** Why the file was not parsed at all (screen.ts), if so; `syntaxError` then holds the line. */
  problem?: string
}

const line = (n: Node) => n.startPosition.row + 1

/** An identifier as Python sees it: NFKC-normalised at parse time (PEP 3131), so `Modelﬁ` is `Modelfi`. */
export function ident(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(text) ? text.normalize('NFKC') : text
}

/** A dotted name (`a . b`) without spaces, each part normalised. */
const dottedText = (n: Node) => ident(n.text.replace(/\s+/g, ''))

/** Dotted text of a name or attribute chain (`a.b.C`), else null. */
export function dotted(n: Node | null): string | null {
  if (!n) return null
  if (n.type === 'identifier') return ident(n.text)
  if (n.type === 'attribute') {
    const obj = dotted(n.childForFieldName('object'))
    const attr = n.childForFieldName('attribute')
    return obj && attr ? `${obj}.${ident(attr.text)}` : null
  }
  if (n.type === 'parenthesized_expression') return dotted(n.namedChildren.find((c) => c && c.type !== 'comment') ?? null)
  return null
}

function decoratorInfo(d: Node): DecoratorInfo {
  const expr = d.namedChildren.find((c) => c && c.type !== 'comment') ?? null
  const info: DecoratorInfo = { callee: null, called: false, args: [], kwargs: [], line: line(d) }
  if (!expr) return info
  if (expr.type === 'call') {
    info.called = true
    info.callee = dotted(expr.childForFieldName('function'))
    const args = expr.childForFieldName('arguments')
    for (const a of args?.namedChildren ?? []) {
      if (!a || a.type === 'comment') continue
      if (a.type === 'keyword_argument') {
        const name = a.childForFieldName('name')?.text
        const value = a.childForFieldName('value')
        if (name && value) info.kwargs.push([ident(name), literal(value)])
      } else info.args.push(literal(a))
    }
  } else info.callee = dotted(expr)
  return info
}

function functionInfo(def: Node, decorators: Node[]): FunctionInfo | null {
  const name = def.childForFieldName('name')?.text
  if (!name) return null
  return { name: ident(name), line: line(def), decorators: decorators.map(decoratorInfo) }
}

/** Methods defined directly in a class body, looking through decorators. */
function methods(body: Node): FunctionInfo[] {
  const out: FunctionInfo[] = []
  for (const st of body.namedChildren) {
    if (!st) continue
    const def = st.type === 'decorated_definition' ? st.childForFieldName('definition') : st
    if (def?.type !== 'function_definition') continue
    const f = functionInfo(def, st === def ? [] : st.namedChildren.filter((c): c is Node => !!c && c.type === 'decorator'))
    if (f) out.push(f)
  }
  return out
}

function classInfo(def: Node): ClassInfo | null {
  const name = def.childForFieldName('name')?.text
  if (!name) return null
  const bases: string[] = []
  for (const b of def.childForFieldName('superclasses')?.namedChildren ?? []) {
    const d = b ? dotted(b) : null
    if (d) bases.push(d)
  }
  const body = def.childForFieldName('body')
  return { name: ident(name), line: line(def), bases, methods: body ? methods(body) : [] }
}

/** The import statement `n` (import or from-import) as data; names are normalised. */
function importInfo(n: Node): ImportInfo[] {
  if (n.type === 'import_statement') {
    const out: ImportInfo[] = []
    for (const c of n.namedChildren) {
      if (!c) continue
      if (c.type === 'dotted_name') out.push({ kind: 'import', module: dottedText(c), names: [], alias: null, line: line(n) })
      else if (c.type === 'aliased_import') {
        const mod = c.childForFieldName('name')
        const alias = c.childForFieldName('alias')
        if (mod) out.push({ kind: 'import', module: dottedText(mod), names: [], alias: alias ? ident(alias.text) : null, line: line(n) })
      }
    }
    return out
  }
  const modNode = n.childForFieldName('module_name')
  if (!modNode) return []
  const names: { name: string; alias: string | null }[] = []
  for (const c of n.namedChildren) {
    if (!c || c.equals(modNode)) continue
    if (c.type === 'wildcard_import') names.push({ name: '*', alias: null })
    else if (c.type === 'dotted_name') names.push({ name: dottedText(c), alias: null })
    else if (c.type === 'aliased_import') {
      const name = c.childForFieldName('name')
      const alias = c.childForFieldName('alias')
      if (name) names.push({ name: dottedText(name), alias: alias ? ident(alias.text) : null })
    }
  }
  return [{ kind: 'from', module: dottedText(modNode), names, alias: null, line: line(n) }]
}

function importSteps(imp: ImportInfo): Step[] {
  if (imp.kind === 'import') {
    const head = imp.module.split('.')[0]!
    return [{ kind: 'bind', name: imp.alias ?? head, value: { kind: 'module', module: imp.alias ? imp.module : head } }]
  }
  return imp.names.map(({ name, alias }): Step => (name === '*' ? { kind: 'star', module: imp.module } : { kind: 'bind', name: alias ?? name, value: { kind: 'from', module: imp.module, name } }))
}

/** Every identifier a target (`a`, `a, b`, `[a, *b]`) binds; attributes and subscripts bind none. */
function targetNames(n: Node | null): string[] {
  if (!n) return []
  if (n.type === 'identifier') return [ident(n.text)]
  if (/^(pattern_list|tuple_pattern|list_pattern|list_splat_pattern|parenthesized_expression|tuple|list|expression_list|as_pattern_target)$/.test(n.type)) {
    return n.namedChildren.flatMap((c) => targetNames(c))
  }
  return []
}

const opaque = (names: string[]): Step[] => names.map((name) => ({ kind: 'bind', name, value: { kind: 'opaque' } }))

/** `X = Y = a.b` (also `X: T = a.b`): each plain name target aliases the dotted value; anything else is opaque. */
function assignmentSteps(a: Node): Step[] {
  const targets: Node[] = []
  let value: Node | null = a
  while (value?.type === 'assignment') {
    const left = value.childForFieldName('left')
    if (left) targets.push(left)
    value = value.childForFieldName('right')
  }
  const d = dotted(value)
  const lit = value ? literal(value) : null
  const names = lit?.ok && Array.isArray(lit.value) && lit.value.every((v) => typeof v === 'string') ? (lit.value as string[]).map(ident) : null
  return targets.flatMap((t): Step[] => {
    if (t.type !== 'identifier') return opaque(targetNames(t))
    const name = ident(t.text)
    if (name === '__all__' && names !== null && value?.type !== 'set') return [{ kind: 'bind', name, value: { kind: 'names', names } }]
    return d !== null ? [{ kind: 'bind', name, value: { kind: 'alias', dotted: d } }] : opaque([name])
  })
}

/**
 * `if __name__ == "__main__"` (or `!=`, either side) on import: `__name__` is the module's name, so that test is
 * false (and `!=` true). null for any other condition.
 */
function onImport(cond: Node | null): boolean | null {
  let c = cond
  while (c?.type === 'parenthesized_expression') c = c.namedChildren.find((x) => x && x.type !== 'comment') ?? null
  if (c?.type !== 'comparison_operator') return null
  const m = /^__name__(==|!=)(['"])__main__\2$/.exec(c.text.replace(/\s+/g, '')) ?? /^(['"])__main__\1(==|!=)__name__$/.exec(c.text.replace(/\s+/g, ''))
  if (!m) return null
  return (m[1] === '!=' || m[2] === '!=')
}

/** A child block by field name (or the first block child, for clauses without fields). */
function blockOf(n: Node, field?: string): Node | null {
  return (field ? n.childForFieldName(field) : null) ?? n.namedChildren.find((c) => c?.type === 'block') ?? null
}

/**
 * The statements of a module-level block as binding steps, in execution order, collecting classes and functions
 * that run on import. Function and class bodies are not entered (their names are local to them).
 */
function flowOf(block: Node, info: { classes: ClassInfo[]; functions: FunctionInfo[] }): Step[] {
  const steps: Step[] = []
  const sub = (n: Node | null) => (n ? flowOf(n, info) : [])
  for (const st of block.namedChildren) {
    if (!st) continue
    switch (st.type) {
      case 'import_statement':
      case 'import_from_statement':
        steps.push(...importInfo(st).flatMap(importSteps))
        break
      case 'class_definition':
      case 'function_definition':
      case 'decorated_definition': {
        const def = st.type === 'decorated_definition' ? st.childForFieldName('definition') : st
        if (!def) break
        const decorators = st === def ? [] : st.namedChildren.filter((c): c is Node => !!c && c.type === 'decorator')
        if (def.type === 'class_definition') {
          const cls = classInfo(def)
          if (cls) { info.classes.push(cls); steps.push({ kind: 'class', cls }) }
        } else {
          const fn = functionInfo(def, decorators)
          if (fn) { info.functions.push(fn); steps.push({ kind: 'function', fn }) }
        }
        break
      }
      case 'expression_statement':
        for (const e of st.namedChildren) {
          if (e?.type === 'assignment') steps.push(...assignmentSteps(e))
          else if (e?.type === 'augmented_assignment') steps.push(...opaque(targetNames(e.childForFieldName('left'))))
        }
        break
      case 'delete_statement':
        steps.push(...opaque(st.namedChildren.flatMap((c) => targetNames(c))))
        break
      case 'if_statement': {
        // Arms that can run on import; a condition known true there ends the chain (the rest never run).
        const clauses: [Node | null, Node | null][] = [[st.childForFieldName('condition'), st.childForFieldName('consequence')]]
        for (const alt of st.childrenForFieldName('alternative')) {
          if (!alt) continue
          clauses.push(alt.type === 'elif_clause' ? [alt.childForFieldName('condition'), alt.childForFieldName('consequence')] : [null, blockOf(alt, 'body')])
        }
        const arms: Step[][] = []
        let certain = false
        for (const [cond, body] of clauses) {
          const known = cond === null ? true : onImport(cond)
          if (known === false) continue
          arms.push(sub(body))
          if (known === true) { certain = true; break }
        }
        steps.push({ kind: 'branch', arms, optional: !certain })
        break
      }
      case 'try_statement': {
        // The body (then else) or a handler, each from the state before the try; finally always runs after.
        const body = sub(st.childForFieldName('body'))
        const handlers: Step[][] = []
        const after: Step[] = []
        for (const c of st.namedChildren) {
          if (!c) continue
          if (c.type === 'except_clause' || c.type === 'except_group_clause') {
            handlers.push([...opaque(c.namedChildren.filter((x) => x?.type === 'as_pattern').flatMap((x) => targetNames(x!.childForFieldName('alias')))), ...sub(blockOf(c))])
          } else if (c.type === 'else_clause') body.push(...sub(blockOf(c, 'body')))
          else if (c.type === 'finally_clause') after.push(...sub(blockOf(c)))
        }
        steps.push({ kind: 'branch', arms: [body, ...handlers], optional: false }, ...after)
        break
      }
      case 'for_statement':
      case 'while_statement': {
        // Zero or more iterations; the else part runs after them.
        const loop = [...opaque(targetNames(st.childForFieldName('left'))), ...sub(st.childForFieldName('body'))]
        const alt = st.childForFieldName('alternative')
        steps.push({ kind: 'branch', arms: [loop], optional: true }, ...(alt ? sub(blockOf(alt, 'body')) : []))
        break
      }
      case 'with_statement': {
        const clause = st.namedChildren.find((c) => c?.type === 'with_clause')
        const targets = (clause?.descendantsOfType('as_pattern_target') ?? []).flatMap((t) => targetNames(t))
        steps.push(...opaque(targets), ...sub(st.childForFieldName('body')))
        break
      }
      case 'match_statement': {
        const cases = (st.childForFieldName('body')?.namedChildren ?? []).filter((c): c is Node => c?.type === 'case_clause')
        steps.push({ kind: 'branch', arms: cases.map((c) => sub(c.childForFieldName('consequence'))), optional: true })
        break
      }
    }
  }
  return steps
}

function firstError(root: Node): number {
  let node = root
  for (;;) {
    let next: Node | null = null
    for (const ch of node.children) {
      if (!ch) continue
      if (ch.isError || ch.isMissing) return line(ch)
      if (ch.hasError) { next = ch; break }
    }
    if (!next) return line(node)
    node = next
  }
}

/** Read the facts of a module from its source text. Trees are always deleted. */
export async function scanSource(text: string): Promise<ModuleInfo> {
  const parser = await getParser()
  const src = text.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n')
  // Comment-only lines cannot hold definitions: blanking them keeps parsing linear (see blank.ts).
  // Data rather than code, or a syntax error (where tree-sitter's recovery can take minutes): no facts (screen.ts).
  const screened = screenSource(src)
  if (screened) return { classes: [], functions: [], imports: [], flow: [], syntaxError: screened.line, problem: screened.reason }
  const blanked = blankCommentLines(src)
  let parsed = parseUntilError(parser, blanked.text)
  if ((!('tree' in parsed) || parsed.tree.rootNode.hasError) && blanked.rows.length) {
    if ('tree' in parsed) parsed.tree.delete()
    parsed = parseUntilError(parser, src)
  }
  if (!('tree' in parsed)) return { classes: [], functions: [], imports: [], flow: [], syntaxError: parsed.errorLine }
  const { tree } = parsed
  try {
    const root = tree.rootNode
    const imports = root.descendantsOfType(['import_statement', 'import_from_statement']).flatMap((n) => (n ? importInfo(n) : []))
    const info: ModuleInfo = { classes: [], functions: [], imports, flow: [], syntaxError: root.hasError ? firstError(root) : null }
    info.flow = flowOf(root, info)
    return info
  } finally {
    tree.delete()
  }
}
