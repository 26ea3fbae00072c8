import { mkdtemp, readFile, rm, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatorIdentity, runGenerator, type GenerateModel } from '../src/generate/run.js'

let tmp: string
beforeAll(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'mops-gen-')) })
afterAll(async () => { await rm(tmp, { recursive: true, force: true }) })

const model: GenerateModel = { id: 'sir', entrypoint: 'models.sir:SIR', path: 'models/sir.py', class_name: 'SIR', outputs: ['incidence'], digest: `composite1:${'1'.repeat(64)}` }
let n = 0
const ctx = async (signal = new AbortController().signal) => {
  const outDir = path.join(tmp, `out${n++}`)
  await (await import('node:fs/promises')).mkdir(outDir)
  return { outDir, digest: model.digest, signal, root: tmp }
}

describe('runGenerator', () => {
  it('runs a shell command in the project root with the MODELOPS_* variables', async () => {
    const c = await ctx()
    await runGenerator({ command: 'printf "%s|%s|%s|%s" "$MODELOPS_MODEL_ID" "$MODELOPS_ENTRYPOINT" "$MODELOPS_MODEL_DIGEST" "$PWD" > "$MODELOPS_OUT_DIR/env.txt"' }, model, c)
    expect(await readFile(path.join(c.outDir, 'env.txt'), 'utf8')).toBe(`sir|models.sir:SIR|${model.digest}|${tmp}`)
  })

  it('runs an argv command without a shell', async () => {
    const c = await ctx()
    await runGenerator({ command: [process.execPath, '-e', 'require("fs").writeFileSync(process.env.MODELOPS_OUT_DIR + "/a b.txt", process.argv[1])', '$NOT_EXPANDED'] }, model, c)
    expect(await readFile(path.join(c.outDir, 'a b.txt'), 'utf8')).toBe('$NOT_EXPANDED')
  })

  it('a timeout past Node\'s longest timer (core API callers skip the config check) is clamped, not fired at once', async () => {
    const c = await ctx()
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.name)
    process.on('warning', onWarning)
    try {
      // 0.3 s of work: with the timer overflowing to 1 ms, the generator would be killed before writing.
      await runGenerator({ command: [process.execPath, '-e', 'setTimeout(() => require("fs").writeFileSync(process.env.MODELOPS_OUT_DIR + "/ok", "1"), 300)'], timeout: 600 * 3_600_000 }, model, c)
    } finally {
      process.off('warning', onWarning)
    }
    expect(await readFile(path.join(c.outDir, 'ok'), 'utf8')).toBe('1')
    expect(warnings).not.toContain('TimeoutOverflowWarning')
  })

  it('fails with the tail of stderr, naming the model', async () => {
    const c = await ctx()
    const cmd = `${JSON.stringify(process.execPath)} -e "for (let i = 0; i < 50; i++) console.error('line ' + i); process.exit(3)"`
    const err = await runGenerator({ command: cmd }, model, c).catch((e) => e)
    expect(err).toMatchObject({ code: 'GENERATOR_FAILED', file: 'models/sir.py' })
    expect(err.message).toContain('generator for model sir exited with code 3')
    expect(err.message).toContain('line 49')
    expect(err.message).not.toContain('line 20\n') // only the tail
  })

  it('kills a generator that exceeds its timeout, with its children', async () => {
    const c = await ctx()
    const t0 = Date.now()
    const err = await runGenerator({ command: 'echo started >&2; sleep 30 & sleep 30; wait', timeout: 2000 }, model, c).catch((e) => e)
    expect(err).toMatchObject({ code: 'GENERATOR_FAILED' })
    expect(err.message).toContain('timed out after 2 s')
    expect(err.message).toContain('started')
    expect(Date.now() - t0).toBeLessThan(20_000)
  })

  it('stops on abort', async () => {
    const ac = new AbortController()
    const c = await ctx(ac.signal)
    setTimeout(() => ac.abort(new Error('cancelled')), 100)
    await expect(runGenerator({ command: 'sleep 30' }, model, c)).rejects.toThrow('cancelled')
  })

  it('reports a command that cannot start', async () => {
    const c = await ctx()
    await expect(runGenerator({ command: ['/nonexistent/generator'] }, model, c)).rejects.toMatchObject({ code: 'GENERATOR_FAILED', message: expect.stringContaining('could not start') })
  })

  it('runs a function generator and wraps its errors', async () => {
    const c = await ctx()
    await runGenerator(async (m, { outDir }) => {
      await (await import('node:fs/promises')).writeFile(path.join(outDir, 'x.txt'), m.id)
    }, model, c)
    expect(await readdir(c.outDir)).toEqual(['x.txt'])
    await expect(runGenerator(() => { throw new Error('boom') }, model, await ctx())).rejects.toMatchObject({ code: 'GENERATOR_FAILED', message: 'generator for model sir failed: boom' })
  })
})

describe('generatorIdentity', () => {
  it('covers command and env, not the timeout; functions by name and source', () => {
    expect(generatorIdentity({ command: 'a', timeout: 1 })).toEqual(generatorIdentity({ command: 'a', timeout: 2 }))
    expect(generatorIdentity({ command: 'a' })).not.toEqual(generatorIdentity({ command: 'b' }))
    expect(generatorIdentity({ command: 'a', env: { X: '1' } })).not.toEqual(generatorIdentity({ command: 'a' }))
    function gen1() {}
    function gen2() {}
    expect(generatorIdentity(gen1)).not.toEqual(generatorIdentity(gen2))
    expect(generatorIdentity(gen1)).toEqual(generatorIdentity(gen1))
  })
})
