// Worker thread body of the hash pool: hashes whole files by path so both the I/O and the WASM run off the main thread;
// op 'follow': a file still being written, up to where its writer's cursor (`shared`) says (follow.ts).
import { serveFileJobs } from '../workers/serve.js'
import { hashFileHex } from './bytes.js'
import { hashFollowingHex } from './follow.js'

serveFileJobs((file, { op, onBytes, shared }) => (op === 'follow' && shared ? hashFollowingHex(file, shared) : hashFileHex(file, undefined, undefined, onBytes)))
