import { defineConfig } from 'tsdown'

export default defineConfig({
  entry: ['src/*.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  dts: true,
  clean: true,
  external: [/^@modelops-bundle\//, 'unplugin', 'vite', 'rollup', 'esbuild', 'webpack', '@rspack/core', 'rolldown'],
})
