// The public API is what docs/api.md lists, nothing more (an accidental export fails here), every public name
// carries JSDoc, the internal entry stays the short list below, and the start-up entry `/hash` loads none of it.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const CORE = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const DOC = resolve(CORE, '../../docs/api.md')

/** Every name a module exports (values and types), with whether it has a JSDoc comment. */
function exportsOf(files: string[]): Map<string, Map<string, { doc: boolean; value: boolean }>> {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2023,
    strict: true, skipLibCheck: true, noEmit: true, types: ['node'],
  })
  const checker = program.getTypeChecker()
  const out = new Map<string, Map<string, { doc: boolean; value: boolean }>>()
  for (const file of files) {
    const names = new Map<string, { doc: boolean; value: boolean }>()
    for (const s of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)!)!)) {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s
      const spec = s.declarations?.[0]
      const typeOnly = !!spec && ts.isExportSpecifier(spec) && (spec.isTypeOnly || spec.parent.parent.isTypeOnly)
      names.set(s.name, { doc: ts.displayPartsToString(target.getDocumentationComment(checker)).trim() !== '', value: !typeOnly && !!(target.flags & ts.SymbolFlags.Value) })
    }
    out.set(file, names)
  }
  return out
}

/** The names docs/api.md documents: its `- \`name\`` bullets, up to "Other entry points". */
function documentedNames(): string[] {
  const text = readFileSync(DOC, 'utf8').split(/^## Other entry points/m)[0]!
  return [...text.matchAll(/^- `([A-Za-z_$][\w$]*)`/gm)].map((m) => m[1]!)
}

/** Internal, not documented: what the CLI, the plugin and the benchmarks need beyond the public API. */
const INTERNAL = [
  'CacheEntryMeta', 'ModelKey', 'ModelKeys', 'OciRemoteTier', 'RemoteTier', 'closeHashPool', 'entrySource', 'formatBytes',
  'generatorInputsOf', 'idTable', 'isProjectRelative', 'outputFilePath', 'parseDuration', 'parseSize',
  'parseOciUrl', 'parseWeight', 'pullEntry', 'semanticDigestMany', 'sharedHashPool', 'strictProblems',
  'entryDetails', 'fileViews', 'findEntry', 'formatDetails', 'formatExplain', 'formatFiles', 'untrackedFiles',
  'progressAfterMs', 'writeFileAtomic',
]

describe('public API of @modelops-bundle/core', { timeout: 120_000 }, () => {
  const index = join(CORE, 'src/index.ts')
  const internal = join(CORE, 'src/internal.ts')
  const all = exportsOf([index, internal])

  it('exports exactly the names docs/api.md lists, each documented once', () => {
    const documented = documentedNames()
    expect(documented.length).toBeGreaterThan(50)
    expect(documented.filter((n, i) => documented.indexOf(n) !== i), 'listed twice in docs/api.md').toEqual([])
    expect([...all.get(index)!.keys()].sort()).toEqual([...documented].sort())
  })

  it('every public name has JSDoc', () => {
    const undocumented = [...all.get(index)!].filter(([, v]) => !v.doc).map(([n]) => n)
    expect(undocumented).toEqual([])
  })

  it('the runtime module exports the value names and nothing else', async () => {
    const mod = await import('../src/index.js')
    const values = [...all.get(index)!].filter(([, v]) => v.value).map(([n]) => n)
    expect(Object.keys(mod).sort()).toEqual(values.sort())
  })

  it('the internal entry is the short list, none of it public or documented', () => {
    const names = [...all.get(internal)!.keys()]
    expect(names.sort()).toEqual([...INTERNAL].sort())
    const pub = new Set([...all.get(index)!.keys(), ...documentedNames()])
    expect(names.filter((n) => pub.has(n))).toEqual([])
    expect(readFileSync(internal, 'utf8')).toMatch(/@internal/)
  })

  it('the built /hash entry (mops-bundle hash) reaches neither index nor the registry, cache or generator code', () => {
    const dist = join(CORE, 'dist')
    const seen = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(join(dist, file), 'utf8')
      for (const m of text.matchAll(/(?:import|export)\s*(?:[^'"]*?\sfrom\s*)?["']\.\/([^"']+\.js)["']|import\(["']\.\/([^"']+\.js)["']\)/g)) visit(m[1] ?? m[2]!)
    }
    visit('hash.js')
    expect(seen.size).toBeGreaterThan(1)
    expect([...seen].filter((f) => f === 'index.js' || f === 'internal.js')).toEqual([])
    const code = [...seen].map((f) => readFileSync(join(dist, f), 'utf8')).join('\n')
    for (const name of ['function loadRegistry', 'function resolveOutputs', 'class LocalStore', 'class Workspace', 'function reconcileModels']) {
      expect(code, name).not.toContain(name)
    }
    // The walk does find what hash does use (a check that it follows imports at all).
    expect(code).toContain('function digestLooseFiles')
  })

  it('loading the built API (index, hash) loads none of the heavy libraries: yaml, undici, web-tree-sitter, hash-wasm, ignore and node:worker_threads load on first use', () => {
    const dist = join(CORE, 'dist')
    const seen = new Set<string>()
    const bare = new Set<string>()
    // Static imports only: a dynamic import() or createRequire() call is the lazy path this test protects.
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(join(dist, file), 'utf8')
      for (const m of text.matchAll(/^(?:import|export)\s[^;'"]*?["']([^"']+)["']/gm)) {
        if (m[1]!.startsWith('./')) visit(m[1]!.slice(2))
        else bare.add(m[1]!)
      }
    }
    visit('index.js')
    visit('hash.js')
    expect(seen.size).toBeGreaterThan(1)
    expect(bare.has('node:fs')).toBe(true)
    // node:worker_threads too: a process that starts no worker (a warm build, hash of a few files) never loads it.
    expect([...bare].filter((b) => /^(yaml|undici|web-tree-sitter|hash-wasm|ignore|node:worker_threads)(\/|$)/.test(b))).toEqual([])
  })
})
