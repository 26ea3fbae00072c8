import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultConfig, parseConfig } from '../src/project/config.js'
import { CONFIG_TEMPLATE } from '../src/project/config-template.js'
import { defaultRegistryRef } from '../src/interop/registry-ref.js'
import { findProject, initProject, openProject } from '../src/project/project.js'
import { loadRegistry } from '../src/registry/registry.js'
import { catchError, pyyamlLoadMany, tempDir } from './registry-helpers.js'

describe('findProject', () => {
  it('finds the nearest ancestor holding .modelops-bundle/', async () => {
    const root = tempDir()
    await initProject(root)
    const deep = path.join(root, 'a', 'b', 'c')
    fs.mkdirSync(deep, { recursive: true })
    expect(findProject(deep).root).toBe(root)
    expect(findProject(root).root).toBe(root)
    // A nested project wins over the outer one.
    await initProject(path.join(root, 'a'))
    expect(findProject(deep).root).toBe(path.join(root, 'a'))
  })

  it("says it is not inside a project with the reference's wording and the fix", () => {
    const dir = tempDir()
    const err = catchError(() => findProject(dir))
    expect(err.code).toBe('NOT_A_PROJECT')
    expect(err.message).toBe('Not inside a modelops-bundle project (no .modelops-bundle found)')
    expect(err.hint).toContain('mops-bundle init')
    expect(err.exitCode).toBe(1)
  })

  it('ignores a .modelops-bundle that is a file', () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, '.modelops-bundle'), '')
    expect(catchError(() => findProject(dir)).code).toBe('NOT_A_PROJECT')
  })
})

