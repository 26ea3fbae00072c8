// Make sure the sample project exists: a fresh clone has none (playground/sample/ is git-ignored).
// It is made the way a user would: `mops-bundle sample-create`, then register its models and targets.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)

/** The path of the `mops-bundle` executable script (from the CLI package's `bin`). */
export function cliPath() {
  const pkgFile = require.resolve('@modelops-bundle/cli/package.json')
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'))
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['mops-bundle']
  return path.join(path.dirname(pkgFile), bin)
}

/** Run `mops-bundle ...args` in `cwd`; its output goes to ours (its errors always do). */
export function mopsBundle(args, cwd, { quiet = false } = {}) {
  try {
    execFileSync(process.execPath, [cliPath(), ...args], { cwd, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] })
  } catch (err) {
    throw new Error(`\`mops-bundle ${args.join(' ')}\` failed (exit ${err.status ?? err.signal}); its message is above`)
  }
}

/**
 * Create and register the sample at `root` unless it is there already. Built in a temp folder and renamed
 * into place, so an interrupted run never leaves a half-made sample that later runs would trust.
 * @returns {boolean} true when it was created now
 */
export function ensureSample(root, { quiet = false } = {}) {
  if (fs.existsSync(path.join(root, '.modelops-bundle', 'registry.yaml'))) return false
  if (fs.existsSync(root) && fs.readdirSync(root).length > 0) {
    throw new Error(`${root} exists but is not a modelops-bundle project (no .modelops-bundle/registry.yaml): move it away and run again`)
  }
  // Made inside a temp parent so the folder (and so the project's name) is already the final one; the
  // parent sits in an ignored node_modules/.cache on the same disk (a rename cannot cross disks), so a
  // killed run leaves nothing in `git status`.
  const tmpParent = path.join(path.dirname(root), 'node_modules', '.cache', `playground-sample-${process.pid}`)
  const tmp = path.join(tmpParent, path.basename(root))
  fs.rmSync(tmpParent, { recursive: true, force: true })
  fs.mkdirSync(tmpParent, { recursive: true })
  try {
    // Its "next steps" hints are what the following lines do.
    mopsBundle(['sample-create', path.basename(root)], tmpParent, { quiet: true })
    mopsBundle(['register-model', 'models/sir.py'], tmp, { quiet })
    mopsBundle(['register-target', 'targets/epi.py'], tmp, { quiet })
    fs.rmSync(root, { recursive: true, force: true })
    fs.renameSync(tmp, root)
  } finally {
    fs.rmSync(tmpParent, { recursive: true, force: true })
  }
  return true
}
