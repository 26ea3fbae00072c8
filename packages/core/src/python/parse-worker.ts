// Worker thread body of the parse pool: reads and semantically hashes whole files by path, so I/O,
// parsing and hashing all run off the main thread. The parser loads once per worker.
import { readRegularFile } from '../project/read.js'
import { serveFileJobs } from '../workers/serve.js'
import { getParser } from './parser.js'
import { semanticDigestWith } from './semantic.js'

serveFileJobs(async (file) => semanticDigestWith(await getParser(), await readRegularFile(file), file))
