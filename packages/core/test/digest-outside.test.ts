// Nothing outside the project is read, and only regular files are: symlinks leading out (as a registered path
// or inside a registered folder) are refused before any read; FIFOs and devices are refused without blocking;
// every read has a deadline.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { computeDigests } from '../src/digest/compute.js'
import { hashFileHex } from '../src/digest/bytes.js'
import { readRegularFile, withDeadline } from '../src/project/read.js'
import { loadRegistry } from '../src/registry/registry.js'
import { openProject } from '../src/project/project.js'
import { discoverFile } from '../src/python/discover.js'
import { codeDependencies } from '../src/python/imports.js'
import { makeProject, model, registry, tempDir, write } from './digest-helpers.js'
import type { Project } from '../src/project/project.js'
import { Workspace } from '../src/workspace/workspace.js'

let parent: string
let cleanup: () => void
let root: string
let outside: string
let project: Project

beforeEach(() => {
  ;({ dir: parent, cleanup } = tempDir('mops-outside-'))
  root = join(parent, 'proj')
  outside = join(parent, 'outside')
  mkdirSync(outside, { recursive: true })
  writeFileSync(join(outside, 'secret.csv'), 'top secret\n')
  // An outside FIFO: a reader that opens it blocks (the test would time out).
  execFileSync('mkfifo', [join(outside, 'pipe')])
  project = makeProject(root)
  write(root, 'models/m.py', 'class M:\n    pass\n')
  write(root, 'data/ok.csv', 'a\n1\n')
})
afterEach(() => cleanup())

const withData = (...data: string[]) => registry({ m: model('models/m.py', { data }) })
const outsideError = (file: string) => expect.objectContaining({ code: 'PATH_OUTSIDE', file, message: expect.stringContaining('outside the project root') })

describe('links that leave the project', () => {
  it('a registered data file linking outside is refused, not hashed', async () => {
    symlinkSync(join(outside, 'secret.csv'), join(root, 'data/link.csv'))
    await expect(computeDigests(Workspace.of(project, { cacheDir: false }), withData('data/link.csv'))).rejects.toEqual(outsideError('data/link.csv'))
  })

  it('a registered data file linking to /etc/passwd or /proc/kmsg is refused without a read (no hang)', async () => {
    for (const target of ['/etc/passwd', '/proc/kmsg', '/proc/self/status', '/dev/zero']) {
      const link = join(root, 'data/sys')
      symlinkSync(target, link)
      await expect(computeDigests(Workspace.of(project, { cacheDir: false }), withData('data/sys')), target).rejects.toEqual(outsideError('data/sys'))
      execFileSync('rm', [link])
    }
  })

  it('a registered path under a folder link leading outside is refused', async () => {
    symlinkSync(outside, join(root, 'ext'))
    await expect(computeDigests(Workspace.of(project, { cacheDir: false }), withData('ext/secret.csv'))).rejects.toEqual(outsideError('ext/secret.csv'))
  })

  it('a registered folder holding `etc -> <outside folder>` is refused naming the link, nothing under it walked', async () => {
    symlinkSync(outside, join(root, 'data/etc'))
    await expect(computeDigests(Workspace.of(project, { cacheDir: false }), withData('data'))).rejects.toEqual(outsideError('data/etc'))
    // Deeper down too, and a link to a file.
    execFileSync('rm', [join(root, 'data/etc')])
    mkdirSync(join(root, 'data/deep/er'), { recursive: true })
    symlinkSync(join(outside, 'pipe'), join(root, 'data/deep/er/p'))
    await expect(computeDigests(Workspace.of(project, { cacheDir: false }), withData('data'))).rejects.toEqual(outsideError('data/deep/er/p'))
  })

  it('links that stay inside the project are followed as before', async () => {
    write(root, 'shared/s.csv', 's\n')
    symlinkSync(join(root, 'shared'), join(root, 'data/shared'))
    symlinkSync(join(root, 'shared/s.csv'), join(root, 'data/s-link.csv'))
    symlinkSync('../data/ok.csv', join(root, 'models/rel-link.csv'))
    const r = await computeDigests(Workspace.of(project, { cacheDir: false }), withData('data', 'models/rel-link.csv'))
    expect(r.models.m!.missing).toEqual([])
    expect(r.models.m!.components.map((c) => c.digest).every((d) => /^(tree1|blake2b256|pysem1):/.test(d))).toBe(true)
  })
})

describe('only regular files are read', () => {
  it('a FIFO or device handed to the hasher is refused at once, naming it', async () => {
    execFileSync('mkfifo', [join(root, 'data/fifo')])
    await expect(hashFileHex(join(root, 'data/fifo'), undefined, 'data/fifo')).rejects.toEqual(expect.objectContaining({ code: 'PATH_INVALID', message: 'data/fifo is a FIFO (named pipe), not a regular file: it is not read' }))
    await expect(hashFileHex('/dev/zero', undefined, 'dev/zero')).rejects.toEqual(expect.objectContaining({ code: 'PATH_INVALID', message: expect.stringContaining('is a device') }))
    await expect(readRegularFile(join(root, 'data/fifo'), 'data/fifo')).rejects.toEqual(expect.objectContaining({ code: 'PATH_INVALID' }))
    await expect(readRegularFile(join(root, 'data'), 'data')).rejects.toBeDefined()
  })

  it('a registered FIFO inside the project is absent with a warning, never opened', async () => {
    execFileSync('mkfifo', [join(root, 'data/fifo')])
    const r = await computeDigests(Workspace.of(project, { cacheDir: false }), withData('data/fifo', 'data/ok.csv'))
    expect(r.models.m!.missing).toEqual(['data/fifo'])
    expect(r.warnings.map((w) => w.file)).toContain('data/fifo')
  })

  it('a read that does not answer fails with READ_TIMEOUT naming the file', async () => {
    const never = new Promise<never>(() => {})
    await expect(withDeadline(never, 'data/slow.csv', 50)).rejects.toEqual(expect.objectContaining({ code: 'READ_TIMEOUT', file: 'data/slow.csv', message: expect.stringContaining('reading data/slow.csv took longer than') }))
    await expect(withDeadline(Promise.resolve(7), 'x', 50)).resolves.toBe(7)
  })
})

describe('bookkeeping and Python files that are FIFOs never block', () => {
  it('registry.yaml or config.yaml as a FIFO: a clear error naming it', async () => {
    execFileSync('mkfifo', [project.registryPath])
    expect(() => loadRegistry(project)).toThrow(expect.objectContaining({ code: 'REGISTRY_INVALID', message: '.modelops-bundle/registry.yaml is a FIFO (named pipe), not a regular file' }))
    execFileSync('mkfifo', [project.configPath])
    expect(() => openProject(root)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: '.modelops-bundle/config.yaml is a FIFO (named pipe), not a regular file' }))
  })

  it('discover on a FIFO refuses it; an import that leads to a FIFO is skipped', async () => {
    execFileSync('mkfifo', [join(root, 'models/pipe.py')])
    await expect(discoverFile(join(root, 'models/pipe.py'))).rejects.toEqual(expect.objectContaining({ code: 'PATH_INVALID' }))
    write(root, 'models/uses.py', 'import models.pipe\nfrom models import m\n\nclass U:\n    pass\n')
    const deps = await codeDependencies(root, 'models/uses.py')
    expect(deps).not.toContain('models/pipe.py')
  })
})

it('the fixture: an outside FIFO exists (a reader would block on it)', () => {
  expect(existsSync(join(outside, 'pipe'))).toBe(true)
})
