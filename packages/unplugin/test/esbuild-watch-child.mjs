// esbuild's watch mode in a process of its own: the test edits data files while this watches, then closes stdin;
// the process must exit by itself after ctx.dispose() (no handle of ours left open).
import path from 'node:path'
import * as esbuild from 'esbuild'
import EsbuildPlugin from 'unplugin-modelops-bundle/esbuild'

const root = process.argv[2]
const ctx = await esbuild.context({
  entryPoints: [path.join(root, 'src/main.js')], bundle: true, format: 'esm', outdir: path.join(root, 'dist'),
  absWorkingDir: root, logLevel: 'silent', plugins: [EsbuildPlugin({ log: false })],
})
await ctx.watch()
process.stdout.write('watching\n')
process.stdin.on('end', async () => {
  await ctx.dispose()
  process.stdout.write('disposed\n')
})
process.stdin.resume()
