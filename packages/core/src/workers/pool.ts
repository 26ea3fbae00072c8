// One worker_threads pool for every CPU-bound job over whole files (byte hashing, parsing). Workers are unref'd
// whenever idle, so an idle pool never keeps the process alive; close() ends them for good.
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { FileJob, FileReply } from './serve.js'

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
  if (!/\.[cm]?ts$/.test(base)) return new Worker(new URL(`./${stem}.js`, base), { execArgv })
  // The ESM build of tsx's API (its CJS build cannot register ESM hooks from a worker).
  const tsxApi = pathToFileURL(join(dirname(createRequire(base).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href
  const entry = new URL(`./${stem}.ts`, base).href
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => (m.register ?? m.default.register)()).then(() => import(${JSON.stringify(entry)}))`
  return new Worker(boot, { eval: true, execArgv })
}

interface Pending<R> {
  job: FileJob
  resolve: (value: R) => void
  reject: (err: Error) => void
}

interface Slot<R> {
  worker: Worker
  busy?: Pending<R>
  worked?: boolean
}

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
  /** Jobs answered by workers (not in-thread fallbacks): lets tests see that the threads really ran. */
  completed = 0

  constructor(private readonly options: WorkerPoolOptions) {
    this.size = options.size ?? defaultWorkers()
  }

  run(file: string): Promise<R> {
    if (this.closed) return Promise.reject(new Error(`${this.options.name} pool is closed`))
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, file }, resolve, reject })
      this.pump()
    })
  }

  /** Whether any worker is alive (then using the pool costs no start-up). */
  get running(): boolean {
    return this.slots.length > 0
  }

  private spawn(): Slot<R> {
    const { entry, base, stem, name } = this.options
    const worker = entry ? new Worker(entry) : spawnWorker(base, stem)
    const slot: Slot<R> = { worker }
    worker.on('message', (reply: FileReply<R>) => {
      slot.worked = true
      this.completed++
      const p = slot.busy
      slot.busy = undefined
      if (p) {
        if ('value' in reply) p.resolve(reply.value)
        else p.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }))
      }
      this.pump()
    })
    // A dying worker (e.g. out of memory on a huge file) fails only its own job.
    const fail = (err: Error) => {
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots.splice(i, 1)
      // A worker that cannot even start will not start next time either: everything runs in-thread.
      if (!slot.worked) this.broken = true
      const p = slot.busy
      slot.busy = undefined
      p?.reject(Object.assign(err, { poolFailure: true }))
      this.pump()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`${name} worker exited with code ${code}`)))
    worker.unref()
    this.slots.push(slot)
    return slot
  }

  private pump(): void {
    if (this.broken) {
      for (const p of this.queue.splice(0)) p.reject(Object.assign(new Error(`${this.options.name} workers cannot start`), { poolFailure: true }))
      return
    }
    while (this.queue.length > 0 && !this.closed) {
      let slot = this.slots.find((s) => !s.busy)
      if (!slot && this.slots.length < this.size) slot = this.spawn()
      if (!slot) break
      const p = this.queue.shift()!
      slot.busy = p
      slot.worker.ref()
      slot.worker.postMessage(p.job)
    }
    for (const s of this.slots) if (!s.busy) s.worker.unref()
  }

  /** Terminate every worker; queued jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true
    for (const p of this.queue.splice(0)) p.reject(new Error(`${this.options.name} pool closed`))
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()))
  }
}
