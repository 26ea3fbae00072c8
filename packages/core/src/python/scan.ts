// Facts of one Python module read from its tree: imports, module-level classes and functions with their
// decorators and literal arguments. Discovery and the import graph build on these; nothing is executed.
import type { Node } from 'web-tree-sitter'
import { blankCommentLines } from './blank.js'
import { decodeStringBody } from './literals.js'
import { getParser } from './parser.js'

/** A literal value as ast.literal_eval would see it, or the source text of what is not a literal. */
export type Lit = { ok: true; value: unknown } | { ok: false; text: string }

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
  /** At module level (also inside module-level if/try/with), where it binds names classes can use. */
  topLevel: boolean
}

export interface ModuleInfo {
  classes: ClassInfo[]
  functions: FunctionInfo[]
  imports: ImportInfo[]
  /** 1-based line of the first syntax error, or null. */
  syntaxError: number | null
}

const line = (n: Node) => n.startPosition.row + 1

/** Dotted text of a name or attribute chain (`a.b.C`), else null. */
export function dotted(n: Node | null): string | null {
  if (!n) return null
  if (n.type === 'identifier') return n.text
  if (n.type === 'attribute') {
    const obj = dotted(n.childForFieldName('object'))
    const attr = n.childForFieldName('attribute')
    return obj && attr ? `${obj}.${attr.text}` : null
  }
  if (n.type === 'parenthesized_expression') return dotted(n.namedChildren.find((c) => c && c.type !== 'comment') ?? null)
  return null
}

