// Read-modify-write under the project lock, with real processes: none may lose another's entry or tear the file.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LOCK_FILE, withProjectLock } from '../src/project/lock.js'
import { initProject, type Project } from '../src/project/project.js'
import { loadRegistry, parseRegistry, saveRegistry, updateRegistry } from '../src/registry/registry.js'
import type { ModelEntry } from '../src/registry/types.js'
import { catchErrorAsync, coreSrc, runNode, tempDir } from './registry-helpers.js'

function entry(id: string): ModelEntry {
  return {
    entrypoint: `models.${id}:M`, path: `models/${id}.py`, class_name: 'M', scenarios: [], parameters: [], outputs: [],
    data: [], data_digests: {}, code: [], code_digests: {}, model_digest: null,
  }
}

/** A child that adds `count` models named `<prefix>_<i>`, one updateRegistry each. */
function writerScript(dir: string): string {
  const file = path.join(dir, 'writer.mjs')
  fs.writeFileSync(
    file,
    `import { openProject } from ${JSON.stringify(coreSrc('project/project.ts'))}
import { updateRegistry } from ${JSON.stringify(coreSrc('registry/registry.ts'))}
const [root, prefix, count, pause] = process.argv.slice(2)
const project = openProject(root)
for (let i = 0; i < Number(count); i++) {
  const id = prefix + '_' + i
  await updateRegistry(project, async (reg) => {
    reg.models[id] = { entrypoint: 'models.' + id + ':M', path: 'models/' + id + '.py', class_name: 'M', scenarios: [], parameters: [], outputs: [], data: [], data_digests: {}, code: [], code_digests: {}, model_digest: null }
    // Widen the read-modify-write window so that a missing lock would lose entries.
    if (Number(pause)) await new Promise((r) => setTimeout(r, Number(pause)))
  })
}
process.stdout.write('done\\n')
`,
  )
  return file
}

/** A child that takes the lock, says so, and waits to be killed. */
function holderScript(dir: string): string {
  const file = path.join(dir, 'holder.mjs')
  fs.writeFileSync(
    file,
    `import { openProject } from ${JSON.stringify(coreSrc('project/project.ts'))}
import { withProjectLock } from ${JSON.stringify(coreSrc('project/lock.ts'))}
const project = openProject(process.argv[2])
await withProjectLock(project, async () => {
  process.stdout.write('locked\\n')
  await new Promise(() => setInterval(() => {}, 1000))
})
`,
  )
  return file
}

async function newProject(): Promise<{ project: Project; dir: string }> {
  const dir = tempDir()
  const { project } = await initProject(path.join(dir, 'proj'))
  return { project, dir }
}

describe('updateRegistry across processes', () => {
  it('8 concurrent processes each adding models leave every model', async () => {
    const { project, dir } = await newProject()
    const script = writerScript(dir)
    const perProcess = 3
    const runs = await Promise.all(Array.from({ length: 8 }, (_, p) => runNode(script, [project.root, `p${p}`, String(perProcess), '20'])))
    for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    const reg = loadRegistry(project)
    const ids = Object.keys(reg.models).sort()
    expect(ids).toHaveLength(8 * perProcess)
    for (let p = 0; p < 8; p++) for (let i = 0; i < perProcess; i++) expect(ids).toContain(`p${p}_${i}`)
    // Nothing left behind: no lock, no temp files.
    expect(fs.readdirSync(project.dir).sort()).toEqual(['config.yaml', 'registry.yaml', 'tracked.txt'])
  }, 180_000)

  it('a writer killed at random moments never leaves a torn registry or a lock that blocks the next one', async () => {
    const { project, dir } = await newProject()
    const script = writerScript(dir)
    let killedWhileWriting = 0
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, project.root, `k${round}`, '100000', '0'], { stdio: 'ignore' })
      // Let it get going (tsx start-up takes a while), then kill it somewhere in its loop.
      await waitFor(() => Object.keys(safeLoad(project)).some((id) => id.startsWith(`k${round}_`)), 60_000)
      await new Promise((r) => setTimeout(r, Math.random() * 150))
      child.kill('SIGKILL')
      await new Promise((r) => child.on('close', r))
      killedWhileWriting++
      // The file always parses, and the next update gets the lock at once (the dead owner's lock is broken).
      const text = fs.readFileSync(project.registryPath, 'utf8')
      expect(() => parseRegistry(text, 'registry.yaml')).not.toThrow()
      const t = Date.now()
      await updateRegistry(project, (reg) => void (reg.models[`after_${round}`] = entry(`after_${round}`)), { timeoutMs: 20_000 })
      expect(Date.now() - t).toBeLessThan(15_000)
    }
    expect(killedWhileWriting).toBe(6)
    const ids = Object.keys(loadRegistry(project).models)
    for (let round = 0; round < 6; round++) expect(ids).toContain(`after_${round}`)
    // Temp files of killed writers are swept by the next writer (tracked.txt: the Python tool's list, kept up to date).
    expect(fs.readdirSync(project.dir).sort()).toEqual(['config.yaml', 'registry.yaml', 'tracked.txt'])
  }, 300_000)

  it('breaks the lock of a killed holder at once', async () => {
    const { project, dir } = await newProject()
    const child = spawn(process.execPath, ['--import', 'tsx', holderScript(dir), project.root], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()))
    expect(fs.existsSync(path.join(project.dir, LOCK_FILE))).toBe(true)
    // While it lives, we wait and time out, naming the lock file and the holder.
    const err = await catchErrorAsync(() => withProjectLock(project, () => 1, { timeoutMs: 1500 }))
    expect(err.code).toBe('LOCK_TIMEOUT')
    expect(err.message).toContain(`.modelops-bundle/${LOCK_FILE}`)
    expect(err.message).toContain(`process ${child.pid}`)
    expect(err.hint).toContain('delete')
    child.kill('SIGKILL')
    await new Promise((r) => child.on('close', r))
    const t = Date.now()
    expect(await withProjectLock(project, () => 42, { timeoutMs: 10_000 })).toBe(42)
    expect(Date.now() - t).toBeLessThan(10_000)
  }, 120_000)
})

