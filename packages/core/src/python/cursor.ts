// The pysem1 walk's tree cursor. web-tree-sitter passes a cursor to WASM through one shared transfer buffer: every
// call writes the cursor's four words into it and every move reads them back (about 8 heap accesses per call, and
// the walk makes several calls per node). The C side leaves the buffer holding the cursor after each call, so while
// nothing else touches the buffer those copies are redundant: this cursor calls the WASM functions directly and
// copies its words only when the buffer was used by someone else in between.
import type { Node, Point, TreeCursor } from 'web-tree-sitter'

/** What the walk (normalize.ts, string-walk.ts, shapes.ts) asks of a cursor: web-tree-sitter's TreeCursor fits. */
export type WalkCursor = Pick<
  TreeCursor,
  'gotoFirstChild' | 'gotoNextSibling' | 'gotoParent' | 'nodeTypeId' | 'nodeType' | 'nodeIsNamed' | 'startIndex' | 'endIndex' | 'currentFieldId' | 'currentFieldName' | 'currentNode' | 'startPosition' | 'endPosition' | 'nodeText' | 'delete'
>

/** The cursor functions of web-tree-sitter's WASM binding (each reads the cursor from the transfer buffer). */
interface Binding {
  HEAP32: Int32Array
  _ts_init(): number
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number
  _ts_tree_cursor_goto_parent_wasm(tree: number): number
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number
  _ts_tree_cursor_current_node_is_named_wasm(tree: number): number
  _ts_tree_cursor_start_index_wasm(tree: number): number
  _ts_tree_cursor_end_index_wasm(tree: number): number
  _ts_tree_cursor_current_field_id_wasm(tree: number): number
}
const FUNCTIONS = [
  '_ts_init',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_current_node_is_named_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
] as const

/** web-tree-sitter's TreeCursor internals this relies on: the four words it marshals, and its tree's address. */
interface Internals {
  handles: number[]
  tree: { 0: number; language: { types: string[]; fields: (string | null)[] } }
}

let binding: Binding | undefined
/** HEAP32 index of the transfer buffer. */
let transfer = 0
/** The cursor whose words the transfer buffer holds (newer than its handles), if any. */
let owner: FastCursor | undefined

/**
 * Called from the binding's setValue/getValue (parser.ts), which every other use of the transfer buffer goes
 * through first: the owner copies its words back before they are overwritten.
 */
export function releaseTransfer(): void {
  if (owner) {
    owner.save()
    owner = undefined
  }
}

/** Enable fast cursors on `module` (the initialised binding, little-endian host, setValue/getValue hooked). */
export function enableFastCursors(module: Record<string, unknown>): void {
  if (!FUNCTIONS.every((f) => typeof module[f] === 'function') || !(module.HEAP32 instanceof Int32Array)) return
  binding = module as unknown as Binding
  transfer = binding._ts_init() >> 2
}

/** A cursor for the walk over `c` (which it owns from now on): the fast one when the binding allows it. */
export function walkCursor(c: TreeCursor): WalkCursor {
  const i = c as unknown as Internals
  return binding && Array.isArray(i.handles) && i.handles.length === 4 && typeof i.tree?.[0] === 'number' ? new FastCursor(c, binding) : c
}

class FastCursor implements WalkCursor {
  private readonly h: number[]
  private readonly tree: number
  private readonly types: string[]
  private readonly fields: (string | null)[]

  constructor(
    private readonly c: TreeCursor,
    private readonly b: Binding,
  ) {
    const i = c as unknown as Internals
    this.h = i.handles
    this.tree = i.tree[0]
    this.types = i.tree.language.types
    this.fields = i.tree.language.fields
  }

  /** The transfer buffer holds this cursor (copied in if someone else used it since). */
  private load(): void {
    if (owner === this) return
    releaseTransfer()
    const H = this.b.HEAP32
    const h = this.h
    H[transfer] = h[0]!
    H[transfer + 1] = h[1]!
    H[transfer + 2] = h[2]!
    H[transfer + 3] = h[3]!
    owner = this
  }

  /** Copy the transfer buffer's words (this cursor's latest state) into the handles web-tree-sitter reads. */
  save(): void {
    const H = this.b.HEAP32
    const h = this.h
    h[0] = H[transfer]!
    h[1] = H[transfer + 1]!
    h[2] = H[transfer + 2]!
    h[3] = H[transfer + 3]!
  }

  /** Hand the cursor back to web-tree-sitter for a call this class does not make itself. */
  private plain(): TreeCursor {
    if (owner === this) releaseTransfer()
    return this.c
  }

  gotoFirstChild(): boolean {
    this.load()
    return this.b._ts_tree_cursor_goto_first_child_wasm(this.tree) === 1
  }

  gotoNextSibling(): boolean {
    this.load()
    return this.b._ts_tree_cursor_goto_next_sibling_wasm(this.tree) === 1
  }

  gotoParent(): boolean {
    this.load()
    return this.b._ts_tree_cursor_goto_parent_wasm(this.tree) === 1
  }

  get nodeTypeId(): number {
    this.load()
    return this.b._ts_tree_cursor_current_node_type_id_wasm(this.tree)
  }

  get nodeType(): string {
    return this.types[this.nodeTypeId] || 'ERROR'
  }

  get nodeIsNamed(): boolean {
    this.load()
    return this.b._ts_tree_cursor_current_node_is_named_wasm(this.tree) === 1
  }

  get startIndex(): number {
    this.load()
    return this.b._ts_tree_cursor_start_index_wasm(this.tree)
  }

  get endIndex(): number {
    this.load()
    return this.b._ts_tree_cursor_end_index_wasm(this.tree)
  }

  get currentFieldId(): number {
    this.load()
    return this.b._ts_tree_cursor_current_field_id_wasm(this.tree)
  }

  get currentFieldName(): string | null {
    return this.fields[this.currentFieldId] ?? null
  }

  get currentNode(): Node {
    return this.plain().currentNode
  }

  get startPosition(): Point {
    return this.plain().startPosition
  }

  get endPosition(): Point {
    return this.plain().endPosition
  }

  get nodeText(): string {
    return this.plain().nodeText
  }

  delete(): void {
    this.plain().delete()
  }
}
