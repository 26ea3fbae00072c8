import { createReadStream } from 'node:fs'
import path from 'node:path'
import type { ViteDevServer } from 'vite'
import { describeError, type BuildResult, type ModelopsContext } from './context.js'
import { RESOLVED_ID } from './virtual.js'
import { PLUGIN_NAME } from './emit.js'
import { serializeBuildReport } from './report.js'

interface HotContext {
  environment: { name: string; moduleGraph: { getModuleById(id: string): { isSelfAccepting?: boolean } | undefined }; hot: { send(payload: unknown): void } }
}

/**
 * Vite dev has no bundle (no emitFile): the manifest and artifacts are served from middleware, every
 * registered file is watched, and a change to one (Vite's `hotUpdate`, per environment) recomputes
 * (serialised and incremental: only stale models regenerate) and hands Vite the virtual module, so HMR
 * reaches its importers (a full reload where nothing accepts it).
 */
export function createDevSupport(ctx: ModelopsContext, initial: () => Promise<BuildResult>) {
  let server: ViteDevServer | undefined
  let watched = new Set<string>()
  /** Revision each environment has last been given; starts at the revision the server started with. */
  const seen = new Map<string, number>()
  let baseline: number | undefined
  /**
   * `seen` value of an environment whose page shows our error: the next good run must reach it even when it
   * restores the last good revision (the registry saved back as it was), or the overlay would stay.
   */
  const SHOWN_ERROR = -1
  let announced: number | undefined

  const watchAll = () => {
    const next = new Set(ctx.watching)
    const added = [...next].filter((f) => !watched.has(f))
    // Files outside Vite's root (or in folders it ignores) are only watched once added.
    if (added.length) server?.watcher.add(added)
    watched = next
  }

  function configureServer(s: ViteDevServer): void {
    server = s
    initial().then((r) => {
      baseline = r.revision
      watchAll()
    }, (err) => {
      // Keep serving and watching: fixing the file that broke the run triggers the next one.
      baseline = SHOWN_ERROR
      ctx.logger.warn(describeError(err))
      watchAll()
    })
    s.middlewares.use((req, res, next) => {
      if (!req.url || (req.method !== 'GET' && req.method !== 'HEAD')) return next()
      let pathname: string
      try {
        pathname = decodeURIComponent(req.url.split('?')[0]!)
      } catch {
        // `GET /%` and other malformed escapes: the client's mistake, not a server error with a stack.
        res.statusCode = 400
        res.setHeader('Content-Type', 'text/plain; charset=utf-8')
        res.end(req.method === 'HEAD' ? undefined : 'Bad Request: malformed percent-encoding in the URL\n')
        return
      }
      const r = ctx.last
      if (!r) return next()
      const base = ctx.base
      if (pathname.startsWith(base)) pathname = pathname.slice(base.length)
      else pathname = pathname.replace(/^\//, '')
      if (ctx.options.manifest && pathname === ctx.options.manifest.fileName) {
        res.setHeader('Content-Type', 'application/json; charset=utf-8')
        res.setHeader('Cache-Control', 'no-cache')
        res.end(req.method === 'HEAD' ? undefined : r.manifestText)
        return
      }
      // The latest run's report (the server's first run, then each rerun after an edit).
      if (ctx.options.report && pathname === ctx.options.report.fileName) {
        res.setHeader('Content-Type', 'application/json; charset=utf-8')
        res.setHeader('Cache-Control', 'no-cache')
        res.end(req.method === 'HEAD' ? undefined : serializeBuildReport(r))
        return
      }
      const file = r.files.find((f) => f.fileName === pathname)
      if (!file) return next()
      res.setHeader('Content-Type', contentType(file.fileName))
      res.setHeader('Content-Length', String(file.bytes))
      res.setHeader('Cache-Control', 'no-cache')
      res.setHeader('ETag', `"${file.digest}"`)
      if (req.method === 'HEAD') return res.end()
      createReadStream(file.source).on('error', next).pipe(res)
    })
  }

  /** Vite calls hotUpdate once per environment with the same timestamp for one change: one run serves them all. */
  const runs = new Map<string, Promise<BuildResult>>()

  async function hotUpdate(this: HotContext, options: { file: string; timestamp?: number }): Promise<unknown[] | void> {
    if (!ctx.isWatched(options.file)) return
    const env = this.environment
    const change = `${options.timestamp ?? Date.now()}:${options.file}`
    let run = runs.get(change)
    if (!run) {
      run = ctx.run()
      runs.set(change, run)
      if (runs.size > 16) runs.delete(runs.keys().next().value!)
    }
    let r: BuildResult
    try {
      r = await run
    } catch (err) {
      const message = describeError(err)
      ctx.logger.warn(message)
      watchAll()
      seen.set(env.name, SHOWN_ERROR)
      env.hot.send({ type: 'error', err: { message, stack: '', plugin: PLUGIN_NAME } })
      return []
    }
    watchAll()
    const before = seen.get(env.name) ?? baseline
    seen.set(env.name, r.revision)
    if (before === r.revision) return []
    if (announced !== r.revision) {
      announced = r.revision
      // For pages that fetch the manifest instead of importing the virtual module.
      const channel = server?.environments?.client?.hot ?? server?.ws
      channel?.send({ type: 'custom', event: 'modelops-bundle:update', data: { bundle_digest: r.manifest.bundle_digest } })
    }
    const mod = env.moduleGraph.getModuleById(RESOLVED_ID)
    // Vite sends no update for a module it never analysed (its load failed: the server started on a broken
    // registry), so the overlay would stay: only a reload brings the page back.
    if (mod && mod.isSelfAccepting !== undefined) return [mod]
    if (before === SHOWN_ERROR) env.hot.send({ type: 'full-reload' })
    return []
  }

  return { configureServer, hotUpdate }
}

/** What Vite's overlay shows for a failed run: our formatted message (file:line, what to do), no stack. */
export function overlayError(err: unknown): Error & { plugin: string } {
  const e = Object.assign(new Error(describeError(err)), { plugin: PLUGIN_NAME })
  e.stack = ''
  return e
}

const TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.parquet': 'application/vnd.apache.parquet',
}

function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}