describe('initProject', () => {
  it('creates an empty registry and a commented config, and is idempotent', async () => {
    const root = tempDir()
    const first = await initProject(root)
    expect(first.created).toEqual(['.modelops-bundle/registry.yaml', '.modelops-bundle/config.yaml'])
    expect(loadRegistry(first.project)).toEqual({ version: '1.0', models: {}, targets: {}, target_sets: {} })
    expect(first.project.config).toEqual({ ...defaultConfig(), registry_ref: `${first.registryRef}` })
    expect(first.registryRef).toMatch(new RegExp(`/${path.basename(root)}$`))
    const second = await initProject(root)
    expect(second.created).toEqual([])
    expect(second.missingRegistryRef).toBe(false)
  })

  it('racing inits create each file exactly once', async () => {
    const root = tempDir()
    const results = await Promise.all(Array.from({ length: 8 }, () => initProject(root)))
    const created = results.flatMap((r) => r.created).sort()
    expect(created).toEqual(['.modelops-bundle/config.yaml', '.modelops-bundle/registry.yaml'])
    expect(fs.readdirSync(path.join(root, '.modelops-bundle')).sort()).toEqual(['config.yaml', 'registry.yaml'])
  })

  it('never overwrites an existing registry or config', async () => {
    const root = tempDir()
    fs.mkdirSync(path.join(root, '.modelops-bundle'))
    fs.writeFileSync(path.join(root, '.modelops-bundle', 'registry.yaml'), 'version: "1.0"\nmodels: {}\n# mine\n')
    fs.writeFileSync(path.join(root, '.modelops-bundle', 'config.yaml'), 'auto_code: false\n')
    const { created, project, missingRegistryRef } = await initProject(root)
    expect(created).toEqual([])
    expect(fs.readFileSync(project.registryPath, 'utf8')).toContain('# mine')
    expect(project.config.auto_code).toBe(false)
    // The Python tool needs registry_ref: said, and added only when given by name.
    expect(missingRegistryRef).toBe(true)
    const again = await initProject(root, { registryRef: 'ghcr.io/org/epi' })
    expect(again.project.config).toMatchObject({ auto_code: false, registry_ref: 'ghcr.io/org/epi' })
    expect(fs.readFileSync(project.configPath, 'utf8')).toMatch(/^auto_code: false\n\n# The OCI repository/)
  })

  it('makes the default registry_ref as the Python init does: login_server of the bundle environment, else localhost:5555', () => {
    const home = tempDir()
    expect(defaultRegistryRef('epi', 'dev', home)).toEqual({ registryRef: 'localhost:5555/epi', source: null })
    fs.mkdirSync(path.join(home, '.modelops', 'bundle-env'), { recursive: true })
    fs.writeFileSync(path.join(home, '.modelops', 'bundle-env', 'dev.yaml'), 'environment: dev\nregistry:\n  provider: acr\n  login_server: myacr.azurecr.io\n')
    expect(defaultRegistryRef('epi', 'dev', home).registryRef).toBe('myacr.azurecr.io/epi')
    fs.writeFileSync(path.join(home, '.modelops', 'bundle-env', 'prod.yaml'), 'registry:\n  login_server: ghcr.io/org/models\n')
    expect(defaultRegistryRef('epi', 'prod', home).registryRef).toBe('ghcr.io/org/models')
    expect(() => defaultRegistryRef('epi', '../x', home)).toThrow(/invalid environment name/)
  })

  it('refuses a .modelops-bundle file with a clear error', async () => {
    const root = tempDir()
    fs.writeFileSync(path.join(root, '.modelops-bundle'), '')
    const err = await initProject(root).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    )
    expect(err?.code).toBe('USAGE')
    expect(err?.message).toContain('not a folder')
  })

  it('writes a template whose commented keys are valid when uncommented', () => {
    expect(parseConfig(CONFIG_TEMPLATE, 'config.yaml').config).toEqual(defaultConfig())
    // Uncomment every `# key:` line (and its indented continuation) and parse: documentation cannot rot.
    const uncommented = CONFIG_TEMPLATE.split('\n')
      .filter((l) => /^# {0,3}[a-z_]+:|^# {3,}/.test(l) && !/^# (auto_code: true)/.test(l))
      .map((l) => l.replace(/^# /, ''))
      .join('\n')
    const { config } = parseConfig(uncommented, 'config.yaml')
    expect(config.environment).toEqual({
      python_version: '3.11.7',
      platform: 'linux-x86_64',
      dependencies: { numpy: '1.26.4' },
      container_image: null,
      cuda_version: null,
      rng_algorithm: 'PCG64',
      thread_count: 1,
    })
    expect(config.generator).toEqual({ command: ['python3', 'run_model.py'], timeout: 600_000, inputs: ['run_model.py'] })
    expect(config.code_roots).toEqual(['.', 'src'])
  })

  it("sets the import settings the Python tool reads (auto_code mapping), equal to our defaults", () => {
    const live = CONFIG_TEMPLATE.split('\n').filter((l) => l !== '' && !l.startsWith('#')).join('\n')
    expect(live).toMatch(/^auto_code:\n {2}code_roots: \['\.', 'src'\].*\n {2}import_mode: files/)
    expect(parseConfig(live, 'config.yaml').config).toEqual(defaultConfig())
  })
})

describe('openProject and config.yaml', () => {
  function projectWithConfig(text: string) {
    const root = tempDir()
    fs.mkdirSync(path.join(root, '.modelops-bundle'))
    fs.writeFileSync(path.join(root, '.modelops-bundle', 'config.yaml'), text)
    return root
  }

  it('applies defaults when config.yaml is missing or empty', () => {
    const root = tempDir()
    fs.mkdirSync(path.join(root, '.modelops-bundle'))
    expect(openProject(root).config).toEqual(defaultConfig())
    expect(openProject(projectWithConfig('')).config).toEqual(defaultConfig())
    expect(openProject(projectWithConfig('# only comments\n')).config).toEqual(defaultConfig())
  })

  it('reads every key', () => {
    const root = projectWithConfig(
      [
        'environment:',
        '  python_version: 3.10',
        '  dependencies: {numpy: 1.26.4, scipy: "1.11"}',
        '  thread_count: 4',
        'base_classes: [mylib.Model]',
        'code_roots: [lib]',
        'auto_code: false',
        'generator:',
        '  command: python3 run.py',
        '  timeout: 30s',
      ].join('\n'),
    )
    const { config } = openProject(root)
    // Unquoted versions keep their text: 3.10 is not 3.1.
    expect(config.environment).toEqual({ python_version: '3.10', dependencies: { numpy: '1.26.4', scipy: '1.11' }, thread_count: 4 })
    expect(config.base_classes).toEqual(['mylib.Model'])
    expect(config.code_roots).toEqual(['lib'])
    expect(config.auto_code).toBe(false)
    expect(config.generator).toEqual({ command: 'python3 run.py', timeout: 30_000 })
  })

  it('reads generator.inputs as clean project-relative paths', () => {
    const { config } = openProject(projectWithConfig('generator:\n  command: [python3, -m, modelops_runner]\n  inputs: [modelops_runner/, ./tools/gen.py]\n'))
    expect(config.generator).toEqual({ command: ['python3', '-m', 'modelops_runner'], inputs: ['modelops_runner', 'tools/gen.py'] })
  })

  it("accepts the reference's auto_code mapping", () => {
    const { config } = openProject(projectWithConfig('auto_code:\n  code_roots: [src, lib]\n  import_mode: package\n  ignore: ["tests/*"]\n'))
    expect(config.auto_code).toBe(true)
    expect(config.code_roots).toEqual(['src', 'lib'])
    expect(config.import_mode).toBe('package')
    expect(config.code_ignore).toEqual(['tests/*'])
  })

  it("accepts the Python tool's own keys silently and warns about unknown ones instead of failing", () => {
    const python = 'registry_ref: ghcr.io/x/y\ndefault_tag: latest\nstorage:\n  mode: auto\n  threshold_bytes: 52428800\ncache_dir: null\ncache_link_mode: auto\n'
    const project = openProject(projectWithConfig(`${python}auto_code: true\nsurprise: 1\n`))
    expect(project.config.registry_ref).toBe('ghcr.io/x/y')
    expect(project.warnings).toEqual([expect.objectContaining({ code: 'CONFIG_UNKNOWN_KEY', line: 9, column: 1 })])
  })

  it.each([
    ['auto_code: maybe\n', 1, 12, /auto_code must be true, false or a mapping/],
    ['environment:\n  thread_count: many\n', 2, 17, /environment\.thread_count must be a number/],
    ['environment:\n  thread_count: 0\n', 2, 17, /at least 1/],
    ['environment:\n  pythn_version: "3.11"\n', 2, 3, /unknown environment input "pythn_version"/],
    ['environment:\n  toString:\n', 2, 3, /unknown environment input "toString"/],
    ['generator:\n  timeout: 10\n', 2, 3, /generator needs a command/],
    ['generator:\n  command: run\n  timeout: soon\n', 3, 12, /generator\.timeout: must be a duration/],
    ['generator:\n  command: run\n  timeout: 600h\n', 3, 12, /generator\.timeout: 2160000000 ms \(25\.0 days\) is longer than the longest timer Node can set, 2147483647 ms/],
    ['generator:\n  command: run\n  timeout: 3000000000\n', 3, 12, /generator\.timeout: 3000000000 ms .* longer than the longest timer/],
    ['code_roots: [../elsewhere]\n', 1, 14, /must be a folder inside the project/],
    ["code_roots: ['.', './..']\n", 1, 19, /code_roots\[1\] must be a folder inside the project, got "\.\/\.\."/],
    ['code_roots: [src/../..]\n', 1, 14, /must be a folder inside the project/],
    ["auto_code:\n  code_roots: ['C:/py']\n", 2, 16, /auto_code\.code_roots\[0\] must be a folder inside the project/],
    ['generator:\n  command: run\n  inputs: [../runner]\n', 3, 12, /generator.inputs\[0\] must be a file or folder inside the project/],
    ['generator:\n  command: run\n  inputs: runner\n', 3, 11, /generator.inputs must be a list/],
    ['base_classes: "x.Y"\n', 1, 15, /base_classes must be a list/],
    ['auto_code: true\nauto_code: false\n', 2, 1, /duplicate key/],
    ['environment: [\n', 2, 1, /YAML syntax error/],
  ])('a bad config gives CONFIG_INVALID with file, line and column: %j', (text, line, column, message) => {
    const root = projectWithConfig(text)
    const err = catchError(() => openProject(root))
    expect(err.code).toBe('CONFIG_INVALID')
    expect(err.message).toMatch(message)
    expect({ file: err.file, line: err.line, column: err.column }).toEqual({ file: '.modelops-bundle/config.yaml', line, column })
    expect(err.text.startsWith(`.modelops-bundle/config.yaml:${line}:${column}: `)).toBe(true)
    expect(err.hint).toBeTruthy()
  })

  it('the template is valid for PyYAML too (the Python tool reads the same file)', () => {
    const [loaded] = pyyamlLoadMany([CONFIG_TEMPLATE])
    // Only the import settings are live: the mapping the Python tool's config.py reads with data.get('auto_code').
    expect(loaded).toEqual({ auto_code: { code_roots: ['.', 'src'], import_mode: 'files', ignore: [] } })
  })
})

describe('openProject: a config.yaml too large to be one', () => {
  it('is refused from its size before it is read (a 3 GiB sparse file: the limit, not a read error)', async () => {
    const { project } = await initProject(tempDir())
    const fd = fs.openSync(project.configPath, 'w')
    fs.writeSync(fd, 'auto_code: true\n')
    fs.ftruncateSync(fd, 3 * 1024 * 1024 * 1024)
    fs.closeSync(fd)
    const err = catchError(() => openProject(project.root))
    expect(err.code).toBe('CONFIG_INVALID')
    expect(err.text).toMatch(/^\.modelops-bundle\/config\.yaml:1:1: file is too large .*3072\.0 MiB; the limit is 1\.0 MiB/)
  })
})

describe('config.yaml details', () => {
  it('an empty environment key means "detect it"; container_image and cuda_version may be null', () => {
    const { config } = parseConfig('environment:\n  python_version:\n  container_image: null\n  cuda_version: ~\n', 'config.yaml')
    expect(config.environment).toEqual({ container_image: null, cuda_version: null })
  })

  it('an environment name (as the Python tool may write) is ignored with a warning', () => {
    const { config, warnings } = parseConfig('environment: local\n', 'config.yaml')
    expect(config.environment).toEqual({})
    expect(warnings[0]?.message).toMatch(/environment "local" is a name/)
  })

  it('reads durations in every unit and as milliseconds', () => {
    const t = (v: string) => parseConfig(`generator:\n  command: [run]\n  timeout: ${v}\n`, 'c').config.generator?.timeout
    expect([t('500ms'), t('2s'), t('1.5m'), t('1h'), t('2500')]).toEqual([500, 2000, 90_000, 3_600_000, 2500])
    // The longest Node timer (2^31 - 1 ms) rounds down to 596 h: that much is accepted.
    expect([t('596h'), t('2147483647')]).toEqual([2_145_600_000, 2_147_483_647])
  })
})
