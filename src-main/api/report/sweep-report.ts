/**
 * The sweep report: latency and throughput against each numeric axis, one line per protocol (and
 * per value of the other axes), the PBFT/Raft ratio, the message-delay line the theory predicts,
 * the throughput-latency curve when the load varies, and every cell's figures in a table.
 * HTML (self-contained, inline SVG charts, printable to PDF) and Markdown.
 */
import type { EChartsOption, LineSeriesOption } from 'echarts'
import { cellLabel, type AxisName, type CellCoordinates } from '../sweep.js'
import { chartPalette, type ChartLocale } from './charts.js'
import { escapeHtml as esc, escapeMarkdownCell, formatCount, formatMs, formatRatio } from './format.js'
import { figure, figures, page, section, table, type ReportMeta } from './html.js'
import { sweepCsv, type Spread, type SweepCellResult, type SweepSummary } from './sweep-results.js'
import { assertNever } from '../../protocols/types.js'

const numericAxes = ['delayMs', 'faultTolerance', 'nodes', 'clients', 'rate'] as const
type NumericAxis = (typeof numericAxes)[number]

/** Everything the report says, per locale (the app draws its Korean page's charts from it too). */
const sweepWords = {
  en: {
    axis: { delayMs: 'link delay (ms)', faultTolerance: 'faults tolerated (f)', nodes: 'nodes', clients: 'clients', rate: 'offered load (ops/s)' } satisfies Record<NumericAxis, string>,
    latencyMs: 'latency (ms)',
    opsPerSecond: 'ops/s',
    ratio: 'ratio',
    throughputOps: 'throughput (ops/s)',
    p50LatencyMs: 'p50 latency (ms)',
    theory: 'theory',
    latencyAgainst: (axis: string) => `Latency against ${axis}`,
    throughputAgainst: (axis: string) => `Throughput against ${axis}`,
    ratioAgainst: (axis: string) => `Latency ratio against ${axis}`,
    throughputLatency: 'Throughput against latency',
    latencyDelayCaption: "p50 (solid), p99 (dotted), and the theory (dashed): the p50 at the lowest delay plus the replica-link delays on a write's critical path.",
    latencyCaption: 'p50 (solid) and p99 (dotted), medians over repetitions.',
    throughputCaption: 'Acknowledged operations per second, medians over repetitions.',
    ratioCaption: "p50 of each protocol over Raft's in the same cell.",
    curveCaption: (axis: string) => `Each point a cell (${axis} rising along the line); where the line turns up, the cluster is saturated.`,
    ci95: '95% CI',
    cellHeaders: ['cell', 'nodes', 'runs', 'p50', 'p99', 'ops/s', 'theory', 'verdicts', 'p50 by phase'],
    ratioHeaders: ['where', 'cells', 'p50 ratio', 'p99 ratio', 'throughput ratio', 'p50 distinguishable'],
    all: '(all)',
    oneRepetition: 'one repetition: no interval',
    apart: 'yes',
    overlap: 'no (95% intervals overlap)',
    none: 'none',
    title: (name: string) => `Sweep: ${name}`,
    figures: { axes: 'axes', cells: 'cells', repetitions: 'repetitions', runs: 'runs' },
    cells: 'Cells',
    ratios: 'PBFT over Raft',
    charts: 'Charts',
    cellsNote: "Medians over a cell's completed runs; the 95% interval is of the mean (Student's t). The theory counts only the one-way replica-link delays on a write's critical path (the lab delays replica links, not client ones).",
    shape: (axes: string, cells: number, repetitions: number) => `Axes: ${axes}; ${cells} cells × ${repetitions} repetition${repetitions === 1 ? '' : 's'}.`,
    made: (version: string, at: string) => `Made by Consensus Lab ${version} on ${at}.`,
    cell: { nodes: (n: number) => `${n} nodes`, delay: (ms: number) => `delay ${ms} ms`, clients: (n: number) => `${n} client${n === 1 ? '' : 's'}`, rate: (rate: number) => `${rate} ops/s`, base: 'base' },
  },
  ko: {
    axis: { delayMs: '링크 지연(ms)', faultTolerance: '견디는 장애 수(f)', nodes: '노드 수', clients: '클라이언트 수', rate: '요청 부하(초당 연산)' } satisfies Record<NumericAxis, string>,
    latencyMs: '지연 시간(ms)',
    opsPerSecond: '초당 연산',
    ratio: '비율',
    throughputOps: '처리량(초당 연산)',
    p50LatencyMs: 'p50 지연 시간(ms)',
    theory: '이론',
    latencyAgainst: (axis: string) => `${axis}에 따른 지연 시간`,
    throughputAgainst: (axis: string) => `${axis}에 따른 처리량`,
    ratioAgainst: (axis: string) => `${axis}에 따른 지연 시간 비율`,
    throughputLatency: '처리량과 지연 시간',
    latencyDelayCaption: 'p50(실선), p99(점선), 이론(파선): 이론은 가장 낮은 지연에서의 p50에 쓰기의 임계 경로에 있는 복제본 간 링크 지연을 더한 값입니다.',
    latencyCaption: 'p50(실선)과 p99(점선), 반복 실행의 중앙값입니다.',
    throughputCaption: '초당 확인된 연산 수, 반복 실행의 중앙값입니다.',
    ratioCaption: '같은 칸에서 각 프로토콜의 p50을 Raft의 p50으로 나눈 값입니다.',
    curveCaption: (axis: string) => `점 하나가 칸 하나이고, 선을 따라 갈수록 ${axis} 값이 커집니다. 선이 위로 꺾이는 곳에서 클러스터가 포화됩니다.`,
    ci95: '95% 신뢰구간',
    cellHeaders: ['칸', '노드', '실행', 'p50', 'p99', '초당 연산', '이론값', '판정', '단계별 p50'],
    ratioHeaders: ['조건', '칸', 'p50 비율', 'p99 비율', '처리량 비율', 'p50 구별 가능'],
    all: '(전체)',
    oneRepetition: '반복 1회: 구간 없음',
    apart: '예',
    overlap: '아니요: 95% 구간이 겹칩니다',
    none: '없음',
    title: (name: string) => `스윕: ${name}`,
    figures: { axes: '축', cells: '칸', repetitions: '반복', runs: '실행' },
    cells: '칸',
    ratios: 'PBFT / Raft',
    charts: '차트',
    cellsNote: '칸에서 완료된 실행들의 중앙값이며, 95% 구간은 평균의 구간입니다(스튜던트 t 분포). 이론은 쓰기의 임계 경로에 있는 복제본 간 단방향 링크 지연만 셉니다(랩은 클라이언트 링크가 아니라 복제본 링크를 지연시킵니다).',
    shape: (axes: string, cells: number, repetitions: number) => `축: ${axes}; 칸 ${cells}개 × 반복 ${repetitions}회.`,
    made: (version: string, at: string) => `Consensus Lab ${version}로 ${at}에 만들었습니다.`,
    cell: { nodes: (n: number) => `노드 ${n}개`, delay: (ms: number) => `지연 ${ms} ms`, clients: (n: number) => `클라이언트 ${n}개`, rate: (rate: number) => `초당 ${rate}회`, base: '기준' },
  },
} as const
type SweepWords = (typeof sweepWords)[ChartLocale]

