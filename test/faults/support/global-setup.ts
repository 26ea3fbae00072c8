// Clears the case records before the run; after it, writes docs/reliability.md when every group ran
// (a filtered run leaves the committed report alone).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { RESULTS_FILE } from './paths.js'
import { renderReport, GROUPS } from './report.js'
import type { CaseRecord } from './record.js'

const DOC = fileURLToPath(new URL('../../../docs/reliability.md', import.meta.url))

export function setup(): void {
  rmSync(RESULTS_FILE, { force: true })
}

export function teardown(): void {
  if (!existsSync(RESULTS_FILE)) return
  const records = readFileSync(RESULTS_FILE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CaseRecord)
  const seen = new Set(records.map((r) => r.group))
  const missing = GROUPS.filter((g) => !seen.has(g.id))
  if (missing.length > 0 && !process.env.FAULTS_WRITE_DOC) {
    process.stdout.write(`faults: partial run (no ${missing.map((g) => g.id).join(', ')}); docs/reliability.md left unchanged\n`)
    return
  }
  writeFileSync(DOC, renderReport(records))
  process.stdout.write(`faults: wrote docs/reliability.md (${records.length} cases)\n`)
}
