// The page's reading of output and observation files (pure functions; the browser tests cover the drawing).
import { describe, expect, it } from 'vitest'
import { epochOf, parseArtifact, parseCsv, parseJson, settledAt, toTable } from '../src/parse'

describe('parse', () => {
  it('reads the sample runner JSON (rows under `rows`) with day as x and numeric columns as series', () => {
    const text = JSON.stringify({ output: 'sir', columns: ['day', 'date', 'S', 'I', 'R'], rows: [{ day: 0, date: '2024-01-01', S: 99, I: 1, R: 0 }, { day: 1, date: '2024-01-02', S: 97, I: 2, R: 1 }] })
    const table = toTable(parseArtifact('modelops/m/sir.json', text))!
    expect(table.x).toBe('day')
    expect(table.series.sort()).toEqual(['I', 'R', 'S'])
    expect(table.rows).toHaveLength(2)
  })

  it('reads column objects, bare arrays and CSV with a header', () => {
    expect(parseJson({ t: [0, 1], y: [5, 6] })).toEqual([{ t: 0, y: 5 }, { t: 1, y: 6 }])
    expect(parseJson([3, 4])).toEqual([{ index: 0, value: 3 }, { index: 1, value: 4 }])
    expect(parseCsv('date,cases\r\n2024-01-01,10\n2024-01-02,15')).toEqual([{ date: '2024-01-01', cases: 10 }, { date: '2024-01-02', cases: 15 }])
    expect(parseArtifact('x.parquet', 'PAR1')).toEqual([])
  })

  it('turns dates into days since the outputs’ day 0, so observations line up with simulations', () => {
    const epoch = epochOf([{ day: 3, date: '2024-01-04' }])!
    expect(new Date(epoch).toISOString().slice(0, 10)).toBe('2024-01-01')
    const obs = toTable(parseCsv('date,cases\n2024-01-08,10\n2024-01-15,20'), epoch)!
    expect(obs.rows.map((r) => r[obs.x])).toEqual([7, 14])
    // Without an epoch, days count from the first row.
    expect(toTable(parseCsv('date,cases\n2024-01-08,10\n2024-01-15,20'))!.rows.map((r) => r.date)).toEqual([0, 7])
  })

  it('finds where every series has settled (the x range worth plotting)', () => {
    const rows = Array.from({ length: 100 }, (_, day) => ({ day, I: day < 30 ? Math.sin((day / 30) * Math.PI) * 100 : 0 }))
    expect(settledAt(toTable(rows)!)).toBeGreaterThanOrEqual(29)
    expect(settledAt(toTable(rows)!)).toBeLessThanOrEqual(31)
  })

  it('has nothing to plot for tables without numbers', () => {
    expect(toTable([])).toBeNull()
    expect(toTable([{ name: 'a' }])).toBeNull()
  })
})
