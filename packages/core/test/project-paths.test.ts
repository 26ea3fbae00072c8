import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { isProjectRelative } from '../src/digest/engine.js'
import { absolutePath, insideProjectChecker, insideProjectStatter, isInsideProject, normalizeStoredPath, resolveProjectPath } from '../src/project/paths.js'
import { initProject, type Project } from '../src/project/project.js'
import { catchError, tempDir } from './registry-helpers.js'

let project: Project
let outside: string

beforeAll(async () => {
  const base = tempDir()
  const root = path.join(base, 'proj')
  outside = path.join(base, 'outside')
  fs.mkdirSync(path.join(root, 'models', 'sub'), { recursive: true })
  fs.mkdirSync(path.join(outside, 'data'), { recursive: true })
  fs.writeFileSync(path.join(outside, 'secret.csv'), 'x')
  fs.writeFileSync(path.join(root, 'models', 'sir.py'), 'x')
  fs.symlinkSync(outside, path.join(root, 'escape'))
  fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(root, 'secret-link.csv'))
  fs.symlinkSync(path.join(outside, 'not-yet.csv'), path.join(root, 'dangling.csv'))
  fs.symlinkSync(path.join(root, 'models'), path.join(root, 'models-alias'))
  fs.symlinkSync(path.join(root, 'models'), path.join(root, 'MODELS'))
  project = (await initProject(root)).project
})

describe('resolveProjectPath', () => {
  it('makes paths project-relative POSIX from any current folder', () => {
    const sub = path.join(project.root, 'models', 'sub')
    expect(resolveProjectPath(project, 'sir.py', path.join(project.root, 'models'))).toBe('models/sir.py')
    expect(resolveProjectPath(project, '../sir.py', sub)).toBe('models/sir.py')
    expect(resolveProjectPath(project, './models//sir.py', project.root)).toBe('models/sir.py')
    expect(resolveProjectPath(project, 'data/', project.root)).toBe('data')
    expect(resolveProjectPath(project, path.join(project.root, 'models', 'sir.py'), '/')).toBe('models/sir.py')
    // Need not exist yet.
    expect(resolveProjectPath(project, 'new/file.csv', project.root)).toBe('new/file.csv')
  })

  it('accepts spaces and non-ASCII names', () => {
    expect(resolveProjectPath(project, 'data/my data é 日本.csv', project.root)).toBe('data/my data é 日本.csv')
    // Leading and trailing spaces are part of a name, and such a path is in stored normal form.
    expect(resolveProjectPath(project, ' odd name .csv', project.root)).toBe(' odd name .csv')
    expect(normalizeStoredPath(' odd name .csv')).toEqual({ path: ' odd name .csv' })
  })

  it('keeps a symlink inside the project as written', () => {
    expect(resolveProjectPath(project, 'models-alias/sir.py', project.root)).toBe('models-alias/sir.py')
  })

  it('stores one name for one file when names differ only in case (as on a case-insensitive disk)', () => {
    // Here MODELS is a symlink to models; on macOS/Windows the disk itself behaves this way.
    expect(resolveProjectPath(project, 'MODELS/sir.py', project.root)).toBe('models/sir.py')
  })

  it('refuses .. escapes, naming the path and the root', () => {
    const err = catchError(() => resolveProjectPath(project, '../outside/secret.csv', project.root))
    expect(err.code).toBe('PATH_OUTSIDE')
    expect(err.text).toContain('"../outside/secret.csv"')
    expect(err.text).toContain(project.root)
    expect(err.text).toMatch(/outside the project/)
  })

  it('refuses absolute paths outside the root', () => {
    const err = catchError(() => resolveProjectPath(project, path.join(outside, 'secret.csv'), project.root))
    expect(err.code).toBe('PATH_OUTSIDE')
    expect(catchError(() => resolveProjectPath(project, '/etc/passwd')).code).toBe('PATH_OUTSIDE')
  })

  it('refuses symlinks that resolve outside, also through a linked folder and a dangling link', () => {
    for (const p of ['escape/secret.csv', 'escape/data/new.csv', 'secret-link.csv', 'dangling.csv', 'escape']) {
      const err = catchError(() => resolveProjectPath(project, p, project.root))
      expect(err.code, p).toBe('PATH_OUTSIDE')
      expect(err.text).toContain('symbolic link')
    }
  })

  it('refuses NUL and newline characters, the root itself and .modelops-bundle/', () => {
    for (const p of ['a\nb.csv', 'a\0b', 'a\rb']) expect(catchError(() => resolveProjectPath(project, p, project.root)).code).toBe('PATH_INVALID')
    expect(catchError(() => resolveProjectPath(project, '.', project.root)).code).toBe('PATH_INVALID')
    expect(catchError(() => resolveProjectPath(project, '', project.root)).code).toBe('PATH_INVALID')
    expect(catchError(() => resolveProjectPath(project, '.modelops-bundle/registry.yaml', project.root)).code).toBe('PATH_INVALID')
  })
})

