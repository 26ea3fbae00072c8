// A write into the output folder that fails leaves neither a torn file nor a stray temp file there: the outputs are
// written to a temp name and renamed, and the temp file is removed when the rename (or the write) fails.
import fs from 'node:fs'
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelopsContext, type BuildResult } from '../src/core/context.js'
import { Emitter } from '../src/core/emit.js'
import { resolveOptions } from '../src/core/options.js'

let dir: string
let source: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mops-emit-temp-'))
  source = path.join(dir, 'cached.txt')
  await writeFile(source, 'bytes\n')
})
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

function result(): BuildResult {
  return { files: [{ fileName: 'modelops/m/out.txt', source, bytes: 6, digest: 'blake2b256:' + '0'.repeat(64) }] } as unknown as BuildResult
}

describe('emitting into an output folder where the rename fails', () => {
  it('webpack streaming (node:fs as the output file system): the error surfaces, no temp file stays', async () => {
    const out = path.join(dir, 'webpack-out')
    // A non-empty folder where the file goes: rename() onto it fails (EISDIR / ENOTEMPTY).
    await mkdir(path.join(out, 'modelops/m/out.txt'), { recursive: true })
    await writeFile(path.join(out, 'modelops/m/out.txt/keep'), 'x')
    const emitter = new Emitter(new ModelopsContext(resolveOptions({ log: false })))
    await expect(emitter.webpackWritten(fs as never, out, result())).rejects.toThrow()
    expect((await readdir(path.join(out, 'modelops/m'))).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })
})
