// Finding the project from a build: the same search as the CLI, with the plugin's own way out when it fails.
import { isModelopsError, ModelopsError } from '@modelops-bundle/core'

/**
 * `open()` (which searches upward from `start` for `.modelops-bundle/`); when no project is found, the hint names
 * the plugin's `root` option: the CLI's advice alone (`mops-bundle init`) would make a second, empty project
 * beside the real one.
 */
export function withRootHint<T>(start: string, fromRootOption: boolean, open: () => T): T {
  try {
    return open()
  } catch (err) {
    if (!isModelopsError(err) || err.code !== 'NOT_A_PROJECT') throw err
    const hint = fromRootOption
      ? `the plugin's \`root\` option (${start}) must be the folder holding .modelops-bundle/, or a folder inside it`
      : `set the plugin's \`root\` option to the folder holding .modelops-bundle/, e.g. ModelopsBundle({ root: 'path/to/project' }); for a new project, run \`npx mops-bundle init\` in that folder first`
    throw new ModelopsError('NOT_A_PROJECT', `${err.message}: searched ${start} and its parents`, { hint, cause: err })
  }
}
