// The worker side of WorkerPool: answer `{id, file, op}` jobs with `handle(file, op)`.
import { parentPort } from 'node:worker_threads'

export interface FileJob {
  id: number
  file: string
  /** What to do with the file, for a worker that does more than one thing (the parse pool: digest or scan). */
  op?: string
}
export type FileReply<R> = { id: number; value: R } | { id: number; error: { message: string; code?: string } }

export function serveFileJobs<R>(handle: (file: string, op?: string) => Promise<R>): void {
  const port = parentPort
  if (!port) return
  port.on('message', (job: FileJob) => {
    handle(job.file, job.op).then(
      (value) => port.postMessage({ id: job.id, value } satisfies FileReply<R>),
      (err: NodeJS.ErrnoException) => port.postMessage({ id: job.id, error: { message: String(err?.message ?? err), code: err?.code } } satisfies FileReply<R>),
    )
  })
}