/** A cell's coordinates in words (cellLabel of api/sweep.ts in English, the cell's own label). */
function cellWords(at: CellCoordinates, words: SweepWords): string {
  if (words === sweepWords.en) return cellLabel(at)
  const parts: string[] = []
  if (at.protocol !== undefined) parts.push(at.protocol)
  if (at.faultTolerance !== undefined) parts.push(`f=${at.faultTolerance}`)
  if (at.nodes !== undefined) parts.push(words.cell.nodes(at.nodes))
  if (at.delayMs !== undefined) parts.push(words.cell.delay(at.delayMs))
  if (at.clients !== undefined) parts.push(words.cell.clients(at.clients))
  if (at.rate !== undefined) parts.push(words.cell.rate(at.rate))
  if (at.durability !== undefined) parts.push(at.durability)
  if (at.variant !== undefined) parts.push(at.variant)
  return parts.length > 0 ? parts.join(', ') : words.cell.base
}

/** A cell's label in the locale's words (the Sweeps page's table). */
export function sweepCellLabel(cell: Pick<SweepCellResult, 'label' | 'coordinates'>, locale: ChartLocale): string {
  return locale === 'en' ? cell.label : cellWords(cell.coordinates, sweepWords[locale])
}

/** Hangul comes from the app's (or the page's) Noto Sans KR; Latin keeps the metrics the layout was measured with. */
/** Single quotes: ECharts writes the family into a double-quoted style attribute, which a double quote would cut short. */
const fontFamilies: Record<ChartLocale, string> = {
  en: "Arial, Helvetica, 'Liberation Sans', sans-serif",
  ko: "Arial, Helvetica, 'Liberation Sans', 'Noto Sans KR', sans-serif",
}

