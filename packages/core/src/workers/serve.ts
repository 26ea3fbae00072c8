// The worker side of WorkerPool: answer `{id, file, op}` jobs with `handle(file, {op, onBytes})`.
import { parentPort } from 'node:worker_threads'

export interface FileJob {
  id: number
  file: string
  /** What to do with the file, for a worker that does more than one thing (the parse pool: digest or scan). */
  op?: string
  /** The caller wants byte counts while the job runs (progress), at most one message per this many ms. */
  progress?: number
  /** Memory shared with the caller for the job's lifetime (a WriteCursor of a file still being written). */
  shared?: SharedArrayBuffer
}
export type FileReply<R> =
  | { id: number; value: R }
  | { id: number; error: { message: string; code?: string } }
  /** Bytes done since the last such message of this job (sent before its value). */
  | { id: number; progress: number }

/**
 * `handle` gets the job's `op` (for a worker that does more than one thing) and a byte counter when the job asked
 * for progress (throttled here, so posting stays cheap).
 */
export function serveFileJobs<R>(handle: (file: string, job: { op?: string; onBytes?: (bytes: number) => void; shared?: SharedArrayBuffer }) => Promise<R>): void {
  const port = parentPort
  if (!port) return
  port.on('message', (job: FileJob) => {
    const onBytes = job.progress === undefined ? undefined : throttledCounter((n) => port.postMessage({ id: job.id, progress: n } satisfies FileReply<R>), job.progress)
    handle(job.file, { op: job.op, onBytes, shared: job.shared }).then(
      (value) => port.postMessage({ id: job.id, value } satisfies FileReply<R>),
      (err: NodeJS.ErrnoException) => port.postMessage({ id: job.id, error: { message: String(err?.message ?? err), code: err?.code } } satisfies FileReply<R>),
    )
  })
}

/**
 * Sums byte counts and posts the sum at most every `intervalMs`. What is left when the job ends needs no post:
 * the caller credits a finished file in full.
 */
function throttledCounter(post: (bytes: number) => void, intervalMs: number): (bytes: number) => void {
  let pending = 0
  let last = performance.now()
  return (bytes) => {
    pending += bytes
    const now = performance.now()
    if (now - last < intervalMs) return
    last = now
    post(pending)
    pending = 0
  }
}
