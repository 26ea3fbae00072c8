// Worker thread body of the hash pool: hashes whole files by path so both the I/O and the WASM run off the main thread.
import { serveFileJobs } from '../workers/serve.js'
import { hashFileHex } from './bytes.js'

serveFileJobs((file, { onBytes }) => hashFileHex(file, undefined, undefined, onBytes))
