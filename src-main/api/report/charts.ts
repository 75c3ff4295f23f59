/**
 * ECharts options for the report charts: pure functions of run records, so the CLI renders them to
 * SVG on the server and the app can hand the same options to vue-echarts. Times are experiment
 * seconds (0 = the workload's start, the origin of the fault schedule).
 */
import type { BarSeriesOption, EChartsOption, LineSeriesOption, MarkAreaComponentOption, MarkLineComponentOption } from 'echarts'
import type { RunRecord } from '../run-file.js'
import type { RunSummary } from '../summary.js'
import { phaseDescriptions, pbftPhases, raftPhases, type LatencyPhase } from '../latency-breakdown.js'
import { leadershipWords } from './words.js'
import { koreanFontFamily } from './fonts.js'
import {
  commitIndexOverTime,
  experimentEndMs,
  faultWindows,
  latencyDistribution,
  latencyOverTime,
  leaderlessIntervals,
  throughputOverTime,
  type TimePoint,
} from './analysis.js'

export const chartPalette = ['#2f6fdb', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0c8599', '#c2255c', '#5c7cfa', '#74b816', '#862e9c', '#1098ad', '#f08c00', '#495057', '#9c36b5', '#37b24d']
export const faultColor = '#e03131'
const faultShade = 'rgba(224, 49, 49, 0.12)'
const leaderlessShade = 'rgba(73, 80, 87, 0.16)'
const axisColor = '#868e96'
const textColor = '#343a40'
/** Fault labels are drawn only while they stay readable. */
const faultLabelsMax = 8

/**
 * Server-side rendering has no canvas to measure text, so ECharts lays labels out with Helvetica's
 * widths: fonts with those metrics (Arial, and Liberation Sans where Arial is missing) keep legends
 * and labels from overlapping. Hangul is in none of them: it comes from the Noto Sans KR a Korean
 * report embeds (a chart's font-family wins over the page's, so the chart must name it too, or a
 * machine without a Korean font draws its Korean axis names as boxes). Single quotes: ECharts
 * writes the family into a double-quoted style attribute, which a double quote would cut short.
 */
const fontFamily = `Arial, Helvetica, 'Liberation Sans', '${koreanFontFamily}', sans-serif`

export type ChartLocale = 'en' | 'ko'

/** The words a report chart draws, per locale; "no leader" is the record's own word (no primary for PBFT). */
const chartWordsByLocale = {
  en: { time: 'experiment time (s)', opsPerSecond: 'ops/s', throughput: 'throughput', latency: 'latency (ms)', p99Latency: 'p99 latency (ms)', commitIndex: 'commit index', fault: 'fault', noLeader: (leader: string) => `no ${leader}` },
  ko: { time: '실험 시간(초)', opsPerSecond: '연산/초', throughput: '처리량', latency: '지연 시간(ms)', p99Latency: 'p99 지연 시간(ms)', commitIndex: '커밋 인덱스', fault: '장애', noLeader: (leaderKo: string) => `${leaderKo} 없음` },
} as const

/** The latency CDF's axes, per locale. */
const cdfWords = {
  en: { latency: 'latency (ms, log scale)', share: 'operations at or below (%)' },
  ko: { latency: '지연 시간(ms, 로그 눈금)', share: '이 시간 안에 끝난 연산(%)' },
} as const satisfies Record<ChartLocale, { latency: string; share: string }>

type ChartWords = Omit<(typeof chartWordsByLocale)[ChartLocale], 'noLeader'> & { noLeader: string; locale: ChartLocale }

function chartWords(record: RunRecord, locale: ChartLocale): ChartWords {
  const words = chartWordsByLocale[locale]
  const leadership = leadershipWords([record])
  return { ...words, locale, noLeader: words.noLeader(locale === 'ko' ? leadership.leaderKo : leadership.leader) }
}

function base(): EChartsOption {
  return {
    animation: false,
    color: chartPalette,
    textStyle: { fontFamily, color: textColor, fontSize: 11 },
    grid: { left: 60, right: 24, top: 36, bottom: 42 },
    legend: { top: 4, left: 'center', itemWidth: 18, itemHeight: 10, itemGap: 18, textStyle: { fontSize: 11 } },
  }
}

function timeAxis(endMs: number, words: Pick<ChartWords, 'time'> = chartWordsByLocale.en): EChartsOption['xAxis'] {
  return {
    type: 'value',
    name: words.time,
    nameLocation: 'middle',
    nameGap: 26,
    min: 0,
    max: Math.max(1, Math.ceil(endMs / 1000)),
    axisLabel: { formatter: '{value} s', color: axisColor },
    axisLine: { lineStyle: { color: axisColor } },
    splitLine: { show: false },
  }
}

function valueAxis(name: string, extra: Record<string, unknown> = {}): EChartsOption['yAxis'] {
  return {
    type: 'value',
    name,
    nameLocation: 'middle',
    nameGap: 44,
    axisLabel: { color: axisColor },
    axisLine: { show: true, lineStyle: { color: axisColor } },
    splitLine: { lineStyle: { color: '#edf0f2' } },
    ...extra,
  }
}

const seconds = (points: TimePoint[]) => points.map((point) => [point.t / 1000, point.value] as [number, number | null])

/** Bucketed rates drawn as steps: each value holds over its bucket, the first one from time 0. */
function steps(points: TimePoint[]): [number, number | null][] {
  const data = seconds(points)
  return data.length > 0 ? [[0, data[0]![1]], ...data] : data
}

function line(name: string, data: [number, number | null][], extra: LineSeriesOption = {}): LineSeriesOption {
  return { type: 'line', name, data, showSymbol: false, silent: true, connectNulls: false, lineStyle: { width: 1.5 }, ...extra }
}

/**
 * Two empty series that carry the fault windows and markers (red) and the leaderless intervals
 * (grey), so they appear in the legend and every time chart shades them the same way. Each has one
 * point outside the axis, which ECharts needs to draw its marks.
 */
/** Chart labels stay short enough to fit beside a line; the fault table has the full wording. */
function shortLabel(label: string, max = 28): string {
  return label.length <= max ? label : `${label.slice(0, max - 1).trimEnd()}…`
}

function decorations(record: RunRecord, words: ChartWords): LineSeriesOption[] {
  const endMs = experimentEndMs(record)
  const windows = faultWindows(record.summary, endMs, words.locale)
  const labelled = windows.length <= faultLabelsMax
  const areas: MarkAreaComponentOption['data'] = windows
    .filter((window) => window.toMs !== undefined)
    .map((window) => [
      { name: labelled ? shortLabel(window.label) : '', xAxis: window.fromMs / 1000 },
      { xAxis: Math.min(window.toMs!, endMs) / 1000 },
    ])
  // A window carries its label on its shaded area; a moment (a network change) on its line.
  // A moment that closes a window (heal, restart, resume) is told by the shading ending there.
  const windowEnds = new Set(windows.flatMap((window) => (window.toMs === undefined ? [] : [window.toMs])))
  const markers: MarkLineComponentOption['data'] = windows.map((window) => ({
    name: shortLabel(window.label),
    xAxis: window.fromMs / 1000,
    label: { show: labelled && window.toMs === undefined && !windowEnds.has(window.fromMs), formatter: '{b}', position: 'insideEndTop', color: faultColor, fontSize: 10 },
  }))
  const leaderless: MarkAreaComponentOption['data'] = leaderlessIntervals(record)
    .filter((interval) => interval.fromMs < endMs)
    .map((interval) => [{ xAxis: interval.fromMs / 1000 }, { xAxis: Math.min(interval.toMs, endMs) / 1000 }])
  const offAxis: [number, number][] = [[-1e9, 0]]
  return [
    {
      type: 'line',
      name: words.fault,
      data: offAxis,
      silent: true,
      color: faultColor,
      lineStyle: { color: faultColor, width: 2 },
      markArea: { silent: true, itemStyle: { color: faultShade }, label: { color: faultColor, fontSize: 10, position: 'insideTopLeft' }, data: areas },
      markLine: {
        silent: true,
        symbol: 'none',
        lineStyle: { color: faultColor, type: 'dashed', width: 1 },
        label: { show: false },
        data: markers,
      },
    },
    {
      type: 'line',
      name: words.noLeader,
      data: offAxis,
      silent: true,
      color: '#868e96',
      lineStyle: { color: '#adb5bd', width: 6 },
      markArea: { silent: true, itemStyle: { color: leaderlessShade }, data: leaderless },
    },
  ]
}

/** The legend of a time chart: its own series, then the fault and no-leader swatches. */
function legendWith(names: string[], words: ChartWords): EChartsOption['legend'] {
  return {
    ...(base().legend as object),
    data: [...names, { name: words.fault, icon: 'rect' }, { name: words.noLeader, icon: 'rect' }],
  }
}

export function throughputChartOption(record: RunRecord, locale: ChartLocale = 'en'): EChartsOption {
  const words = chartWords(record, locale)
  const { points } = throughputOverTime(record)
  return {
    ...base(),
    xAxis: timeAxis(experimentEndMs(record), words),
    yAxis: valueAxis(words.opsPerSecond),
    legend: legendWith([words.throughput], words),
    // A point sits at its bucket's end and holds for the bucket before it: step 'start'.
    series: [line(words.throughput, steps(points), { step: 'start', areaStyle: { opacity: 0.08 } }), ...decorations(record, words)],
  }
}

export function latencyChartOption(record: RunRecord, locale: ChartLocale = 'en'): EChartsOption {
  const words = chartWords(record, locale)
  const { p50, p99 } = latencyOverTime(record)
  return {
    ...base(),
    xAxis: timeAxis(experimentEndMs(record), words),
    yAxis: valueAxis(words.latency, { min: 0 }),
    legend: legendWith(['p50', 'p99'], words),
    series: [line('p50', seconds(p50)), line('p99', seconds(p99), { lineStyle: { width: 1.5, type: 'solid' } }), ...decorations(record, words)],
  }
}

export function commitIndexChartOption(record: RunRecord, locale: ChartLocale = 'en'): EChartsOption {
  const words = chartWords(record, locale)
  return {
    ...base(),
    xAxis: timeAxis(experimentEndMs(record), words),
    yAxis: valueAxis(words.commitIndex, { min: 0 }),
    legend: legendWith(record.summary.nodeNames, words),
    series: [...commitIndexOverTime(record).map((node) => line(node.node, seconds(node.points), { step: 'end' })), ...decorations(record, words)],
  }
}

function cdfSeries(name: string, record: RunRecord): LineSeriesOption {
  const points = latencyDistribution(record).map((point) => [Math.max(point.latencyMs, 0.001), point.percentile] as [number, number])
  return line(name, points, { step: 'end' })
}

function cdfAxes(records: RunRecord[], locale: ChartLocale = 'en'): Pick<EChartsOption, 'xAxis' | 'yAxis'> {
  const latencies = records.flatMap((record) => latencyDistribution(record).map((point) => point.latencyMs)).filter((ms) => ms > 0)
  const low = latencies.length ? Math.pow(10, Math.floor(Math.log10(Math.min(...latencies)))) : 0.1
  const high = latencies.length ? Math.pow(10, Math.ceil(Math.log10(Math.max(...latencies)))) : 1000
  return {
    xAxis: {
      type: 'log',
      name: cdfWords[locale].latency,
      nameLocation: 'middle',
      nameGap: 26,
      min: low,
      max: high,
      axisLabel: { color: axisColor },
      axisLine: { lineStyle: { color: axisColor } },
      splitLine: { lineStyle: { color: '#edf0f2' } },
    },
    yAxis: valueAxis(cdfWords[locale].share, { min: 0, max: 100, interval: 25 }),
  }
}

/** The latency CDF from the HdrHistogram: what share of operations finished within x ms. */
export function cdfChartOption(record: RunRecord, locale: ChartLocale = 'en'): EChartsOption {
  return { ...base(), ...cdfAxes([record], locale), legend: { show: false }, series: [cdfSeries(record.summary.name, record)] }
}

/** Display names for runs in a comparison: the run name, made unique with its position. */
export function runLabels(records: RunRecord[]): string[] {
  const names = records.map((record) => record.summary.name)
  return names.map((name, index) => (names.filter((other) => other === name).length > 1 ? `${index + 1}. ${name}` : name))
}

export function compareCdfChartOption(records: RunRecord[], locale: ChartLocale = 'en'): EChartsOption {
  const labels = runLabels(records)
  return { ...base(), ...cdfAxes(records, locale), series: records.map((record, index) => cdfSeries(labels[index]!, record)) }
}

export function compareThroughputChartOption(records: RunRecord[], locale: ChartLocale = 'en'): EChartsOption {
  const labels = runLabels(records)
  const endMs = Math.max(...records.map(experimentEndMs))
  const words = chartWordsByLocale[locale]
  return {
    ...base(),
    xAxis: timeAxis(endMs, words),
    yAxis: valueAxis(words.opsPerSecond),
    series: records.map((record, index) => line(labels[index]!, steps(throughputOverTime(record).points), { step: 'start' })),
  }
}

export function compareP99ChartOption(records: RunRecord[], locale: ChartLocale = 'en'): EChartsOption {
  const labels = runLabels(records)
  const endMs = Math.max(...records.map(experimentEndMs))
  const words = chartWordsByLocale[locale]
  return {
    ...base(),
    xAxis: timeAxis(endMs, words),
    yAxis: valueAxis(words.p99Latency, { min: 0 }),
    series: records.map((record, index) => line(labels[index]!, seconds(latencyOverTime(record).p99))),
  }
}

/** Raft's phases in blues and greens, PBFT's in warm colours, so two protocols side by side read apart. */
export const phaseColors: Record<LatencyPhase, string> = {
  'client-hop': '#a5d8ff', 'leader-persist': '#1c7ed6', 'replicate-ack': '#2b8a3e', 'commit-to-apply': '#8ce99a', reply: '#66d9e8',
  request: '#ffd8a8', 'pre-prepare': '#f76707', 'prepare-quorum': '#c92a2a', 'commit-quorum': '#862e9c', execute: '#fcc2d7', replies: '#ffe066',
}

/**
 * The latency breakdown as stacked bars, one per run: each phase's mean, so a bar adds up to the
 * mean latency of the operations split (medians do not add up; the tables give p50 and p99).
 * `phaseName` and `axisName`: the phase's name and the axis's in the page's or report's language.
 */
export function latencyBreakdownChartOption(
  summaries: readonly Pick<RunSummary, 'latencyBreakdown'>[],
  labels: readonly string[],
  phaseName: (phase: LatencyPhase) => string = (phase) => phaseDescriptions[phase].label,
  axisName = 'mean latency by phase (ms)',
): EChartsOption {
  const present = new Set(summaries.flatMap((summary) => summary.latencyBreakdown?.map((row) => row.phase) ?? []))
  const phases = [...raftPhases, ...pbftPhases].filter((phase) => present.has(phase))
  const series: BarSeriesOption[] = phases.map((phase) => ({
    type: 'bar',
    name: phaseName(phase),
    stack: 'latency',
    color: phaseColors[phase],
    barMaxWidth: 28,
    data: summaries.map((summary) => summary.latencyBreakdown?.find((row) => row.phase === phase)?.meanMs ?? null),
  }))
  const option = base()
  return {
    ...option,
    grid: { left: 120, right: 24, top: 56, bottom: 36 },
    legend: { ...(option.legend as object), type: 'plain' },
    xAxis: { ...(valueAxis(axisName, { min: 0 }) as object), nameGap: 24 } as EChartsOption['xAxis'],
    yAxis: { type: 'category', inverse: true, data: [...labels], axisLabel: { color: axisColor, width: 110, overflow: 'truncate' }, axisLine: { lineStyle: { color: axisColor } } },
    series,
  }
}
