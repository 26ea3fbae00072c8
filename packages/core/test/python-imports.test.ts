// Module paths and code dependencies from imports (§3.6 `files` mode, fixed: files only, model file excluded).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isModelopsError } from '../src/errors.js'
import { codeDependencies, moduleFromPath, moduleOf } from '../src/python/imports.js'
import { importRoots, pyprojectRoots } from '../src/python/roots.js'

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pyimp-'))
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true })
    writeFileSync(join(root, rel), text)
  }
  return root
}

describe('moduleFromPath', () => {
  it('accepts non-ASCII identifiers (PEP 3131) and refuses keywords and non-identifiers', () => {
    expect(moduleFromPath('models/modèle_日本.py')).toBe('models.modèle_日本')
    expect(() => moduleFromPath('models/class.py')).toThrow(/'class' is not a valid module name/)
    expect(() => moduleFromPath('mo-dels/x.py')).toThrow(/'mo-dels' is not a valid module name/)
  })
  it('maps paths to dotted modules', () => {
    expect(moduleFromPath('models/sir.py')).toBe('models.sir')
    expect(moduleFromPath('src/epi/models/sir.py')).toBe('src.epi.models.sir')
    expect(moduleFromPath('models\\sir.py')).toBe('models.sir')
    expect(moduleFromPath('./models/sir.py')).toBe('models.sir')
    expect(moduleFromPath('epi/models/__init__.py')).toBe('epi.models')
  })
  it('a root-level file is a DISCOVERY error with the reference\'s advice', () => {
    try {
      moduleFromPath('sir.py')
      expect.unreachable()
    } catch (err) {
      expect(isModelopsError(err) && err.code).toBe('DISCOVERY')
      expect((err as Error).message).toContain("'sir.py' must be inside a package directory")
      expect((err as { hint: string }).hint).toContain("models.sir:ClassName")
    }
  })
  it('paths outside the project or not importable are DISCOVERY errors', () => {
    for (const bad of ['../x/m.py', '/abs/m.py', 'my-models/sir.py', '1pkg/m.py']) {
      expect(() => moduleFromPath(bad), bad).toThrow(expect.objectContaining({ code: 'DISCOVERY' }))
    }
  })
})

describe('codeDependencies', () => {
  it('follows absolute and relative imports transitively through packages; files only, sorted, model excluded', async () => {
    const root = project({
      'models/__init__.py': '',
      'models/sir.py': 'import numpy as np\nfrom . import helpers\nfrom .params import P\nimport lib.util\nfrom lib import sub\n\ndef f():\n    from lib.late import g\n',
      'models/helpers.py': 'from ..lib.deep import x\n',
      'models/params.py': 'from models import sir\n',
      'models/unused.py': '',
      'lib/__init__.py': 'from .shared import *\n',
      'lib/util.py': '',
      'lib/shared.py': '',
      'lib/sub/__init__.py': '',
      'lib/sub/inner.py': '',
      'lib/late.py': 'import os\n',
      'lib/deep.py': '',
    })
    const deps = await codeDependencies(root, 'models/sir.py')
    expect(deps).toEqual([
      'lib/__init__.py', 'lib/late.py', 'lib/shared.py', 'lib/sub/__init__.py', 'lib/util.py',
      'models/__init__.py', 'models/helpers.py', 'models/params.py',
    ])
  })
  it('code roots (default src) are searched too; nothing outside the project', async () => {
    const root = project({
      'models/m.py': 'import epi.core\nimport tools\n',
      'src/epi/__init__.py': '',
      'src/epi/core.py': 'from epi import extra\n',
      'src/epi/extra.py': '',
      'lib2/tools.py': '',
    })
    expect(await codeDependencies(root, 'models/m.py')).toEqual(['src/epi/__init__.py', 'src/epi/core.py', 'src/epi/extra.py'])
    expect(await codeDependencies(root, 'models/m.py', { codeRoots: ['lib2'] })).toEqual(['lib2/tools.py'])
  })
  it('import cycles terminate; a model that imports nothing has no dependencies', async () => {
    const root = project({ 'p/__init__.py': '', 'p/a.py': 'from . import b\n', 'p/b.py': 'from . import a\n', 'p/c.py': 'x = 1\n' })
    expect(await codeDependencies(root, 'p/a.py')).toEqual(['p/__init__.py', 'p/b.py'])
    // Importing p.c runs p/__init__.py first: it is a dependency even though c imports nothing.
    expect(await codeDependencies(root, 'p/c.py')).toEqual(['p/__init__.py'])
    expect(await codeDependencies(project({ 'p/c.py': 'x = 1\n' }), 'p/c.py')).toEqual([])
  })
  it('the model\'s own package __init__ files, from its import root down, and what they import', async () => {
    const root = project({
      'models/__init__.py': 'from .registry import ALL\n',
      'models/registry.py': '',
      'models/sub/__init__.py': '',
      'models/sub/sir.py': 'import numpy\n',
      'src/mypkg/__init__.py': '',
      'src/mypkg/models/__init__.py': '',
      'src/mypkg/models/sir.py': '',
    })
    expect(await codeDependencies(root, 'models/sub/sir.py')).toEqual(['models/__init__.py', 'models/registry.py', 'models/sub/__init__.py'])
    expect(await codeDependencies(root, 'src/mypkg/models/sir.py')).toEqual(['src/mypkg/__init__.py', 'src/mypkg/models/__init__.py'])
  })
})

