/**
 * The sweep report: latency and throughput against each numeric axis, one line per protocol (and
 * per value of the other axes), the PBFT/Raft ratio, the message-delay line the theory predicts,
 * the throughput-latency curve when the load varies, and every cell's figures in a table.
 * HTML (self-contained, inline SVG charts, printable to PDF) and Markdown.
 */
import type { EChartsOption, LineSeriesOption } from 'echarts'
import { cellLabel, type AxisName, type CellCoordinates } from '../sweep.js'
import { chartPalette } from './charts.js'
import { escapeHtml as esc, escapeMarkdownCell, formatCount, formatMs, formatRatio } from './format.js'
import { figure, figures, page, section, table, type ReportMeta } from './html.js'
import type { Spread, SweepCellResult, SweepSummary } from './sweep-results.js'

const numericAxes = ['delayMs', 'faultTolerance', 'nodes', 'clients', 'rate'] as const
type NumericAxis = (typeof numericAxes)[number]

const axisTitles: Record<NumericAxis, string> = {
  delayMs: 'link delay (ms)',
  faultTolerance: 'faults tolerated (f)',
  nodes: 'nodes',
  clients: 'clients',
  rate: 'offered load (ops/s)',
}

const fontFamily = 'Arial, Helvetica, "Liberation Sans", sans-serif'

interface Series {
  name: string
  cells: SweepCellResult[]
}

/** Cells along `axis`, one series per combination of the other axes. */
function seriesAlong(summary: SweepSummary, axis: NumericAxis): Series[] {
  const groups = new Map<string, SweepCellResult[]>()
  for (const cell of summary.cells) {
    const name = cellLabel(namingCoordinates(summary, cell.coordinates, axis)) 
    groups.set(name, [...(groups.get(name) ?? []), cell])
  }
  return [...groups.entries()].map(([name, cells]) => ({ name, cells: cells.sort((a, b) => (a.coordinates[axis] ?? 0) - (b.coordinates[axis] ?? 0)) }))
}

/** A cell's coordinates without `axis` and without the axes that have one value in the whole sweep (they tell no series apart). */
function namingCoordinates(summary: SweepSummary, at: CellCoordinates, ...without: string[]): CellCoordinates {
  const named: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(at)) {
    if (without.includes(key)) continue
    const values = new Set(summary.cells.map((cell) => JSON.stringify((cell.coordinates as Record<string, unknown>)[key])))
    if (values.size > 1) named[key] = value
  }
  return named as CellCoordinates
}

function chart(xName: string, yName: string, series: LineSeriesOption[], xLog = false): EChartsOption {
  return {
    animation: false,
    color: chartPalette,
    textStyle: { fontFamily, color: '#343a40', fontSize: 11 },
    // The legend stands at the right, one entry a line: lay out horizontally, names measured with
    // server-side metrics overlap once a browser draws them in a wider font.
    // Anchored on its left edge: a right-anchored legend is placed by the estimated width of its
    // names and its ends are clipped when a browser's font runs wider.
    grid: { left: 60, right: 200, top: 16, bottom: 42 },
    legend: { orient: 'vertical', left: 572, top: 16, itemWidth: 18, itemHeight: 10, itemGap: 8, textStyle: { fontSize: 10 } },
    xAxis: { type: xLog ? 'log' : 'value', name: xName, nameLocation: 'middle', nameGap: 26, scale: true, axisLabel: { color: '#868e96' }, splitLine: { show: false } },
    yAxis: { type: 'value', name: yName, nameLocation: 'middle', nameGap: 44, axisLabel: { color: '#868e96' }, splitLine: { lineStyle: { color: '#edf0f2' } } },
    series,
  }
}

function line(name: string, data: [number, number | null][], extra: LineSeriesOption = {}): LineSeriesOption {
  return { type: 'line', name, data, showSymbol: true, symbolSize: 5, silent: true, lineStyle: { width: 1.5 }, ...extra }
}

const pick = (spread: Spread | undefined) => spread?.median ?? null

