// Worker thread body of the hash pool: hashes whole files by path so both the I/O and the WASM run off the main thread.
import { parentPort } from 'node:worker_threads'
import { hashFileHex } from './bytes.js'

export interface HashJob {
  id: number
  file: string
}
export type HashReply = { id: number; hex: string } | { id: number; error: { message: string; code?: string } }

const port = parentPort
if (port) {
  port.on('message', (job: HashJob) => {
    hashFileHex(job.file).then(
      (hex) => port.postMessage({ id: job.id, hex } satisfies HashReply),
      (err: NodeJS.ErrnoException) => port.postMessage({ id: job.id, error: { message: String(err?.message ?? err), code: err?.code } } satisfies HashReply),
    )
  })
}