function stringValue(n: Node): string | null {
  const parts = n.type === 'concatenated_string' ? n.namedChildren : [n]
  let out = ''
  for (const p of parts) {
    if (p?.type === 'comment') continue
    if (!p || p.type !== 'string') return null
    const start = p.namedChildren.find((c) => c?.type === 'string_start')
    if (!start || p.namedChildren.some((c) => c?.type === 'interpolation')) return null
    const prefix = start.text.replace(/["']/g, '').toLowerCase()
    if (prefix.includes('b')) return null
    const quote = /("""|\'\'\')$/.test(start.text) ? 3 : 1
    // The body from the source span (see normalize.ts: the grammar may fold content into string_end).
    const body = p.text.slice(start.text.length, p.text.length - quote)
    for (const piece of decodeStringBody(body, prefix.includes('r'), false, prefix.includes('f'))) out += typeof piece === 'string' ? piece : `\\N{${piece.named}}`
  }
  return out
}

/** ast.literal_eval on a tree node: strings, numbers, booleans, None, and containers of them. */
export function literal(n: Node): Lit {
  const fail: Lit = { ok: false, text: n.text }
  switch (n.type) {
    case 'string':
    case 'concatenated_string': {
      const v = stringValue(n)
      return v === null ? fail : { ok: true, value: v }
    }
    case 'integer':
    case 'float': {
      const v = Number(n.text.replace(/_/g, ''))
      return Number.isNaN(v) ? fail : { ok: true, value: v }
    }
    case 'true': return { ok: true, value: true }
    case 'false': return { ok: true, value: false }
    case 'none': return { ok: true, value: null }
    case 'parenthesized_expression': {
      const inner = n.namedChildren.find((c) => c && c.type !== 'comment')
      return inner ? literal(inner) : fail
    }
    case 'unary_operator': {
      const arg = n.childForFieldName('argument')
      const op = n.childForFieldName('operator')?.text
      if (!arg || (op !== '-' && op !== '+')) return fail
      const v = literal(arg)
      return v.ok && typeof v.value === 'number' ? { ok: true, value: op === '-' ? -v.value : v.value } : fail
    }
    case 'list':
    case 'tuple':
    case 'set': {
      const items: unknown[] = []
      for (const c of n.namedChildren) {
        if (!c || c.type === 'comment') continue
        const v = literal(c)
        if (!v.ok) return fail
        items.push(v.value)
      }
      return { ok: true, value: items }
    }
    case 'dictionary': {
      const obj: Record<string, unknown> = {}
      for (const c of n.namedChildren) {
        if (!c || c.type === 'comment') continue
        if (c.type !== 'pair') return fail
        const k = c.childForFieldName('key')
        const v = c.childForFieldName('value')
        if (!k || !v) return fail
        const kv = literal(k)
        const vv = literal(v)
        if (!kv.ok || !vv.ok || typeof kv.value !== 'string') return fail
        obj[kv.value] = vv.value
      }
      return { ok: true, value: obj }
    }
  }
  return fail
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
        if (name && value) info.kwargs.push([name, literal(value)])
      } else info.args.push(literal(a))
    }
  } else info.callee = dotted(expr)
  return info
}

function functionInfo(def: Node, decorators: Node[]): FunctionInfo | null {
  const name = def.childForFieldName('name')?.text
  if (!name) return null
  return { name, line: line(def), decorators: decorators.map(decoratorInfo) }
}

/** Definitions directly in a block, looking through decorators (and, at module level, if/try/with). */
function definitions(block: Node, intoCompound: boolean): { def: Node; decorators: Node[] }[] {
  const out: { def: Node; decorators: Node[] }[] = []
  const todo: Node[] = [block]
  while (todo.length) {
    const b = todo.shift()!
    for (const st of b.namedChildren) {
      if (!st) continue
      if (st.type === 'function_definition' || st.type === 'class_definition') out.push({ def: st, decorators: [] })
      else if (st.type === 'decorated_definition') {
        const def = st.childForFieldName('definition')
        if (def) out.push({ def, decorators: st.namedChildren.filter((c): c is Node => !!c && c.type === 'decorator') })
      } else if (intoCompound && /^(if_statement|try_statement|with_statement)$/.test(st.type)) {
        // Bodies in source order: consequence, then alternatives / handlers.
        for (const c of st.namedChildren) {
          if (!c) continue
          if (c.type === 'block') todo.push(c)
          else if (/_clause$/.test(c.type)) for (const cc of c.namedChildren) if (cc?.type === 'block') todo.push(cc)
        }
      }
    }
  }
  return out.sort((a, b) => a.def.startIndex - b.def.startIndex)
}

function importInfos(root: Node): ImportInfo[] {
  const out: ImportInfo[] = []
  for (const n of root.descendantsOfType(['import_statement', 'import_from_statement'])) {
    if (!n) continue
    let topLevel = true
    for (let p = n.parent; p; p = p.parent) if (p.type === 'function_definition' || p.type === 'class_definition') { topLevel = false; break }
    if (n.type === 'import_statement') {
      for (const c of n.namedChildren) {
        if (!c) continue
        if (c.type === 'dotted_name') out.push({ kind: 'import', module: c.text.replace(/\s+/g, ''), names: [], alias: null, line: line(n), topLevel })
        else if (c.type === 'aliased_import') {
          const mod = c.childForFieldName('name')?.text.replace(/\s+/g, '')
          const alias = c.childForFieldName('alias')?.text ?? null
          if (mod) out.push({ kind: 'import', module: mod, names: [], alias, line: line(n), topLevel })
        }
      }
    } else {
      const modNode = n.childForFieldName('module_name')
      if (!modNode) continue
      const module = modNode.text.replace(/\s+/g, '')
      const names: { name: string; alias: string | null }[] = []
      for (const c of n.namedChildren) {
        if (!c || c.equals(modNode)) continue
        if (c.type === 'wildcard_import') names.push({ name: '*', alias: null })
        else if (c.type === 'dotted_name') names.push({ name: c.text.replace(/\s+/g, ''), alias: null })
        else if (c.type === 'aliased_import') {
          const name = c.childForFieldName('name')?.text.replace(/\s+/g, '')
          if (name) names.push({ name, alias: c.childForFieldName('alias')?.text ?? null })
        }
      }
      out.push({ kind: 'from', module, names, alias: null, line: line(n), topLevel })
    }
  }
  return out
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
  const blanked = blankCommentLines(src)
  let tree = parser.parse(blanked.text)
  if (tree?.rootNode.hasError && blanked.rows.length) {
    tree.delete()
    tree = parser.parse(src)
  }
  if (!tree) return { classes: [], functions: [], imports: [], syntaxError: 1 }
  try {
    const root = tree.rootNode
    const info: ModuleInfo = { classes: [], functions: [], imports: importInfos(root), syntaxError: root.hasError ? firstError(root) : null }
    for (const { def, decorators } of definitions(root, true)) {
      if (def.type === 'function_definition') {
        const f = functionInfo(def, decorators)
        if (f) info.functions.push(f)
        continue
      }
      const name = def.childForFieldName('name')?.text
      if (!name) continue
      const bases: string[] = []
      for (const b of def.childForFieldName('superclasses')?.namedChildren ?? []) {
        const d = b ? dotted(b) : null
        if (d) bases.push(d)
      }
      const methods: FunctionInfo[] = []
      const body = def.childForFieldName('body')
      if (body) {
        for (const m of definitions(body, false)) {
          if (m.def.type !== 'function_definition') continue
          const f = functionInfo(m.def, m.decorators)
          if (f) methods.push(f)
        }
      }
      info.classes.push({ name, line: line(def), bases, methods })
    }
    return info
  } finally {
    tree.delete()
  }
}