describe('absolutePath', () => {
  it('joins a stored path to the root', () => {
    expect(absolutePath(project, 'models/sir.py')).toBe(path.join(project.root, 'models', 'sir.py'))
  })

  it('refuses stored paths outside the project or not in normal form', () => {
    expect(catchError(() => absolutePath(project, '../x')).code).toBe('PATH_OUTSIDE')
    expect(catchError(() => absolutePath(project, '/etc/passwd')).code).toBe('PATH_OUTSIDE')
    expect(catchError(() => absolutePath(project, './a.py')).code).toBe('PATH_INVALID')
    expect(catchError(() => absolutePath(project, 'a\\b.py')).code).toBe('PATH_INVALID')
    expect(catchError(() => absolutePath(project, 'a/')).code).toBe('PATH_INVALID')
  })

  it('never hands out a path that a symlink leads outside', () => {
    const err = catchError(() => absolutePath(project, 'secret-link.csv'))
    expect(err.code).toBe('PATH_OUTSIDE')
    expect(err.text).toContain(path.join(outside, 'secret.csv'))
    expect(catchError(() => absolutePath(project, 'escape/data/x.csv')).code).toBe('PATH_OUTSIDE')
    expect(isInsideProject(project, path.join(project.root, 'escape', 'x'))).toBe(false)
    expect(isInsideProject(project, path.join(project.root, 'models', 'sir.py'))).toBe(true)
  })

  it('the per-pass checker (folder realpaths memoised) answers as isInsideProject does, links and misses included', () => {
    const check = insideProjectChecker(project)
    const cases: [string, boolean][] = [
      ['models/sir.py', true],
      ['models/sub', true],
      ['models/missing.py', true],
      ['models/sir.py/under-a-file', true],
      ['secret-link.csv', false],
      ['escape', false],
      ['escape/secret.csv', false], // a plain file, but its folder is a link leading out
      ['escape/data/missing.csv', false],
    ]
    for (const [rel, inside] of cases) {
      const abs = path.join(project.root, rel)
      // Twice: the second answer comes from the memoised folder.
      expect([check(abs), check(abs), isInsideProject(project, abs)], rel).toEqual([inside, inside, inside])
    }
  })

  it("the statter's lstat is the path's stat where it hands one out (no link, the file exists)", () => {
    const statInside = insideProjectStatter(project)
    const st = statInside(path.join(project.root, 'models', 'sir.py'))
    expect(st && st.ino).toBe(fs.statSync(path.join(project.root, 'models', 'sir.py'), { bigint: true }).ino)
    expect(statInside(path.join(project.root, 'models', 'missing.py'))).toBe(null)
    expect(statInside(path.join(project.root, 'secret-link.csv'))).toBe(false)
    fs.symlinkSync('sir.py', path.join(project.root, 'models', 'inner-link.py'))
    expect(statInside(path.join(project.root, 'models', 'inner-link.py'))).toBe(null) // a link: stat it through
  })
})

describe('isProjectRelative', () => {
  it('accepts clean project-relative POSIX paths only', () => {
    for (const ok of ['a', 'a/b.py', '.a', 'a/..b', '...', 'a/.b/c', 'a b', 'é/ß', 'b..']) expect(isProjectRelative(ok), ok).toBe(true)
    for (const bad of ['', '/a', 'C:x', 'c:/x', 'a\\b', 'a\0b', 'a//b', 'a/', '.', '..', './a', 'a/.', 'a/./b', 'a/../b', '../a', 'a/..']) {
      expect(isProjectRelative(bad), JSON.stringify(bad)).toBe(false)
    }
  })
})

describe('normalizeStoredPath', () => {
  it('produces the normal form or a reason', () => {
    expect(normalizeStoredPath('./a//b/')).toEqual({ path: 'a/b' })
    expect(normalizeStoredPath('a\\b.py')).toEqual({ path: 'a/b.py' })
    expect(normalizeStoredPath('a/../b')).toEqual({ path: 'b' })
    expect(normalizeStoredPath('a/../../b')).toMatchObject({ outside: true })
    expect(normalizeStoredPath('C:\\x\\y')).toMatchObject({ outside: true })
    expect(normalizeStoredPath('./')).toMatchObject({ outside: false })
  })
})
