// OWNER: python helper.
// Worker thread body of the parse pool: reads and semantically hashes whole files by path, so I/O,
// parsing and hashing all run off the main thread. The parser loads once per worker.
import { readFile } from 'node:fs/promises'
import { parentPort } from 'node:worker_threads'
import { getParser } from './parser.js'
import { semanticDigestWith, type SemanticResult } from './semantic.js'

export interface ParseJob {
  id: number
  file: string
}
export type ParseReply = { id: number; result: SemanticResult } | { id: number; error: { message: string; code?: string } }

const port = parentPort
if (port) {
  port.on('message', (job: ParseJob) => {
    ;(async () => semanticDigestWith(await getParser(), await readFile(job.file), job.file))().then(
      (result) => port.postMessage({ id: job.id, result } satisfies ParseReply),
      (err: NodeJS.ErrnoException) => port.postMessage({ id: job.id, error: { message: String(err?.message ?? err), code: err?.code } } satisfies ParseReply),
    )
  })
}
