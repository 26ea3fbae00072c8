// One worker_threads pool for every CPU-bound job over whole files (byte hashing, parsing). Workers are unref'd
// whenever idle, so an idle pool never keeps the process alive; close() ends them for good.
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Worker, WorkerOptions } from 'node:worker_threads'
import type { FileJob, FileReply } from './serve.js'

let WorkerClass: typeof Worker | undefined
/**
 * node:worker_threads on the first worker: most runs (a warm build, `hash` of a few files) start none, and loading it
 * costs every process a few ms of start-up.
 */
function startWorker(entry: URL | string, options?: WorkerOptions): Worker {
  WorkerClass ??= (createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).Worker
  return new WorkerClass(entry, options)
}

/**
 * The one rule that starts workers, for every pool: at least two files need the work, and either their bytes reach
 * `minBytes` (the pool's break-even: what one thread does in about the time two workers take to start) or the pool
 * already runs (a watch-mode rebuild or a second batch pays no start-up). Each pool names its break-even.
 */
export function poolPaysOff(sizes: readonly (number | bigint)[], minBytes: number, running: boolean): boolean {
  if (sizes.length < 2) return false
  if (running) return true
  let total = 0
  for (const s of sizes) total += Number(s)
  return total >= minBytes
}

/** min(2, available cores): the machines we target have two. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism()))
}

/**
 * The worker module `<stem>` beside `base` (the caller's import.meta.url). From dist it is `<stem>.js` (every module
 * is bundled into index.js, so the sibling is the built entry). From src (vitest, tsx) it is the .ts file, loaded
 * through tsx's register API from a tiny eval bootstrap: Node 20 does not apply `--import tsx` to a worker's entry.
 */
