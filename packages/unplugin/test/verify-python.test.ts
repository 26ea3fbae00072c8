// `verify: true` on a registry whose digests the Python tool recorded (`sha256:`): fresh files build, a changed
// one fails the build with core's status wording.
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { findProject, loadRegistry, updateRegistry } from '@modelops-bundle/core'
import { build } from './bundlers.js'
import { append, makeProject, removeProject } from './fixture.js'

const sha256 = async (root: string, rel: string) => `sha256:${createHash('sha256').update(await readFile(path.join(root, rel))).digest('hex')}`

/** Record `sha256:` digests, as the Python tool's register-model does. */
async function recordPythonDigests(dir: string) {
  const project = findProject(dir)
  const digests: Record<string, string> = {}
  for (const m of Object.values(loadRegistry(project).models)) for (const p of [m.path, ...m.data, ...m.code]) digests[p] = await sha256(dir, p)
  await updateRegistry(project, (reg) => {
    for (const m of Object.values(reg.models)) {
      m.model_digest = digests[m.path]!
      m.data_digests = Object.fromEntries(m.data.map((p) => [p, digests[p]!]))
      m.code_digests = Object.fromEntries(m.code.map((p) => [p, digests[p]!]))
    }
  })
}

describe('verify with a Python-written registry', () => {
  it('passes while the files are unchanged, fails naming the changed file when one changes', async () => {
    const dir = await makeProject('mops-verify-py-')
    try {
      await recordPythonDigests(dir)
      await build('vite', dir, path.join(dir, 'dist'), { verify: true, generate: false })
      await append(dir, 'data/pop.csv', '3,1\n')
      const err = (await build('vite', dir, path.join(dir, 'dist2'), { verify: true, generate: false }).catch((e: Error) => e)) as Error
      expect(err).toBeInstanceOf(Error)
      expect(err.message).toMatch(/⚠ sir {2}stale\n {6}modified DATA {8}data\/pop\.csv {2}\(recorded [0-9a-f]{12}, now [0-9a-f]{12}(; [^)\n]*)?\)/)
      expect(err.message).toContain((await sha256(dir, 'data/pop.csv')).slice(7, 19))
      expect(err.message).toContain('mops-bundle register-model models/sir.py')
      expect(await stat(path.join(dir, 'dist2/modelops-manifest.json')).then(() => true, () => false)).toBe(false)
    } finally {
      await removeProject(dir)
    }
  })
})
