import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Options } from 'unplugin-modelops-bundle'
import EsbuildPlugin from 'unplugin-modelops-bundle/esbuild'
import RolldownPlugin from 'unplugin-modelops-bundle/rolldown'
import RollupPlugin from 'unplugin-modelops-bundle/rollup'
import RspackPlugin from 'unplugin-modelops-bundle/rspack'
import VitePlugin from 'unplugin-modelops-bundle/vite'
import WebpackPlugin from 'unplugin-modelops-bundle/webpack'

export type Bundler = 'vite' | 'rollup' | 'rolldown' | 'esbuild' | 'webpack' | 'rspack'
export const BUNDLERS: Bundler[] = ['vite', 'rollup', 'rolldown', 'esbuild', 'webpack', 'rspack']

/** Quiet plugin options for tests. */
const quiet = (o: Options = {}): Options => ({ log: false, ...o })

/** Build `root`'s fixture entry with a real bundler (in-process JS API) into `outDir`; throws on build errors. */
export async function build(bundler: Bundler, root: string, outDir: string, options: Options = {}): Promise<void> {
  // Rspack imports the colon-free alias; webpack the `virtual:` id (the plugin rewrites it for webpack).
  const entry = path.join(root, bundler === 'rspack' ? 'src/main-webpack.js' : 'src/main.js')
  switch (bundler) {
    case 'vite': {
      const { build } = await import('vite')
      await build({
        root, configFile: false, logLevel: 'silent',
        plugins: [VitePlugin(quiet(options))],
        build: { outDir, emptyOutDir: true, rollupOptions: { input: entry } },
      })
      return
    }
    case 'rollup': {
      const { rollup } = await import('rollup')
      const bundle = await rollup({ input: entry, plugins: [RollupPlugin(quiet({ root, cacheDir: 'node_modules/.cache/modelops-bundle', ...options }))], logLevel: 'silent' })
      await bundle.write({ dir: outDir, format: 'es' })
      await bundle.close()
      return
    }
    case 'rolldown': {
      const { rolldown } = await import('rolldown')
      const bundle = await rolldown({ input: entry, cwd: root, plugins: [RolldownPlugin(quiet({ root, ...options }))], logLevel: 'silent' })
      await bundle.write({ dir: outDir, format: 'es' })
      await bundle.close()
      return
    }
    case 'esbuild': {
      const esbuild = await import('esbuild')
      // The plugin honours esbuild's logLevel: 'silent' would hide the warnings and the summary (`log: true`) tests read.
      await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', outdir: outDir, absWorkingDir: root, logLevel: 'warning', plugins: [EsbuildPlugin(quiet(options))] })
      return
    }
    case 'webpack':
    case 'rspack': {
      // rspack mirrors webpack's compiler API; one code path drives both.
      const compilerFactory = (bundler === 'webpack' ? (await import('webpack')).default : (await import('@rspack/core')).rspack) as unknown as (o: object) => WebpackLikeCompiler
      const plugin = bundler === 'webpack' ? WebpackPlugin(quiet(options)) : RspackPlugin(quiet(options))
      const compiler = compilerFactory({
        context: root, mode: 'production', entry, devtool: false,
        output: { path: outDir, clean: true },
        infrastructureLogging: { level: 'none' }, stats: 'none',
        plugins: [plugin as never],
      })
      await new Promise<void>((resolve, reject) => {
        compiler.run((err: Error | null, stats?: { hasErrors(): boolean; toJson(o: object): { errors?: Array<{ message: string }> } }) => {
          compiler.close(() => {})
          if (err) return reject(err)
          if (stats?.hasErrors()) return reject(new Error(stats.toJson({ all: false, errors: true }).errors!.map((e: { message: string }) => e.message).join('\n')))
          resolve()
        })
      })
      return
    }
  }
}

export async function readManifest(outDir: string, fileName = 'modelops-manifest.json'): Promise<string> {
  return readFile(path.join(outDir, fileName), 'utf8')
}

interface WebpackLikeCompiler {
  run(cb: (err: Error | null, stats?: { hasErrors(): boolean; toJson(o: object): { errors?: Array<{ message: string }> } }) => void): void
  close(cb: () => void): void
}