function spawnWorker(base: string, stem: string): Worker {
  // Workers inherit the parent's flags, but reject --input-type (set by `node --input-type=module -e …`).
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'))
  if (!/\.[cm]?ts$/.test(base)) return newWorker(new URL(`./${stem}.js`, base), { execArgv })
  // The ESM build of tsx's API (its CJS build cannot register ESM hooks from a worker).
  const tsxApi = pathToFileURL(join(dirname(createRequire(base).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href
  const entry = new URL(`./${stem}.ts`, base).href
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => (m.register ?? m.default.register)()).then(() => import(${JSON.stringify(entry)}))`
  return newWorker(boot, { eval: true, execArgv })
}

/**
 * Node refuses per-process and V8 flags in a worker's execArgv (`node --no-liftoff vite build` would throw):
 * then start the worker with no flags rather than not at all.
 */
function newWorker(entry: URL | string, options: { eval?: boolean; execArgv: string[] }): Worker {
  try {
    return startWorker(entry, options)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err
    return startWorker(entry, { ...options, execArgv: [] })
  }
}

interface Pending<R> {
  job: FileJob
  resolve: (value: R) => void
  reject: (err: Error) => void
  onBytes?: (bytes: number) => void
}

interface Slot<R> {
  worker: Worker
  /** Jobs sent and not yet answered, by id. */
  inflight: Map<number, Pending<R>>
  worked?: boolean
}

/**
 * Jobs in flight per worker. With one, a worker idles for a thread round trip after every file (measured: two
 * parse workers reached 70-85% of two single-thread processes); a second queued job hides that round trip.
 */
const DEPTH = 2

export interface WorkerPoolOptions {
  /** For messages: 'hash', 'parse'. */
  name: string
  /** import.meta.url of the module beside the worker file. */
  base: string
  /** File name of the worker without extension, e.g. 'hash-worker'. */
  stem: string
  /** Worker count; default min(2, available cores). */
  size?: number
  /** Explicit worker module (tests point it elsewhere). */
  entry?: URL
}

/**
 * Rejections caused by the pool itself (a worker that died or cannot start) carry `poolFailure: true`:
 * callers redo that job in-thread. Errors of the job (a missing file) are passed through as they are.
 */
export class WorkerPool<R> {
  readonly size: number
  private readonly slots: Slot<R>[] = []
  private readonly queue: Pending<R>[] = []
  private nextId = 0
  private closed = false
  private broken = false
  private limit: number
  /** Jobs answered by workers (not in-thread fallbacks): lets tests see that the threads really ran. */
  completed = 0
  /** Most jobs one worker held at once (tests check that round trips are hidden). */
  peakInFlight = 0
  /** Least gap between a worker's progress messages, ms (half the main thread's report interval; tests set 0). */
  progressIntervalMs = 50

  constructor(private readonly options: WorkerPoolOptions) {
    this.size = options.size ?? defaultWorkers()
    this.limit = this.size
  }

  /**
   * `op` is passed to the worker as it is (workers that do one thing ignore it). `onBytes` (progress): byte counts
   * the worker posts while it works (see progressIntervalMs).
   */
  run<T extends R = R>(file: string, options: { op?: string; onBytes?: (bytes: number) => void; shared?: SharedArrayBuffer } = {}): Promise<T> {
    const { op, onBytes, shared } = options
    if (this.closed) return Promise.reject(new Error(`${this.options.name} pool is closed`))
    return new Promise<T>((resolve, reject) => {
      const job: FileJob = { id: this.nextId++, file, ...(op === undefined ? {} : { op }), ...(onBytes ? { progress: this.progressIntervalMs } : {}), ...(shared ? { shared } : {}) }
      this.queue.push({ job, resolve: resolve as (value: R) => void, reject, onBytes })
      this.pump()
    })
  }

  /** Whether any worker is alive (then using the pool costs no start-up). */
  get running(): boolean {
    return this.slots.length > 0
  }

  private spawn(): Slot<R> | undefined {
    const { entry, base, stem, name } = this.options
    let worker: Worker
    try {
      worker = entry ? startWorker(entry) : spawnWorker(base, stem)
    } catch {
      // No more workers than already run; with none, everything runs in-thread.
      this.limit = this.slots.length
      if (this.limit === 0) this.broken = true
      return undefined
    }
    const slot: Slot<R> = { worker, inflight: new Map() }
    worker.on('message', (reply: FileReply<R>) => {
      if ('progress' in reply) return slot.inflight.get(reply.id)?.onBytes?.(reply.progress)
      slot.worked = true
      this.completed++
      const p = slot.inflight.get(reply.id)
      slot.inflight.delete(reply.id)
      if (p) {
        if ('value' in reply) p.resolve(reply.value)
        else p.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }))
      }
      this.pump()
    })
    // A dying worker (e.g. out of memory on a huge file) fails only its own jobs.
    const fail = (err: Error) => {
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots.splice(i, 1)
      // A worker that cannot even start will not start next time either: everything runs in-thread.
      if (!slot.worked) this.broken = true
      const lost = [...slot.inflight.values()]
      slot.inflight.clear()
      for (const p of lost) p.reject(Object.assign(new Error(err.message), { poolFailure: true }))
      this.pump()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`${name} worker exited with code ${code}`)))
    worker.unref()
    this.slots.push(slot)
    return slot
  }

  /** The slot to give the next job: an idle worker, else a new one, else the least loaded below DEPTH. */
  private pick(): Slot<R> | undefined {
    let best: Slot<R> | undefined
    for (const s of this.slots) if (!best || s.inflight.size < best.inflight.size) best = s
    if (best && best.inflight.size === 0) return best
    if (this.slots.length < this.limit) return this.spawn() ?? best
    return best && best.inflight.size < DEPTH ? best : undefined
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed && !this.broken) {
      const slot = this.pick()
      if (!slot) break
      const p = this.queue.shift()!
      slot.inflight.set(p.job.id, p)
      if (slot.inflight.size > this.peakInFlight) this.peakInFlight = slot.inflight.size
      slot.worker.ref()
      slot.worker.postMessage(p.job)
    }
    if (this.broken) {
      for (const p of this.queue.splice(0)) p.reject(Object.assign(new Error(`${this.options.name} workers cannot start`), { poolFailure: true }))
    }
    for (const s of this.slots) if (s.inflight.size === 0) s.worker.unref()
  }

  /** Terminate every worker; queued jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true
    for (const p of this.queue.splice(0)) p.reject(new Error(`${this.options.name} pool closed`))
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()))
  }
}
