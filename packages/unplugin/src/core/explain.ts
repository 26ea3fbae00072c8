import { formatStatus, type RegistryPaths, type StatusReport } from '@modelops-bundle/core'

// A build failed by `verify` explains itself in the words of `mops-bundle status` (core's formatStatus):
// only the stale entries (a build log is no place for the fresh ones), then the commands that refresh them.
export function explainStatus(status: StatusReport, registry?: RegistryPaths): string {
  return formatStatus(status, { staleOnly: true, ...(registry ? { registry } : {}) })
}
