// A small worker_threads pool that hashes large files on every core. Workers are unref'd whenever idle,
// so an idle pool never keeps the process alive; closeHashPool() ends them for good.
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { HashJob, HashReply } from './hash-worker.js'

interface Pending {
  job: HashJob
  resolve: (hex: string) => void
  reject: (err: Error) => void
}

interface Slot {
  worker: Worker
  busy?: Pending
}

/**
 * From dist the worker is the sibling `hash-worker.js`. From src (vitest, tsx) it is the .ts file: a tiny eval
 * bootstrap registers tsx inside the worker first (Node 20 does not apply `--import tsx` to a worker's entry module).
 */
function spawnWorker(): Worker {
  const self = import.meta.url
  // Workers inherit the parent's flags, but reject --input-type (set by `node --input-type=module -e …`).
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'))
  if (!/\.[cm]?ts$/.test(self)) return new Worker(new URL('./hash-worker.js', self), { execArgv })
  // The ESM build of tsx's API (its CJS build cannot register ESM hooks from a worker).
  const tsxPkg = createRequire(self).resolve('tsx/package.json')
  const tsxApi = pathToFileURL(join(dirname(tsxPkg), 'dist/esm/api/index.mjs')).href
  const entry = new URL('./hash-worker.ts', self).href
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => (m.register ?? m.default.register)()).then(() => import(${JSON.stringify(entry)}))`
  return new Worker(boot, { eval: true, execArgv })
}

export class HashPool {
  private readonly slots: Slot[] = []
  private readonly queue: Pending[] = []
  private nextId = 0
  private closed = false

  /**
   * @param size worker count; default min(2, available cores).
   * @param entry worker module; default the hash-worker beside this file (tests point it elsewhere).
   */
  constructor(
    readonly size: number = Math.max(1, Math.min(2, availableParallelism())),
    private readonly entry?: URL,
  ) {}

  /** Bare BLAKE2b-256 hex of the file at `file` (absolute path), hashed in a worker. */
  hashFile(file: string): Promise<string> {
    if (this.closed) return Promise.reject(new Error('hash pool is closed'))
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, file }, resolve, reject })
      this.pump()
    })
  }

  private spawn(): Slot {
    const worker = this.entry ? new Worker(this.entry) : spawnWorker()
    const slot: Slot = { worker }
    worker.on('message', (reply: HashReply) => {
      const p = slot.busy
      slot.busy = undefined
      if (p) {
        if ('hex' in reply) p.resolve(reply.hex)
        else p.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }))
      }
      this.pump()
    })
    // A worker that dies takes only its own job down; the caller falls back to hashing in-thread.
    const fail = (err: Error) => {
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots.splice(i, 1)
      const p = slot.busy
      slot.busy = undefined
      p?.reject(Object.assign(err, { poolFailure: true }))
      this.pump()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`hash worker exited with code ${code}`)))
    worker.unref()
    this.slots.push(slot)
    return slot
  }

  private pump(): void {
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

  /** Whether any worker is alive (started and not yet exited). */
  get running(): boolean {
    return this.slots.length > 0
  }

  /** Terminate every worker; queued jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true
    for (const p of this.queue.splice(0)) p.reject(new Error('hash pool closed'))
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()))
  }
}

let shared: HashPool | undefined

/** The process-wide pool (created on first use). */
export function sharedHashPool(): HashPool {
  if (!shared) shared = new HashPool()
  return shared
}

/** Whether the shared pool has live workers (then using it costs no start-up). */
export function sharedPoolIsRunning(): boolean {
  return shared?.running ?? false
}

/** End the shared pool's workers (tests, long-lived hosts that want a clean shutdown). */
export async function closeHashPool(): Promise<void> {
  const p = shared
  shared = undefined
  await p?.close()
}
