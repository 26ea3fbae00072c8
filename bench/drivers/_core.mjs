// Drivers load the BUILT core, as users do. A contract stub that has not landed throws
// "<name>: not implemented yet"; drivers turn that into exit code 3 so the suite reports "not measured".
import { performance } from 'node:perf_hooks'

export const NOT_READY_EXIT = 3
const coreUrl = new URL('../../packages/core/dist/index.js', import.meta.url)
// The worker pools the drivers drive directly are not public API: they come from the internal entry.
const internalUrl = new URL('../../packages/core/dist/internal.js', import.meta.url)

export async function loadCore() {
  try {
    return { ...(await import(coreUrl.href)), ...(await import(internalUrl.href)) }
  } catch (err) {
    notReady(`core does not load from packages/core/dist (${err.message.split('\n')[0]})`)
  }
}

export function notReady(reason) {
  process.stderr.write(`NOT READY: ${reason}\n`)
  process.exit(NOT_READY_EXIT)
}

/** Run `fn`; a notImplemented stub becomes exit 3 with its message. */
export async function guarded(fn) {
  try {
    return await fn()
  } catch (err) {
    const msg = String(err?.message ?? err)
    if (/not implemented yet/.test(msg)) notReady(msg)
    throw err
  }
}

export const now = () => performance.now()

/** The one line the harness parses. */
export function report(fields) {
  const mem = process.memoryUsage()
  process.stdout.write(JSON.stringify({ ...fields, rss_end_kb: Math.round(mem.rss / 1024) }) + '\n')
}

export function argValue(argv, name, fallback) {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : fallback
}