describe('withProjectLock in one process', () => {
  it('serialises concurrent updates and lets a holder call updateRegistry (re-entrant)', async () => {
    const { project } = await newProject()
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        updateRegistry(project, async (reg) => {
          await new Promise((r) => setTimeout(r, Math.random() * 5))
          reg.models[`m${i}`] = entry(`m${i}`)
        }),
      ),
    )
    expect(Object.keys(loadRegistry(project).models)).toHaveLength(20)
    const nested = await withProjectLock(project, () => updateRegistry(project, (reg) => Object.keys(reg.models).length))
    expect(nested).toBe(20)
  })

  it('breaks a lock left by a dead process on this host, and a garbled lock once it is old', async () => {
    const { project } = await newProject()
    const lock = path.join(project.dir, LOCK_FILE)
    const dead = spawn(process.execPath, ['-e', '0'])
    await new Promise((r) => dead.on('close', r))
    fs.writeFileSync(lock, JSON.stringify({ pid: dead.pid, host: (await import('node:os')).hostname(), token: 'x', since: 'then' }))
    expect(await withProjectLock(project, () => 'ok', { timeoutMs: 5000 })).toBe('ok')
    fs.writeFileSync(lock, 'garbage')
    const old = new Date(Date.now() - 120_000)
    fs.utimesSync(lock, old, old)
    expect(await withProjectLock(project, () => 'ok', { timeoutMs: 5000 })).toBe('ok')
    expect(fs.existsSync(lock)).toBe(false)
  })

  it('does not write when nothing changed, and leaves no lock after a failing mutation', async () => {
    const { project } = await newProject()
    await saveRegistry(project, { version: '1.0', models: { a: entry('a') }, targets: {}, target_sets: {} })
    const before = fs.statSync(project.registryPath).mtimeMs
    await new Promise((r) => setTimeout(r, 20))
    await updateRegistry(project, (reg) => reg.models.a?.path)
    expect(fs.statSync(project.registryPath).mtimeMs).toBe(before)
    await expect(updateRegistry(project, () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(fs.existsSync(path.join(project.dir, LOCK_FILE))).toBe(false)
    expect(Object.keys(loadRegistry(project).models)).toEqual(['a'])
  })

  it('refuses to store a path that is not project-relative POSIX', async () => {
    const { project } = await newProject()
    for (const bad of ['./models/a.py', '../a.py', '/abs/a.py', 'a\\b.py', 'dir/']) {
      const err = await catchErrorAsync(() => updateRegistry(project, (reg) => void (reg.models.x = { ...entry('x'), path: bad })))
      expect(['PATH_INVALID', 'PATH_OUTSIDE']).toContain(err.code)
      expect(err.message).toContain('models.x.path')
    }
    expect(loadRegistry(project).models).toEqual({})
  })

  it('leaves a bad registry untouched and reports it', async () => {
    const { project } = await newProject()
    fs.writeFileSync(project.registryPath, 'models:\n  m: [\n')
    const err = await catchErrorAsync(() => updateRegistry(project, (reg) => void (reg.models.x = entry('x'))))
    expect(err.text).toMatch(/^\.modelops-bundle\/registry\.yaml:3:1: YAML syntax error/)
    expect(fs.readFileSync(project.registryPath, 'utf8')).toBe('models:\n  m: [\n')
  })
})

function safeLoad(project: Project): Record<string, unknown> {
  try {
    return loadRegistry(project).models
  } catch {
    return {}
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 25))
  }
}
