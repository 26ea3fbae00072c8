import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { defineConfig } from 'tsdown'

const require = createRequire(import.meta.url)
const packageDir = (name: string, file: string) => dirname(require.resolve(`${name}/${file}`))

// Worker entries sit beside index.js in dist/: worker pools resolve them with new URL('./<name>.js', import.meta.url).
// From src (vitest), pools load the .ts file beside them through tsx.
// `errors` and `hash` are small entries for start-up-sensitive callers (`mops-bundle hash` loads no registry,
// cache or generator code); they share chunks with index.js, so their classes are the same objects.
//
// What ships of our three WASM dependencies is only what runs (issue 17: 16 MB installed for ~0.8 MB used): they are
// devDependencies, and the build puts the used files into dist/ with each one's licence notice:
// - tree-sitter-python: its grammar .wasm only (no C sources, prebuilds or install script);
// - web-tree-sitter: bundled, and its release .wasm beside the chunk (it looks for it there: import.meta.url);
// - hash-wasm: its BLAKE2b-only build (not every algorithm), read and compiled by digest/blake2b.ts.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    // Not public API: what the CLI, the plugin and the benchmarks share with core beyond index (src/internal.ts).
    internal: 'src/internal.ts',
    errors: 'src/errors.ts',
    hash: 'src/digest/loose.ts',
    'hash-worker': 'src/digest/hash-worker.ts',
    'parse-worker': 'src/python/parse-worker.ts',
    // Types only: the manifest types, standalone (no Node types), for unplugin's client.d.ts in browser apps.
    'manifest-types': 'src/manifest/types.ts',
  },
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  dts: true,
  clean: true,
  noExternal: ['web-tree-sitter'],
  // Emscripten's EM_ASM glue in web-tree-sitter calls eval: known, not ours to change.
  inputOptions: { checks: { eval: false } },
  external: ['tree-sitter-python', 'hash-wasm'],
  // What `mops-bundle hash` runs (byte and semantic digests, the pools) in one chunk rather than the five or six that
  // automatic splitting makes of it: every ESM file costs a start-up its own resolve, read and link.
  outputOptions: {
    advancedChunks: {
      // errors.ts stays alone: /errors (the CLI's first import, the plugin's options) must not load the digest code.
      groups: [{ name: 'errors', test: /src[\\/]errors\.ts$/, priority: 2 }, {
        name: 'digest',
        priority: 1,
        test: /src[\\/](digest[\\/](bytes|blake2b|progress|pool|canonical|tree|algorithms)|util[\\/]units|project[\\/]read|vendored|workers[\\/]pool|python[\\/](pool|blank|screen|syntax|literals|reshape|shapes|walk-state|string-walk|normalize|parser|semantic))\.ts$/,
      }],
    },
  },
  copy: () => {
    const grammar = packageDir('tree-sitter-python', 'tree-sitter-python.wasm')
    const runtime = packageDir('web-tree-sitter', 'web-tree-sitter.wasm')
    const hashWasm = packageDir('hash-wasm', 'package.json')
    return [
      { from: join(grammar, 'tree-sitter-python.wasm'), to: 'dist/tree-sitter-python.wasm' },
      { from: join(grammar, 'LICENSE'), to: 'dist/tree-sitter-python.LICENSE' },
      { from: join(runtime, 'web-tree-sitter.wasm'), to: 'dist/web-tree-sitter.wasm' },
      { from: join(runtime, 'LICENSE'), to: 'dist/web-tree-sitter.LICENSE' },
      { from: join(hashWasm, 'dist/blake2b.umd.min.js'), to: 'dist/hash-wasm-blake2b.cjs' },
      { from: join(hashWasm, 'LICENSE'), to: 'dist/hash-wasm.LICENSE' },
    ]
  },
})