interface Series {
  name: string
  cells: SweepCellResult[]
}

/** Cells along `axis`, one series per combination of the other axes. */
function seriesAlong(summary: SweepSummary, axis: NumericAxis, words: SweepWords): Series[] {
  const groups = new Map<string, SweepCellResult[]>()
  for (const cell of summary.cells) {
    const name = cellWords(namingCoordinates(summary, cell.coordinates, axis), words)
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

function chart(xName: string, yName: string, series: LineSeriesOption[], locale: ChartLocale, xLog = false): EChartsOption {
  return {
    animation: false,
    color: chartPalette,
    textStyle: { fontFamily: fontFamilies[locale], color: '#343a40', fontSize: 11 },
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

function latencyChart(summary: SweepSummary, axis: NumericAxis, locale: ChartLocale): string {
  const words = sweepWords[locale]
  const series = seriesAlong(summary, axis, words).flatMap(({ name, cells }) => {
    const points = (value: (cell: SweepCellResult) => number | null) => cells.map((cell) => [cell.coordinates[axis]!, value(cell)] as [number, number | null])
    const drawn = [line(`${name} p50`, points((cell) => pick(cell.p50Ms))), line(`${name} p99`, points((cell) => pick(cell.p99Ms)), { lineStyle: { width: 1, type: 'dotted' } })]
    if (axis === 'delayMs') {
      // The theory: the lowest-delay cell's own latency plus the critical path's delays, so the
      // line shows what the extra link delay alone should add.
      const first = cells[0]
      const p50First = pick(first?.p50Ms)
      if (first !== undefined && p50First !== null) {
        drawn.push(line(`${name} ${words.theory}`, cells.map((cell) => [cell.delayMs, p50First + cell.theoryMs - first.theoryMs]), { showSymbol: false, lineStyle: { width: 1, type: 'dashed' } }))
      }
    }
    return drawn
  })
  const title = words.axis[axis]
  return figure(chart(title, words.latencyMs, series, locale, axis === 'rate' || axis === 'clients'), words.latencyAgainst(title), axis === 'delayMs' ? words.latencyDelayCaption : words.latencyCaption)
}

function throughputChart(summary: SweepSummary, axis: NumericAxis, locale: ChartLocale): string {
  const words = sweepWords[locale]
  const series = seriesAlong(summary, axis, words).map(({ name, cells }) => line(name, cells.map((cell) => [cell.coordinates[axis]!, pick(cell.throughput)])))
  const title = words.axis[axis]
  return figure(chart(title, words.opsPerSecond, series, locale, axis === 'rate' || axis === 'clients'), words.throughputAgainst(title), words.throughputCaption)
}

function ratioChart(summary: SweepSummary, axis: NumericAxis, locale: ChartLocale): string | undefined {
  const words = sweepWords[locale]
  const byOther = new Map(summary.cells.map((cell) => [cell.id, cell]))
  const groups = new Map<string, [number, number | null][]>()
  for (const ratio of summary.ratios) {
    const other = byOther.get(ratio.other)
    const value = other?.coordinates[axis]
    if (other === undefined || value === undefined) continue
    const rest = namingCoordinates(summary, other.coordinates, axis, 'protocol')
    const name = `${other.protocol}/raft p50${Object.keys(rest).length > 0 ? `, ${cellWords(rest, words)}` : ''}`
    groups.set(name, [...(groups.get(name) ?? []), [value, ratio.p50]])
  }
  if (groups.size === 0) return undefined
  const series = [...groups.entries()].map(([name, points]) => line(name, points.sort((a, b) => a[0] - b[0])))
  const title = words.axis[axis]
  return figure(chart(title, words.ratio, series, locale, axis === 'rate' || axis === 'clients'), words.ratioAgainst(title), words.ratioCaption)
}

function throughputLatencyChart(summary: SweepSummary, locale: ChartLocale): string | undefined {
  const words = sweepWords[locale]
  const axis = summary.varied.includes('rate') ? 'rate' : summary.varied.includes('clients') ? 'clients' : undefined
  if (axis === undefined) return undefined
  const series = seriesAlong(summary, axis, words).map(({ name, cells }) => line(name, cells.filter((cell) => cell.throughput && cell.p50Ms).map((cell) => [cell.throughput!.median, cell.p50Ms!.median])))
  return figure(chart(words.throughputOps, words.p50LatencyMs, series, locale), words.throughputLatency, words.curveCaption(words.axis[axis]))
}

function spreadText(spread: Spread | undefined, format: (value: number) => string, words: SweepWords): string {
  if (spread === undefined) return '–'
  const interval = spread.ci95 ? ` (${words.ci95} ${format(spread.ci95[0])}–${format(spread.ci95[1])})` : ''
  return `${format(spread.median)}${interval}`
}

function verdictText(cell: SweepCellResult): string {
  return Object.entries(cell.verdicts).map(([word, count]) => `${word}${count > 1 ? ` ×${count}` : ''}`).join(', ') || '–'
}

function breakdownText(cell: SweepCellResult): string {
  return cell.latencyBreakdown?.map((phase) => `${phase.phase} ${formatMs(phase.p50Ms)}`).join(' · ') ?? '–'
}

function cellRows(summary: SweepSummary, words: SweepWords): string[][] {
  return summary.cells.map((cell) => [
    words === sweepWords.en ? cell.label : cellWords(cell.coordinates, words),
    String(cell.nodes),
    `${cell.runsCompleted}/${cell.runs}`,
    spreadText(cell.p50Ms, formatMs, words),
    spreadText(cell.p99Ms, formatMs, words),
    spreadText(cell.throughput, (value) => formatCount(value), words),
    formatMs(cell.theoryMs),
    verdictText(cell),
    breakdownText(cell),
  ])
}

function ratioRows(summary: SweepSummary, words: SweepWords): string[][] {
  const byId = new Map(summary.cells.map((cell) => [cell.id, cell]))
  return summary.ratios.map((ratio) => [
    ratioWhere(ratio.label, byId.get(ratio.other), words),
    `${ratio.other} / ${ratio.baseline}`,
    formatRatio(ratio.p50),
    formatRatio(ratio.p99),
    formatRatio(ratio.throughput),
    ratio.p50Distinguishable === undefined ? words.oneRepetition : ratio.p50Distinguishable ? words.apart : words.overlap,
  ])
}

/** Where a ratio was taken: the pair's shared coordinates (the summary's English label, or the same in other words). */
function ratioWhere(label: string, other: SweepCellResult | undefined, words: SweepWords): string {
  if (words === sweepWords.en || other === undefined) return label || words.all
  const { protocol: _protocol, ...rest } = other.coordinates
  return Object.keys(rest).length > 0 ? cellWords(rest, words) : words.all
}

function variedText(varied: readonly AxisName[], words: SweepWords): string {
  return varied.length > 0 ? varied.join(', ') : words.none
}

/**
 * `locale`: the language of every word (the app passes its page's; the CLI English unless --locale).
 * `fontCss` embeds the Korean font (see sweepExportText).
 */
export function buildSweepReportHtml(summary: SweepSummary, meta: ReportMeta, locale: ChartLocale = 'en', fontCss = ''): string {
  const words = sweepWords[locale]
  const runs = summary.cells.reduce((sum, cell) => sum + cell.runs, 0)
  // An axis with one value (f = 1 to match node counts) has nothing to draw a line along.
  const axes = numericAxes.filter((axis) => new Set(summary.cells.map((cell) => cell.coordinates[axis])).size > 1)
  const charts = axes.flatMap((axis) => [latencyChart(summary, axis, locale), throughputChart(summary, axis, locale), ratioChart(summary, axis, locale) ?? ''])
  const curve = throughputLatencyChart(summary, locale)
  const body = [
    `<h1>${esc(summary.name)}</h1>`,
    summary.description ? `<p>${esc(summary.description)}</p>` : '',
    figures([
      [words.figures.axes, variedText(summary.varied, words)],
      [words.figures.cells, String(summary.cells.length)],
      [words.figures.repetitions, String(summary.repetitions)],
      [words.figures.runs, String(runs)],
    ]),
    section('cells', words.cells, `${table([...words.cellHeaders], cellRows(summary, words), { numeric: [1] })}<p class="note">${esc(words.cellsNote)}</p>`),
    summary.ratios.length > 0 ? section('ratios', words.ratios, table([...words.ratioHeaders], ratioRows(summary, words))) : '',
    charts.length > 0 || curve ? section('charts', words.charts, [...charts, curve ?? ''].join('\n')) : '',
  ].join('\n')
  return page(words.title(summary.name), body, meta, locale, fontCss)
}

export type SweepExportFormat = 'html' | 'md' | 'csv'

/**
 * A sweep's exported file in a language, as the app saves it and `lab sweep report` writes it.
 * `fontCssFor(draft)` gives the @font-face rules for the characters of a draft of the page (the
 * CLI reads the font from disk, the app from its bundle): a Korean page embeds what it shows.
 */
export async function sweepExportText(summary: SweepSummary, format: SweepExportFormat, meta: ReportMeta, locale: ChartLocale, fontCssFor: (draft: string) => Promise<string>): Promise<string> {
  switch (format) {
    case 'html': {
      if (locale === 'en') return buildSweepReportHtml(summary, meta)
      return buildSweepReportHtml(summary, meta, locale, await fontCssFor(buildSweepReportHtml(summary, meta, locale)))
    }
    case 'md':
      return buildSweepReportMarkdown(summary, meta, locale)
    case 'csv':
      return sweepCsv(summary, locale)
    default:
      return assertNever(format, 'sweep export format')
  }
}

export function buildSweepReportMarkdown(summary: SweepSummary, meta: ReportMeta, locale: ChartLocale = 'en'): string {
  const words = sweepWords[locale]
  const mdTable = (headers: string[], rows: string[][]) =>
    [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(escapeMarkdownCell).join(' | ')} |`)].join('\n')
  return [
    `# ${words.title(summary.name)}`,
    '',
    summary.description,
    '',
    words.shape(variedText(summary.varied, words), summary.cells.length, summary.repetitions),
    '',
    `## ${words.cells}`,
    '',
    mdTable([...words.cellHeaders], cellRows(summary, words)),
    '',
    ...(summary.ratios.length > 0 ? [`## ${words.ratios}`, '', mdTable([...words.ratioHeaders], ratioRows(summary, words)), ''] : []),
    words.made(meta.labVersion, meta.generatedAt),
    '',
  ].join('\n')
}
