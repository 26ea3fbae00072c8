// The command table: name → lazily loaded command (a command's code loads only when it runs).
// To add a command, create commands/<name>.ts exporting `default defineCli({...})` and add one line here.
import type { CommandDef } from 'citty'

type Lazy = () => Promise<CommandDef<any>>

export const commands: Record<string, Lazy> = {
  init: () => import('./init.js').then((m) => m.default),
  'register-model': () => import('./register-model.js').then((m) => m.default),
  'register-target': () => import('./register-target.js').then((m) => m.default),
  'target-set': () => import('./target-set.js').then((m) => m.default),
  list: () => import('./list.js').then((m) => m.default),
  digest: () => import('./digest.js').then((m) => m.default),
  status: () => import('./status.js').then((m) => m.default),
  verify: () => import('./verify.js').then((m) => m.default),
  hash: () => import('./hash.js').then((m) => m.default),
  discover: () => import('./discover.js').then((m) => m.default),
  'sample-create': () => import('./sample-create.js').then((m) => m.default),
  cache: () => import('./cache.js').then((m) => m.default),
}

/** Other spellings of a command (the reference's names). */
export const aliases: Record<string, string> = {
  'show-registry': 'list',
}
