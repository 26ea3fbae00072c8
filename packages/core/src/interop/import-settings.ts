// Whether config.yaml holds import settings the Python modelops-bundle reads. Without them each tool falls back on
// its own defaults (its config.py: code_roots [src], import_mode package; ours ['.', 'src'] and files), so the two
// record different code dependencies and alternating registrations rewrite each other's list (docs/interop.md).
import fs from 'node:fs'
import type { Warning } from '../errors.js'
import type { Project } from '../project/project.js'
import { yamlLib } from '../project/yaml.js'

/** A warning for register-model when the Python tool would not read our import settings; null when it would. */
export function pythonImportSettingsWarning(project: Project): Warning | null {
  let data: unknown
  try {
    data = yamlLib().parse(fs.readFileSync(project.configPath, 'utf8'))
  } catch {
    return null // missing or invalid: openProject has said so already
  }
  const top = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {}
  const auto = Object.prototype.hasOwnProperty.call(top, 'auto_code') ? top.auto_code : undefined
  // Its load_bundle_config: data.get("auto_code", data), then .get("code_roots") / .get("import_mode").
  const read = auto === undefined ? top : auto
  const roots = project.config.code_roots.map((r) => `'${r}'`).join(', ')
  const block = `auto_code:\n    code_roots: [${roots}]\n    import_mode: ${project.config.import_mode ?? 'files'}`
  if (typeof read !== 'object' || read === null || Array.isArray(read)) {
    return { code: 'CONFIG_INVALID', file: '.modelops-bundle/config.yaml', message: `auto_code: ${String(auto)} is ours only: the Python modelops-bundle needs a mapping there (its register-model fails on it); write\n  ${block}` }
  }
  const has = (k: string) => Object.prototype.hasOwnProperty.call(read, k)
  if (has('code_roots') && has('import_mode')) return null
  const missing = ['code_roots', 'import_mode'].filter((k) => !has(k)).join(' and ')
  return {
    code: 'CONFIG_INVALID',
    file: '.modelops-bundle/config.yaml',
    message: `no ${missing} for the Python modelops-bundle, which then uses code_roots [src] and import_mode package, so the two tools record different code dependencies; to make them agree, write\n  ${block}`,
  }
}
