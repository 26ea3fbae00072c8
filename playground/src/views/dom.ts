// A tiny element builder: the page is small enough that a framework would be the biggest thing on it.
type Child = Node | string | null | undefined | false
export function h(tag: string, attrs: Record<string, string | undefined> = {}, ...children: (Child | Child[])[]): HTMLElement {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v)
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c)
  return el
}
