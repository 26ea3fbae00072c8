// Module paths and code dependencies from imports (§3.6 `files` mode, fixed: files only, model file excluded).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isModelopsError } from '../src/errors.js'
import { codeDependencies, moduleFromPath } from '../src/python/imports.js'

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
    expect(await codeDependencies(root, 'p/c.py')).toEqual([])
  })
})
