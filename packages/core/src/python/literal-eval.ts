// ast.literal_eval on a tree-sitter node: the literal arguments discovery reads from decorators
// (`@model_output("name")`, `@calibration_target(data={...})`), never evaluating anything else.
import type { Node } from 'web-tree-sitter'
import { decodeStringBody } from './literals.js'

/** A literal value as ast.literal_eval would see it, or the source text of what is not a literal. */
export type Lit = { ok: true; value: unknown } | { ok: false; text: string }

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

/** Deeper than CPython's parser goes (it stops near 200 nested brackets): such a value is not a literal to us. */
const MAX_DEPTH = 200

/** ast.literal_eval on a tree node: strings, numbers, booleans, None, and containers of them. */
export function literal(n: Node, depth = 0): Lit {
  const fail: Lit = { ok: false, text: n.text }
  if (depth > MAX_DEPTH) return fail
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
      return inner ? literal(inner, depth + 1) : fail
    }
    case 'unary_operator': {
      const arg = n.childForFieldName('argument')
      const op = n.childForFieldName('operator')?.text
      if (!arg || (op !== '-' && op !== '+')) return fail
      const v = literal(arg, depth + 1)
      return v.ok && typeof v.value === 'number' ? { ok: true, value: op === '-' ? -v.value : v.value } : fail
    }
    case 'list':
    case 'tuple':
    case 'set': {
      const items: unknown[] = []
      for (const c of n.namedChildren) {
        if (!c || c.type === 'comment') continue
        const v = literal(c, depth + 1)
        if (!v.ok) return fail
        items.push(v.value)
      }
      return { ok: true, value: items }
    }
    case 'dictionary': {
      // No prototype: a key such as "__proto__" from the file is a key like any other, never the object's prototype.
      const obj: Record<string, unknown> = Object.create(null)
      for (const c of n.namedChildren) {
        if (!c || c.type === 'comment') continue
        if (c.type !== 'pair') return fail
        const k = c.childForFieldName('key')
        const v = c.childForFieldName('value')
        if (!k || !v) return fail
        const kv = literal(k, depth + 1)
        const vv = literal(v, depth + 1)
        if (!kv.ok || !vv.ok || typeof kv.value !== 'string') return fail
        obj[kv.value] = vv.value
      }
      return { ok: true, value: obj }
    }
  }
  return fail
}