describe('import roots and module paths (src layouts)', () => {
  const layout = { 'src/mypkg/__init__.py': '', 'src/mypkg/models/__init__.py': '', 'src/mypkg/models/sir.py': '' }
  it('code roots are import roots: src/mypkg/models/sir.py is mypkg.models.sir (default code_roots [., src])', () => {
    const root = project(layout)
    expect(moduleOf(root, 'src/mypkg/models/sir.py')).toBe('mypkg.models.sir')
    expect(moduleOf(root, 'src/mypkg/models/sir.py', importRoots(root, ['.']))).toBe('src.mypkg.models.sir')
    expect(moduleOf(root, 'src/mypkg/models/sir.py', importRoots(root, ['src']))).toBe('mypkg.models.sir')
  })
  it('a folder with __init__.py is a package, not a root: src/__init__.py keeps src. in the path', () => {
    const root = project({ ...layout, 'src/__init__.py': '' })
    expect(moduleOf(root, 'src/mypkg/models/sir.py')).toBe('src.mypkg.models.sir')
  })
  it.each([
    ['setuptools package-dir', '[tool.setuptools]\npackage-dir = {"" = "lib"}\n', 'lib'],
    ['setuptools package-dir per package', '[tool.setuptools.package-dir]\nmypkg = "lib/mypkg"\n', 'lib'],
    ['setuptools packages.find', '[tool.setuptools.packages.find]\nwhere = ["lib"]\n', 'lib'],
    ['hatch packages', '[tool.hatch.build.targets.wheel]\npackages = ["lib/mypkg"]\n', 'lib'],
    ['hatch sources', '[tool.hatch.build.targets.wheel.sources]\n"lib" = ""\n', 'lib'],
    ['poetry packages from', '[tool.poetry]\npackages = [{ include = "mypkg", from = "lib" }]\n', 'lib'],
    ['pdm package-dir', '[tool.pdm.build]\npackage-dir = "lib"\n', 'lib'],
  ])('pyproject.toml: %s', (_name, toml, dir) => {
    const root = project({ 'pyproject.toml': toml, [`${dir}/mypkg/__init__.py`]: '', [`${dir}/mypkg/m.py`]: '' })
    expect(pyprojectRoots(root)).toEqual([dir])
    expect(moduleOf(root, `${dir}/mypkg/m.py`, importRoots(root, ['.']))).toBe('mypkg.m')
  })
  it('pyproject folders outside the project are ignored; invalid TOML is CONFIG_INVALID naming the file and line', () => {
    const root = project({ 'pyproject.toml': '[tool.setuptools.packages.find]\nwhere = ["..", "/tmp"]\n' })
    expect(importRoots(root, ['.'])).toEqual([root])
    writeFileSync(join(root, 'pyproject.toml'), '[project]\nname = \n')
    expect(() => importRoots(root)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', file: 'pyproject.toml', line: 2 }))
  })
  it('a file at the top of an import root has no module path; the advice names its folder', () => {
    const root = project({ 'src/sir.py': '' })
    expect(() => moduleOf(root, 'src/sir.py')).toThrow(expect.objectContaining({ code: 'DISCOVERY', file: 'src/sir.py', hint: expect.stringContaining('mkdir src/models && mv src/sir.py src/models/') }))
  })
})
