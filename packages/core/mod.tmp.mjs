import { Parser } from 'web-tree-sitter'
const mod = {}
await Parser.init(mod)
console.log(typeof mod.setValue, typeof mod.getValue, mod.HEAP32?.constructor?.name, Object.keys(mod).length)