function latencyChart(summary: SweepSummary, axis: NumericAxis): string {
  const series = seriesAlong(summary, axis).flatMap(({ name, cells }) => {
    const points = (value: (cell: SweepCellResult) => number | null) => cells.map((cell) => [cell.coordinates[axis]!, value(cell)] as [number, number | null])
    const drawn = [line(`${name} p50`, points((cell) => pick(cell.p50Ms))), line(`${name} p99`, points((cell) => pick(cell.p99Ms)), { lineStyle: { width: 1, type: 'dotted' } })]
    if (axis === 'delayMs') {
      // The theory: the lowest-delay cell's own latency plus the critical path's delays, so the
      // line shows what the extra link delay alone should add.
      const first = cells[0]
      const p50First = pick(first?.p50Ms)
      if (first !== undefined && p50First !== null) {
        drawn.push(line(`${name} theory`, cells.map((cell) => [cell.delayMs, p50First + cell.theoryMs - first.theoryMs]), { showSymbol: false, lineStyle: { width: 1, type: 'dashed' } }))
      }
    }
    return drawn
  })
  return figure(chart(axisTitles[axis], 'latency (ms)', series, axis === 'rate' || axis === 'clients'), `Latency against ${axisTitles[axis]}`, axis === 'delayMs' ? 'p50 (solid), p99 (dotted), and the theory (dashed): the p50 at the lowest delay plus the replica-link delays on a write\'s critical path.' : 'p50 (solid) and p99 (dotted), medians over repetitions.')
}

function throughputChart(summary: SweepSummary, axis: NumericAxis): string {
  const series = seriesAlong(summary, axis).map(({ name, cells }) => line(name, cells.map((cell) => [cell.coordinates[axis]!, pick(cell.throughput)])))
  return figure(chart(axisTitles[axis], 'ops/s', series, axis === 'rate' || axis === 'clients'), `Throughput against ${axisTitles[axis]}`, 'Acknowledged operations per second, medians over repetitions.')
}

function ratioChart(summary: SweepSummary, axis: NumericAxis): string | undefined {
  const byOther = new Map(summary.cells.map((cell) => [cell.id, cell]))
  const groups = new Map<string, [number, number | null][]>()
  for (const ratio of summary.ratios) {
    const other = byOther.get(ratio.other)
    const value = other?.coordinates[axis]
    if (other === undefined || value === undefined) continue
    const rest = namingCoordinates(summary, other.coordinates, axis, 'protocol')
    const name = `${other.protocol}/raft p50${Object.keys(rest).length > 0 ? `, ${cellLabel(rest)}` : ''}`
    groups.set(name, [...(groups.get(name) ?? []), [value, ratio.p50]])
  }
  if (groups.size === 0) return undefined
  const series = [...groups.entries()].map(([name, points]) => line(name, points.sort((a, b) => a[0] - b[0])))
  return figure(chart(axisTitles[axis], 'ratio', series, axis === 'rate' || axis === 'clients'), `Latency ratio against ${axisTitles[axis]}`, 'p50 of each protocol over Raft\'s in the same cell.')
}

function throughputLatencyChart(summary: SweepSummary): string | undefined {
  const axis = summary.varied.includes('rate') ? 'rate' : summary.varied.includes('clients') ? 'clients' : undefined
  if (axis === undefined) return undefined
  const series = seriesAlong(summary, axis).map(({ name, cells }) => line(name, cells.filter((cell) => cell.throughput && cell.p50Ms).map((cell) => [cell.throughput!.median, cell.p50Ms!.median])))
  return figure(chart('throughput (ops/s)', 'p50 latency (ms)', series), 'Throughput against latency', `Each point a cell (${axisTitles[axis]} rising along the line); where the line turns up, the cluster is saturated.`)
}

function spreadText(spread: Spread | undefined, format: (value: number) => string): string {
  if (spread === undefined) return '–'
  const interval = spread.ci95 ? ` (95% CI ${format(spread.ci95[0])}–${format(spread.ci95[1])})` : ''
  return `${format(spread.median)}${interval}`
}

function verdictText(cell: SweepCellResult): string {
  return Object.entries(cell.verdicts).map(([word, count]) => `${word}${count > 1 ? ` ×${count}` : ''}`).join(', ') || '–'
}

