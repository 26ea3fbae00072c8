// Worker thread body of the parse pool: reads whole files by path and digests them semantically (`digest`) or
// scans their module facts for discovery (`scan`), so I/O and parsing run off the main thread. The parser loads
// once per worker.
import { readRegularFile } from '../project/read.js'
import { serveFileJobs } from '../workers/serve.js'
import { getParser } from './parser.js'
import type { ParseOp } from './pool.js'
import { scanSource } from './scan.js'
import { semanticDigestWith } from './semantic.js'

serveFileJobs(async (file, { op }) => {
  if ((op as ParseOp | undefined) === 'scan') return scanSource((await readRegularFile(file)).toString('utf8'))
  return semanticDigestWith(await getParser(), await readRegularFile(file), file)
})
