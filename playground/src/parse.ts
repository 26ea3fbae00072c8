// Model outputs arrive as JSON or CSV files; turn any of the usual shapes into rows of numbers.

export type Row = Record<string, number | string>
export interface Table {
  /** The column used as the x axis (a time column when there is one). */
  x: string
  /** Numeric columns other than x. */
  series: string[]
  rows: Row[]
}

const TIME_COLUMNS = ['t', 'time', 'day', 'days', 'step', 'week', 'date']

export function parseCsv(text: string): Row[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '')
  if (lines.length === 0) return []
  const header = lines[0].split(',').map((h) => h.trim())
  return lines.slice(1).map((line) => {
    const cells = line.split(',')
    const row: Row = {}
    header.forEach((h, i) => {
      const raw = (cells[i] ?? '').trim()
      const n = Number(raw)
      row[h] = raw !== '' && Number.isFinite(n) ? n : raw
    })
    return row
  })
}

/** JSON outputs: an array of records, an object of equal-length arrays, a bare array of numbers, or any of these under a `data`/`rows` key. */
export function parseJson(value: unknown): Row[] {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'number')) return value.map((v, i) => ({ index: i, value: v }))
    return value.filter((v) => v && typeof v === 'object') as Row[]
  }
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>
    for (const key of ['rows', 'data', 'records', 'series']) if (key in obj) return parseJson(obj[key])
    const columns = Object.entries(obj).filter(([, v]) => Array.isArray(v)) as [string, unknown[]][]
    if (columns.length > 0) {
      const n = Math.max(...columns.map(([, v]) => v.length))
      return Array.from({ length: n }, (_, i) => Object.fromEntries(columns.map(([k, v]) => [k, v[i] as number])))
    }
  }
  return []
}

/** Date of day 0 (ms) from rows that carry both `day` and `date`, as the sample's outputs do. */
export function epochOf(rows: Row[]): number | undefined {
  const r = rows.find((row) => typeof row.day === 'number' && typeof row.date === 'string')
  if (!r) return undefined
  const t = Date.parse(String(r.date)) - (r.day as number) * 86_400_000
  return Number.isNaN(t) ? undefined : t
}

export function parseArtifact(path: string, text: string): Row[] {
  if (path.endsWith('.json')) return parseJson(JSON.parse(text))
  if (path.endsWith('.csv')) return parseCsv(text)
  return []
}

/**
 * Pick the x column and the plottable series. A date column becomes days since `epoch` (ms; the date of
 * day 0 in the model outputs), else since its first row.
 */
export function toTable(rows: Row[], epoch?: number): Table | null {
  if (rows.length === 0) return null
  const columns = Object.keys(rows[0])
  const x = TIME_COLUMNS.find((c) => columns.includes(c)) ?? columns.find((c) => typeof rows[0][c] === 'number')
  if (x === undefined) return null
  let data = rows
  if (typeof rows[0][x] === 'string') {
    const t0 = epoch ?? Date.parse(String(rows[0][x]))
    if (Number.isNaN(t0)) return null
    data = rows.map((r) => ({ ...r, [x]: Math.round((Date.parse(String(r[x])) - t0) / 86_400_000) }))
  }
  const series = columns.filter((c) => c !== x && data.every((r) => typeof r[c] === 'number'))
  return series.length > 0 ? { x, series, rows: data } : null
}

/**
 * The x after which every series has settled (stays within 0.5% of its range from its final value):
 * where the plot stops being interesting. `undefined` for an empty table.
 */
export function settledAt(table: Table): number | undefined {
  let last: number | undefined
  for (const s of table.series) {
    const ys = table.rows.map((r) => r[s] as number)
    const end = ys[ys.length - 1]
    const span = Math.max(...ys) - Math.min(...ys)
    let i = ys.length - 1
    while (i > 0 && Math.abs(ys[i] - end) <= 0.005 * span) i--
    const x = table.rows[Math.min(ys.length - 1, i + 1)][table.x] as number
    last = last === undefined ? x : Math.max(last, x)
  }
  return last
}
