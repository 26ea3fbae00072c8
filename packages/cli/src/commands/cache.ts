// `mops-bundle cache info|prune|clear`: the build plugin's output cache (core/src/cache, docs/cache.md).
import path from 'node:path'
import { LocalStore, NODE_MODULES_CACHE_DIR, WORKSPACE_CACHE_DIR } from '@modelops-bundle/core'
import { formatBytes, parseSize } from '@modelops-bundle/core/internal'
import { defineCommand } from 'citty'
import { defineCli } from '../argv.js'
import { EXIT, type Output, table, usageError } from '../output.js'
import { currentWorkspace } from '../project.js'
import { progressLine } from '../progress.js'
import { remoteCommands } from './cache-remote.js'

const DEFAULT_MAX = '2GiB'

const cacheDirArg = { type: 'string', description: `Cache folder (default <project>/${NODE_MODULES_CACHE_DIR} where the project has node_modules, else <project>/${WORKSPACE_CACHE_DIR}; a build keeps its cache in <bundler root>/${NODE_MODULES_CACHE_DIR})` } as const

function storeOf(out: Output, dir: string | undefined): LocalStore {
  return dir ? new LocalStore(path.resolve(dir), { onWarning: (m) => out.warn(m) }) : currentWorkspace(out).outputs.local
}

const info = defineCli({
  name: 'cache info',
  description: 'Where the output cache is, how big, and its entries (least recently used first)',
  args: { cacheDir: cacheDirArg, json: { type: 'boolean', description: 'Print the cache info as JSON' } },
  async run({ args, out }) {
    const result = await storeOf(out, args.cacheDir).info()
    if (out.json) return out.result(result)
    out.line(`${out.c.bold('cache')}    ${result.dir}`)
    out.line(`${out.c.bold('entries')}  ${result.entries} (${formatBytes(result.bytes)})`)
    if (result.entries === 0) return
    out.line()
    const rows = result.list.map((e) => [e.key.slice(0, 12), e.model_id, String(e.files), formatBytes(e.bytes), e.last_used])
    out.line(table(['Key', 'Model', 'Files', 'Size', 'Last used'], rows, { indent: '  ' }))
  },
})

const prune = defineCli({
  name: 'cache prune',
  description: 'Evict least-recently-used entries down to --max-size; remove leftovers of killed builds',
  args: {
    cacheDir: cacheDirArg,
    maxSize: { type: 'string', description: `Keep at most this much (default ${DEFAULT_MAX}, the plugin's maxCacheSize)` },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  async run({ args, out }) {
    const maxBytes = parseSize(args.maxSize ?? DEFAULT_MAX, (problem) => {
      throw usageError(`--max-size: ${problem}`, 'e.g. --max-size 500MB or --max-size 2GiB')
    })
    const result = await storeOf(out, args.cacheDir).prune({ maxBytes })
    if (out.json) return out.result({ ...result, max_bytes: maxBytes })
    out.success(`Pruned ${result.removed} entries (${formatBytes(result.freed)}) to stay under ${formatBytes(maxBytes)}${result.staging ? `; removed ${result.staging} abandoned staging folders` : ''}`)
  },
})

const clear = defineCli({
  name: 'cache clear',
  description: 'Remove every entry of the output cache (entries a running build is generating are kept; running builds keep reading what they hold)',
  args: { cacheDir: cacheDirArg, json: { type: 'boolean', description: 'Print the result as JSON' } },
  async run({ args, out }) {
    const result = await storeOf(out, args.cacheDir).clear()
    if (out.json) return out.result(result)
    out.success(`Removed ${result.removed} entries (${formatBytes(result.freed)})`)
  },
})

const verify = defineCli({
  name: 'cache verify',
  description: 'Hash every file of every entry and drop the entries that do not match their index (exit 1 if any was dropped)',
  args: { cacheDir: cacheDirArg, json: { type: 'boolean', description: 'Print the result as JSON' } },
  async run({ args, out }) {
    // Warnings of the store would repeat what the table says: one line per dropped entry, below.
    const root = args.cacheDir ? path.resolve(args.cacheDir) : currentWorkspace(out).cacheDir!
    const result = await new LocalStore(root).verifyAll({ onProgress: progressLine(out, 'entries') })
    if (out.json) {
      out.result(result)
    } else {
      out.line(`${out.c.bold('cache')}    ${result.dir}`)
      const bad = result.entries.filter((e) => e.status !== 'ok' && e.status !== 'gone')
      if (bad.length > 0) {
        out.line()
        const rows = bad.map((e) => [e.key.slice(0, 12), e.model_id, e.status === 'busy' ? 'skipped: a build holds its lock' : `dropped: ${e.reason}`])
        out.line(table(['Key', 'Model', 'Result'], rows, { indent: '  ' }))
        out.line()
      }
      const busy = result.busy ? `; ${result.busy} skipped (a build is generating them: run again later)` : ''
      const summary = `Verified ${result.checked} entries (${formatBytes(result.bytes)} hashed): ${result.ok} intact, ${result.dropped} corrupt dropped${busy}`
      if (result.dropped > 0) out.warn(summary)
      else out.success(summary)
    }
    return result.dropped > 0 ? EXIT.FAIL : EXIT.OK
  },
})

export default defineCommand({
  meta: { name: 'cache', description: 'The build plugin\'s output cache: info | prune | clear | verify, and with a remote cache status | push | pull' },
  subCommands: { info, prune, clear, verify, ...remoteCommands },
})
