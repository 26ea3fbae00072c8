// Charts with Observable Plot: one per model output; the observations of the targets on that output as dots.
import * as Plot from '@observablehq/plot'
import type { Observation, Output } from '../bundle'

const COMPARTMENT_COLORS: Record<string, string> = { S: '#4e79a7', I: '#e15759', R: '#59a14f', E: '#f28e2b', D: '#79706e' }
const OTHER_COLORS = ['#4e79a7', '#f28e2b', '#b07aa1', '#76b7b2', '#9c755f', '#edc948']
const OBSERVED = '#1f2328'

const ORDER = ['S', 'E', 'I', 'R', 'D']
const rank = (s: string) => (ORDER.includes(s) ? ORDER.indexOf(s) : ORDER.length)

function colorsFor(series: string[]): string[] {
  let k = 0
  return series.map((s) => COMPARTMENT_COLORS[s] ?? OTHER_COLORS[k++ % OTHER_COLORS.length])
}

function tickFormat(max: number): (v: number) => string {
  if (max >= 10_000) return (v) => (v === 0 ? '0' : `${+(v / 1000).toFixed(1)}k`)
  if (max <= 1) return (v) => (v === 0 ? '0' : `${+(v * 100).toFixed(1)}%`)
  return (v) => String(v)
}

/** An SVG (or a figure with a legend) for one output; `null` when it has nothing numeric to draw. */
export function outputPlot(output: Output, observations: Observation[], width: number, xMax?: number): Element | null {
  const table = output.table
  if (!table) return null
  const series = [...table.series].sort((a, b) => rank(a) - rank(b))
  const long = table.rows.flatMap((r) => series.map((s) => ({ x: r[table.x] as number, y: r[s] as number, series: s })))
  // Observed columns named like a simulated one (`cases`, `prevalence`) go on the same axes.
  const obs = observations.flatMap((o) =>
    o.table.series
      .filter((col) => table.series.includes(col))
      .flatMap((col) => o.table.rows.map((r) => ({ x: r[o.table.x] as number, y: r[col] as number, series: `observed ${col}`, file: o.file }))),
  )
  const observedKeys = [...new Set(obs.map((o) => o.series))]
  const domain = [...series, ...observedKeys]
  const range = [...colorsFor(series), ...observedKeys.map(() => OBSERVED)]
  const max = Math.max(0, ...long.map((d) => d.y), ...obs.map((d) => d.y))
  return Plot.plot({
    width,
    height: 200,
    marginLeft: 52,
    marginRight: 12,
    style: { fontSize: '12px', background: 'transparent', overflow: 'visible' },
    x: { label: table.x, grid: true, domain: xMax === undefined ? undefined : [Math.min(0, ...long.map((d) => d.x)), xMax] },
    y: { label: null, grid: true, tickFormat: tickFormat(max), zero: true },
    color: { domain, range, legend: true },
    clip: xMax !== undefined,
    marks: [
      Plot.ruleY([0], { stroke: '#8c959f' }),
      Plot.lineY(long, { x: 'x', y: 'y', stroke: 'series', strokeWidth: 2 }),
      ...(obs.length > 0 ? [Plot.dot(obs, { x: 'x', y: 'y', stroke: 'series', fill: '#fff', r: 3.5, strokeWidth: 1.5 })] : []),
      Plot.tip(long, Plot.pointerX({ x: 'x', y: 'y', stroke: 'series', title: (d) => `${table.x} ${d.x}\n${d.series}: ${d.y}` })),
    ],
  })
}
