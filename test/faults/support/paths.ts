import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One JSON line per fault case; written by the test workers, read by the global teardown. */
export const RESULTS_FILE = join(tmpdir(), 'modelops-bundle-faults', 'results.jsonl')
