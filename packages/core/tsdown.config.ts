import { defineConfig } from 'tsdown'

// Worker entries sit beside index.js in dist/: worker pools resolve them with new URL('./<name>.js', import.meta.url).
// From src (vitest), pools load the .ts file beside them through tsx.
// `errors` and `hash` are small entries for start-up-sensitive callers (`mops-bundle hash` loads no registry,
// cache or generator code); they share chunks with index.js, so their classes are the same objects.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    errors: 'src/errors.ts',
    hash: 'src/digest/loose.ts',
    'hash-worker': 'src/digest/hash-worker.ts',
    'parse-worker': 'src/python/parse-worker.ts',
  },
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  dts: true,
  clean: true,
  // web-tree-sitter locates its .wasm next to its own JS: never bundle it.
  external: ['web-tree-sitter', 'tree-sitter-python', 'hash-wasm'],
})
