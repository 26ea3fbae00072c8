// OWNER: python helper.
// A worker_threads pool for semantic hashing of many files (parsing is CPU-bound: two workers roughly
// halve the time). Workers are unref'd whenever idle, so the pool never keeps the process alive.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { ParseJob, ParseReply } from './parse-worker.js'
import { semanticDigest, type SemanticFileResult, type SemanticResult } from './semantic.js'

interface Pending {
  job: ParseJob
  resolve: (r: SemanticResult) => void
  reject: (err: Error) => void
}

interface Slot {
  worker: Worker
  busy?: Pending
  worked?: boolean
}

/**
 * From dist the worker is the sibling `parse-worker.js`. From src (vitest, tsx) it is the .ts file, loaded
 * through tsx's register API from a tiny eval bootstrap: on Node 20 `execArgv: ['--import', 'tsx']` is not
 * applied to workers (ERR_UNKNOWN_FILE_EXTENSION).
 */
function newWorker(): Worker {
  const self = import.meta.url
  if (!/\.[cm]?ts$/.test(self)) return new Worker(new URL('./parse-worker.js', self))
  // The ESM build of tsx's API: `require.resolve('tsx/esm/api')` would pick the CJS one, which fails here.
  const tsxApi = pathToFileURL(join(dirname(createRequire(self).resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href
  const entry = new URL('./parse-worker.ts', self).href
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(boot, { eval: true })
}

/** min(2, available cores): the machines we target have two. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism()))
}

export class ParsePool {
  private readonly slots: Slot[] = []
  private readonly queue: Pending[] = []
  private nextId = 0
  private closed = false
  private broken = false
  /** Jobs answered by workers (not in-thread fallbacks): lets tests see that the threads really ran. */
  completed = 0

  /** @param size worker count; default min(2, available cores). */
  constructor(readonly size: number = defaultWorkers()) {}

  /** Semantic digest of the file at `file`, computed in a worker. */
  digest(file: string): Promise<SemanticResult> {
    if (this.closed) return Promise.reject(new Error('parse pool is closed'))
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, file }, resolve, reject })
      this.pump()
    })
  }

  private spawn(): Slot {
    const worker = newWorker()
    const slot: Slot = { worker }
    worker.on('message', (reply: ParseReply) => {
      slot.worked = true
      this.completed++
      const p = slot.busy
      slot.busy = undefined
      if (p) {
        if ('result' in reply) p.resolve(reply.result)
        else p.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }))
      }
      this.pump()
    })
    // A dying worker (e.g. out of memory on a huge file) fails only its own job; the caller retries in-thread.
    const fail = (err: Error) => {
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots.splice(i, 1)
      // A worker that cannot even start will not start next time either: run everything in-thread.
      if (!slot.worked) this.broken = true
      const p = slot.busy
      slot.busy = undefined
      p?.reject(Object.assign(err, { poolFailure: true }))
      this.pump()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`parse worker exited with code ${code}`)))
    worker.unref()
    this.slots.push(slot)
    return slot
  }

  private pump(): void {
    if (this.broken) {
      for (const p of this.queue.splice(0)) p.reject(Object.assign(new Error('parse workers cannot start'), { poolFailure: true }))
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
    for (const p of this.queue.splice(0)) p.reject(new Error('parse pool closed'))
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()))
  }
}

const pools = new Map<number, ParsePool>()

/** Process-wide pool of `size` workers (created on first use). */
export function sharedParsePool(size: number = defaultWorkers()): ParsePool {
  let p = pools.get(size)
  if (!p) pools.set(size, (p = new ParsePool(size)))
  return p
}

/** End the shared pools' workers (tests, long-lived hosts that want a clean shutdown). */
export async function closeParsePools(): Promise<void> {
  const all = [...pools.values()]
  pools.clear()
  await Promise.all(all.map((p) => p.close()))
}

/** Digests of `files` on `workers` threads, in input order. I/O errors (missing file) reject, as in-thread. */
export async function runInPool(files: string[], workers: number): Promise<SemanticFileResult[]> {
  const pool = sharedParsePool(workers)
  return Promise.all(
    files.map(async (path) => {
      try {
        return { path, ...(await pool.digest(path)) }
      } catch (err) {
        if ((err as { poolFailure?: boolean }).poolFailure) return { path, ...(await semanticDigest(await readFile(path), path)) }
        throw err
      }
    }),
  )
}
