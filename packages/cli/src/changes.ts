// The `+ ~ -` report of register-model and register-target (reference-spec §4.3.1, with full-length hex).
import type { ReconcileReport, RegistryChange } from '@modelops-bundle/core'
import { type Output, padId, shortDigest } from './output.js'

export function printReconcile(out: Output, report: ReconcileReport): void {
  out.warnAll(report.warnings)
  if (out.json) {
    out.result(report)
    return
  }
  const { c } = out
  for (const change of report.changes) out.line(changeLine(change, c))
  const title = report.kind === 'models' ? 'Models' : 'Targets'
  out.success(`${title} updated: +${report.added} ~${report.updated} -${report.removed}`)
}

function changeLine(change: RegistryChange, c: Output['c']): string {
  const id = padId(change.id)
  switch (change.op) {
    case 'added':
      return `${c.green('+')} ${id} entry=${change.entrypoint}`
    case 'updated': {
      const parts: string[] = []
      if (change.digest) parts.push(`digest ${shortDigest(change.digest.from)} → ${shortDigest(change.digest.to)}`)
      for (const field of change.fields ?? []) parts.push(fieldText(field, change.details?.[field]))
      return `${c.yellow('~')} ${id} ${parts.join('; ')}`
    }
    case 'removed': {
      const sets = change.targetSets ? `; left target set${change.targetSets.length > 1 ? 's' : ''} ${change.targetSets.join(', ')}` : ''
      return `${c.red('-')} ${id} removed (${change.reason ?? 'no longer discovered'})${sets}`
    }
  }
}

/** `data ~data/data.csv`, `code +models/common.py -models/old.py`; past three items, counts (`code +4 ~1`). */
function fieldText(field: string, items: string[] | undefined): string {
  if (!items || items.length === 0) return `${field} changed`
  if (items.length <= 3) return `${field} ${items.join(' ')}`
  const counts = ['+', '-', '~'].map((op) => [op, items.filter((i) => i.startsWith(op)).length] as const).filter(([, n]) => n > 0)
  return `${field} ${counts.map(([op, n]) => `${op}${n}`).join(' ')} files`
}
