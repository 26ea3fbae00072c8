// Finding the project from the current folder, once per command.
import { findProject, type Project } from '@modelops-bundle/core'
import type { Output } from './output.js'

/** The project holding the current folder (NOT_A_PROJECT otherwise); config warnings go to stderr. */
export function currentProject(out: Output, cwd = process.cwd()): Project {
  const project = findProject(cwd)
  out.warnAll(project.warnings)
  return project
}