function breakdownText(cell: SweepCellResult): string {
  return cell.latencyBreakdown?.map((phase) => `${phase.phase} ${formatMs(phase.p50Ms)}`).join(' · ') ?? '–'
}

function cellRows(summary: SweepSummary): string[][] {
  return summary.cells.map((cell) => [
    cell.label,
    String(cell.nodes),
    `${cell.runsCompleted}/${cell.runs}`,
    spreadText(cell.p50Ms, formatMs),
    spreadText(cell.p99Ms, formatMs),
    spreadText(cell.throughput, (value) => formatCount(value)),
    formatMs(cell.theoryMs),
    verdictText(cell),
    breakdownText(cell),
  ])
}

const cellHeaders = ['cell', 'nodes', 'runs', 'p50', 'p99', 'ops/s', 'theory', 'verdicts', 'p50 by phase']

function ratioRows(summary: SweepSummary): string[][] {
  return summary.ratios.map((ratio) => [
    ratio.label || '(all)',
    `${ratio.other} / ${ratio.baseline}`,
    formatRatio(ratio.p50),
    formatRatio(ratio.p99),
    formatRatio(ratio.throughput),
    ratio.p50Distinguishable === undefined ? 'one repetition: no interval' : ratio.p50Distinguishable ? 'yes' : 'no (95% intervals overlap)',
  ])
}

const ratioHeaders = ['where', 'cells', 'p50 ratio', 'p99 ratio', 'throughput ratio', 'p50 distinguishable']

function variedText(varied: readonly AxisName[]): string {
  return varied.length > 0 ? varied.join(', ') : 'none'
}

export function buildSweepReportHtml(summary: SweepSummary, meta: ReportMeta): string {
  const runs = summary.cells.reduce((sum, cell) => sum + cell.runs, 0)
  // An axis with one value (f = 1 to match node counts) has nothing to draw a line along.
  const axes = numericAxes.filter((axis) => new Set(summary.cells.map((cell) => cell.coordinates[axis])).size > 1)
  const charts = axes.flatMap((axis) => [latencyChart(summary, axis), throughputChart(summary, axis), ratioChart(summary, axis) ?? ''])
  const curve = throughputLatencyChart(summary)
  const body = [
    `<h1>${esc(summary.name)}</h1>`,
    summary.description ? `<p>${esc(summary.description)}</p>` : '',
    figures([
      ['axes', variedText(summary.varied)],
      ['cells', String(summary.cells.length)],
      ['repetitions', String(summary.repetitions)],
      ['runs', String(runs)],
    ]),
    section('cells', 'Cells', `${table(cellHeaders, cellRows(summary), { numeric: [1] })}<p class="note">Medians over a cell's completed runs; the 95% interval is of the mean (Student's t). The theory counts only the one-way replica-link delays on a write's critical path (the lab delays replica links, not client ones).</p>`),
    summary.ratios.length > 0 ? section('ratios', 'PBFT over Raft', table(ratioHeaders, ratioRows(summary))) : '',
    charts.length > 0 || curve ? section('charts', 'Charts', [...charts, curve ?? ''].join('\n')) : '',
  ].join('\n')
  return page(`Sweep: ${summary.name}`, body, meta)
}

export function buildSweepReportMarkdown(summary: SweepSummary, meta: ReportMeta): string {
  const mdTable = (headers: string[], rows: string[][]) =>
    [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(escapeMarkdownCell).join(' | ')} |`)].join('\n')
  return [
    `# Sweep: ${summary.name}`,
    '',
    summary.description,
    '',
    `Axes: ${variedText(summary.varied)}; ${summary.cells.length} cells × ${summary.repetitions} repetition${summary.repetitions === 1 ? '' : 's'}.`,
    '',
    '## Cells',
    '',
    mdTable(cellHeaders, cellRows(summary)),
    '',
    ...(summary.ratios.length > 0 ? ['## PBFT over Raft', '', mdTable(ratioHeaders, ratioRows(summary)), ''] : []),
    `Made by Consensus Lab ${meta.labVersion} on ${meta.generatedAt}.`,
    '',
  ].join('\n')
}
