// Shared fixtures of the digest tests: a throw-away project in os.tmpdir() and a hand-built Project object.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Project } from '../src/project/project.js'
import type { EnvironmentInputs } from '../src/digest/types.js'
import type { ModelEntry, Registry, TargetEntry } from '../src/registry/types.js'

export function tempDir(prefix = 'mops-digest-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function makeProject(root: string, environment: Partial<EnvironmentInputs> = { python_version: '3.11.5', platform: 'linux-x86_64' }): Project {
  const dir = join(root, '.modelops-bundle')
  mkdirSync(dir, { recursive: true })
  return {
    root,
    dir,
    registryPath: join(dir, 'registry.yaml'),
    configPath: join(dir, 'config.yaml'),
    config: { environment, base_classes: ['modelops_calabaria.BaseModel'], code_roots: ['.'], auto_code: false },
  }
}

export function write(root: string, rel: string, content: string | Uint8Array): void {
  const abs = join(root, rel)
  mkdirSync(dirname(abs), { recursive: true })
  writeFileSync(abs, content)
}

export function model(path: string, over: Partial<ModelEntry> = {}): ModelEntry {
  return { entrypoint: `${path.replace(/\.py$/, '').replace(/\//g, '.')}:M`, path, class_name: 'M', scenarios: [], parameters: [], outputs: [], data: [], data_digests: {}, code: [], code_digests: {}, model_digest: null, ...over }
}

export function target(path: string, over: Partial<TargetEntry> = {}): TargetEntry {
  return { path, entrypoint: `${path.replace(/\.py$/, '').replace(/\//g, '.')}:t`, model_output: 'out', data: [], data_digests: {}, target_digest: null, ...over }
}

export function registry(models: Record<string, ModelEntry>, targets: Record<string, TargetEntry> = {}): Registry {
  return { version: '1.0', models, targets, target_sets: {} }
}
