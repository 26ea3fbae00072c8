import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { open, rename, mkdir, stat, truncate, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import EsbuildPlugin from 'unplugin-modelops-bundle/esbuild'
import { readManifest } from './bundlers.js'
import { makeProject, removeProject, REGISTRY, waitFor } from './fixture.js'

// esbuild reads every plugin watch file in full on every build, one-shot builds included (bundler.go: each
// watchFiles entry goes through fsCache.ReadFile). Large data files and folders must reach it as one small stamp.
const LARGE = 1024 * 1024
const roots: string[] = []
afterAll(async () => { await Promise.all(roots.map(removeProject)) })

/** The fixture with a registered data folder and seir's data file made large (`bytes`, sparse). */
async function project(bytes: number): Promise<string> {
  const root = await makeProject('mops-esbuild-watch-')
  roots.push(root)
  await writeFile(path.join(root, '.modelops-bundle/registry.yaml'), REGISTRY.replace('    - data/contacts.csv\n', '    - data/contacts.csv\n    - data/extra\n'))
  await mkdir(path.join(root, 'data/extra/deeper'), { recursive: true })
  await writeFile(path.join(root, 'data/extra/a.csv'), 'x\n1\n')
  await writeFile(path.join(root, 'data/extra/deeper/b.csv'), 'y\n2\n')
  await truncate(path.join(root, 'data/contacts.csv'), bytes)
  return root
}

/** The real esbuild, with every onLoad result's watchFiles (and their stat then) recorded on the way back to it. */
function recordingPlugin(watched: Array<Array<{ file: string; isFile: boolean; size: number }>>): import('esbuild').Plugin {
  const plugin = EsbuildPlugin({ log: false })
  return {
    name: plugin.name,
    setup(build) {
      return plugin.setup({
        ...build,
        onLoad(options, callback) {
          build.onLoad(options, async (args) => {
            const r = await callback(args)
            if (r?.watchFiles) watched.push(await Promise.all(r.watchFiles.map(async (file) => { const st = await stat(file); return { file, isFile: st.isFile(), size: st.size } })))
            return r
          })
        },
      })
    },
  }
}

describe('esbuild: what the plugin hands esbuild to watch', () => {
  it('a one-shot build: no file above 1 MiB and no folder, the large file and the folder through one small stamp', async () => {
    const root = await project(64 * LARGE)
    const esbuild = await import('esbuild')
    const watched: Array<Array<{ file: string; isFile: boolean; size: number }>> = []
    await esbuild.build({ entryPoints: [path.join(root, 'src/main.js')], bundle: true, format: 'esm', outdir: path.join(root, 'dist'), absWorkingDir: root, logLevel: 'silent', plugins: [recordingPlugin(watched)] })
    expect(watched).toHaveLength(1)
    for (const f of watched[0]!) {
      expect(f.isFile, `${f.file} is a file`).toBe(true)
      expect(f.size, `${f.file} is small`).toBeLessThanOrEqual(LARGE)
    }
    const files = watched[0]!.map((f) => f.file)
    const rel = files.map((f) => path.relative(root, f).split(path.sep).join('/'))
    // Small files as they are (the registry, config, code, small data); the large file and the folder's files not at all.
    expect(rel).toEqual(expect.arrayContaining(['.modelops-bundle/registry.yaml', 'data/pop.csv', 'models/common.py', 'models/sir.py']))
    expect(rel.filter((f) => f.startsWith('data/contacts') || f.startsWith('data/extra'))).toEqual([])
    const stamps = rel.filter((f) => f.endsWith('.stamp'))
    expect(stamps).toHaveLength(1)
    expect(stamps[0]).toMatch(/^node_modules\/\.cache\/modelops-bundle\/watch\//)
    // The build is over: esbuild disposes its context and then runs onDispose callbacks (setTimeout 0): the stamp goes.
    const stampFile = files.find((f) => f.endsWith('.stamp'))!
    await waitFor(() => stat(stampFile).then(() => false, (e: NodeJS.ErrnoException) => e.code === 'ENOENT'), 'the stamp removed')
    expect(Object.keys(JSON.parse(await readManifest(path.join(root, 'dist'))).models)).toEqual(['seir', 'sir'])
  })
})

describe('esbuild: ctx.watch() rebuilds on data changes it does not read itself', () => {
  it('large file edited in place and replaced, small file edited in place, file added below a registered folder; dispose lets the process exit', async () => {
    const root = await project(2 * LARGE)
    const outDir = path.join(root, 'dist')
    const child = spawn(process.execPath, [fileURLToPath(new URL('./esbuild-watch-child.mjs', import.meta.url)), root], { cwd: path.dirname(fileURLToPath(import.meta.url)), stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { err += d })
    const exited = once(child, 'exit')
    const digests = async () => {
      const m = JSON.parse(await readManifest(outDir)) as { models: Record<string, { digest: string }> }
      return { seir: m.models.seir!.digest, sir: m.models.sir!.digest }
    }
    /** Wait until the manifest's digest of `id` differs from `before`. */
    const changed = (id: 'seir' | 'sir', before: string) =>
      waitFor(async () => { const d = await digests().catch(() => undefined); return d && d[id] !== before && d }, `a new digest of ${id}`)
    try {
      await waitFor(() => out.includes('watching'), 'esbuild watching')
      let d = await waitFor(() => digests().catch(() => undefined), 'the first manifest')

      // In place: same inode, same size (what a tool rewriting a block does).
      const fh = await open(path.join(root, 'data/contacts.csv'), 'r+')
      await fh.write('edited', LARGE + 17)
      await fh.close()
      let next = await changed('seir', d.seir)
      expect(next.sir).toBe(d.sir)
      d = next

      await writeFile(path.join(root, 'data/pop.csv'), 'age,n\n0,100\n1,201\n')
      next = await changed('sir', d.sir)
      expect(next.seir).toBe(d.seir)
      d = next

      // Replaced by rename (what editors and downloads do): a new inode.
      const tmp = path.join(root, 'data/contacts.csv.new')
      await writeFile(tmp, 'a,b,rate\n')
      await truncate(tmp, 3 * LARGE)
      await rename(tmp, path.join(root, 'data/contacts.csv'))
      d = { ...d, seir: (await changed('seir', d.seir)).seir }

      await writeFile(path.join(root, 'data/extra/deeper/c.csv'), 'z\n3\n')
      d = { ...d, seir: (await changed('seir', d.seir)).seir }

      // A folder moved in below a registered one (one rename: the rebuild sees it whole), then a file in it edited:
      // seen only if the new folder was walked again and watched.
      await mkdir(path.join(root, 'moved/new'), { recursive: true })
      await writeFile(path.join(root, 'moved/new/d.csv'), 'w\n4\n')
      await rename(path.join(root, 'moved/new'), path.join(root, 'data/extra/new'))
      d = { ...d, seir: (await changed('seir', d.seir)).seir }
      await writeFile(path.join(root, 'data/extra/new/d.csv'), 'w\n5\n')
      d = { ...d, seir: (await changed('seir', d.seir)).seir }
    } finally {
      child.stdin.end()
    }
    // No deadline of ours: a handle left open would keep the child alive and fail the test by its timeout.
    const [code] = await exited
    expect({ code, err }).toEqual({ code: 0, err: '' })
    expect(out).toContain('disposed')
  }, 180_000)
})
