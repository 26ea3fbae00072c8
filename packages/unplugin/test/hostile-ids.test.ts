// A registry is input from anyone with commit rights: ids typed into it must never make any of the six
// bundlers write outside its output folder (esbuild and webpack once did), nor crash with a stack trace.
import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build, BUNDLERS } from './bundlers.js'
import { makeProject, REGISTRY, removeProject } from './fixture.js'

let root: string
beforeAll(async () => { root = await makeProject('mops-hostile-') })
afterAll(async () => { await removeProject(root) })

async function listAll(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir, { recursive: true })).map(String).sort() : []
}

describe('a model id leading out of the output folder', () => {
  // From `<root>/dist/<bundler>/modelops/<id>/…` this id reaches `<root>/escaped/…`.
  const EVIL = '../../../escaped'
  it.each(BUNDLERS)('%s: the build fails naming registry.yaml:line, nothing is written anywhere', async (bundler) => {
    await writeFile(path.join(root, '.modelops-bundle/registry.yaml'), REGISTRY.replace('  sir:\n', `  ${JSON.stringify(EVIL)}:\n`))
    const outDir = path.join(root, 'dist', bundler)
    const err = await build(bundler, root, outDir).then(() => undefined, (e: Error) => e)
    expect(err, 'the build must fail').toBeInstanceOf(Error)
    expect(err!.message).toMatch(/registry\.yaml:18:3: models: id "\.\.\/\.\.\/\.\.\/escaped" contains a path separator/)
    expect(err!.message).not.toMatch(/^\s+at /m)
    expect(await listAll(path.join(root, 'escaped')), 'nothing escaped the output folder').toEqual([])
    expect((await listAll(outDir)).filter((f) => f.includes('modelops')), 'no artifact emitted').toEqual([])
  })

  it('the same registry with a plain id builds (control)', async () => {
    await writeFile(path.join(root, '.modelops-bundle/registry.yaml'), REGISTRY)
    await build('esbuild', root, path.join(root, 'dist', 'control'))
    expect(await readFile(path.join(root, 'dist/control/modelops/sir/summary.json'), 'utf8')).toContain('"id":"sir"')
  })
})
