// Opening the project of the current folder, once per command.
import { Workspace } from '@modelops-bundle/core'
import type { Output } from './output.js'

/**
 * The workspace of the project holding the current folder (NOT_A_PROJECT otherwise): its cache folder is
 * `node_modules/.cache/modelops-bundle` where the project has node_modules, else the self-ignoring
 * `.modelops-bundle/cache/`. config.yaml's warnings go to stderr.
 */
export function currentWorkspace(out: Output, cwd = process.cwd()): Workspace {
  const ws = Workspace.open(cwd, { mode: 'cli', onWarning: (m) => out.warn(m) })
  out.warnAll(ws.warnings)
  return ws
}
