/** Commit index per node, replication lag per follower, term changes, latency, throughput, messages. */
import type { EChartsOption, LineSeriesOption, ScatterSeriesOption } from 'echarts'
import type { LiveRun } from '../live/live-run'
import { meanBuckets, minMaxBuckets, thinScatter, type Point } from '../live/downsample'
import { baseOption, chartBounds, decorationSeries, nodeColor, seconds, type ChartContext } from './common'

const legend = { top: 0, right: 8, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } }
const compactGrid = { left: 56, right: 20, top: 36, bottom: 28 }

function valueAxis(name: string, extra: Record<string, unknown> = {}) {
  return { type: 'value' as const, name, nameGap: 10, nameTextStyle: { align: 'left' as const, color: '#5c6370' }, splitLine: { lineStyle: { color: '#f1f3f5' } }, ...extra }
}

function nodeLines(live: LiveRun, ctx: ChartContext, pick: (frameIndex: number, nodeIndex: number) => number | null): LineSeriesOption[] {
  return live.nodes.map((node, nodeIndex) => {
    const points: [number, number | null][] = []
    live.frames.forEach((frame, frameIndex) => points.push([seconds(frame.t), pick(frameIndex, nodeIndex)]))
    return {
      type: 'line',
      name: node,
      data: minMaxBuckets(points, Math.max(2, ctx.pointsMax >> 1)),
      showSymbol: false,
      connectNulls: false,
      lineStyle: { width: 1.5 },
      color: nodeColor(nodeIndex),
    }
  })
}

export function buildCommitOption(live: LiveRun, ctx: ChartContext): EChartsOption {
  const series = nodeLines(live, ctx, (f, n) => {
    const value = live.frames.at(f)?.commit[n] ?? -1
    return value < 0 ? null : value
  })
  return { ...baseOption(ctx), grid: compactGrid, legend: { ...legend, data: live.nodes }, yAxis: valueAxis(ctx.t('chart.commitIndex'), { scale: true }), series: [...series, decorationSeries(ctx)] }
}

/** Entries each follower is behind the leader's log; the leader itself and leaderless frames are gaps. */
export function buildLagOption(live: LiveRun, ctx: ChartContext): EChartsOption {
  const series = nodeLines(live, ctx, (f, n) => {
    const frame = live.frames.at(f)
    if (frame === undefined || frame.leader === live.nodes[n]) return null
    return frame.lag[n] ?? null
  })
  return { ...baseOption(ctx), grid: compactGrid, legend: { ...legend, data: live.nodes }, yAxis: valueAxis(ctx.t('chart.entriesBehind'), { minInterval: 1 }), series: [...series, decorationSeries(ctx)] }
}

/** Term changes in the trailing minute, sampled each second, with the highest term seen. */
export function buildTermOption(live: LiveRun, ctx: ChartContext): EChartsOption {
  const changes = live.termChanges.toArray()
  const perMinute: Point[] = []
  const term: Point[] = []
  let enter = 0
  let leave = 0
  let currentTerm = 0
  const lastSecond = Math.floor(ctx.nowMs / 1000)
  for (let second = 0; second <= lastSecond; second += 1) {
    const t = second * 1000
    while (enter < changes.length && changes[enter].t <= t) currentTerm = changes[enter++].term
    while (leave < enter && changes[leave].t <= t - 60_000) leave += 1
    perMinute.push([second, enter - leave])
    term.push([second, currentTerm])
  }
  const latestTerm = live.latest.reduce((max, status) => Math.max(max, status.term), 0)
  if (term.length > 0) term[term.length - 1][1] = Math.max(term[term.length - 1][1], latestTerm)
  return {
    ...baseOption(ctx),
    grid: { ...compactGrid, right: 44 },
    legend: { ...legend, right: 60, data: [ctx.t('chart.termChangesPerMinute'), ctx.t('chart.term')] },
    yAxis: [valueAxis(ctx.t('chart.perMinute'), { minInterval: 1 }), { type: 'value', name: ctx.t('chart.term'), nameGap: 10, nameTextStyle: { align: 'right', color: '#5c6370' }, minInterval: 1, splitLine: { show: false } }],
    series: [
      { type: 'line', name: ctx.t('chart.termChangesPerMinute'), step: 'end', data: meanBuckets(perMinute, ctx.pointsMax), showSymbol: false, color: '#f08c00', areaStyle: { opacity: 0.15 } },
      { type: 'line', name: ctx.t('chart.term'), yAxisIndex: 1, step: 'end', data: term.length > ctx.pointsMax ? minMaxBuckets(term, ctx.pointsMax >> 1) : term, showSymbol: false, color: '#495057', lineStyle: { type: 'dotted' } },
      decorationSeries(ctx),
    ],
  }
}

/** Completed operations' latency as dots, with p50 and p99 per second as lines. Log scale: faults make outliers. */
export const latencyDotsSeriesIndex = 0

/** The operation a clicked latency dot stands for: its history process and completion time (experiment ms). */
export function latencyDotOperation(params: { seriesIndex?: number; data?: unknown }): { process: number; okMs: number } | undefined {
  if (params.seriesIndex !== latencyDotsSeriesIndex || !Array.isArray(params.data)) return undefined
  const [, , process, okMs] = params.data as unknown[]
  return typeof process === 'number' && process >= 0 && typeof okMs === 'number' ? { process, okMs } : undefined
}

export function buildLatencyOption(live: LiveRun, ctx: ChartContext, dotsMax: number = chartBounds.latencyDotsMax): EChartsOption {
  const samples = thinScatter(live.latencies.toArray(), dotsMax)
  const percentiles = live.percentiles.toArray()
  const scatter: ScatterSeriesOption = {
    type: 'scatter',
    name: ctx.t('chart.requests'),
    symbolSize: 3,
    large: true,
    largeThreshold: 400,
    itemStyle: { color: 'rgba(47, 111, 219, 0.35)' },
    // The process and exact completion time ride along (not drawn): a click on a dot follows its operation.
    data: samples.map((sample) => [seconds(sample.t), Math.max(0.01, sample.ms), sample.p ?? -1, sample.t]),
  }
  const line = (name: string, pick: 'p50' | 'p99', color: string): LineSeriesOption => ({
    type: 'line',
    name,
    showSymbol: false,
    color,
    lineStyle: { width: 2 },
    data: percentiles.map((p) => [seconds(p.t + 500), Math.max(0.01, p[pick])]),
  })
  return {
    ...baseOption(ctx),
    grid: compactGrid,
    legend: { ...legend, data: [ctx.t('chart.requests'), 'p50', 'p99'] },
    tooltip: { trigger: 'item', confine: true },
    yAxis: valueAxis(ctx.t('chart.ms'), { type: 'log', logBase: 10, min: (range: { min: number }) => Math.max(0.01, 10 ** Math.floor(Math.log10(range.min))) }),
    series: [scatter, line('p50', 'p50', '#2b8a3e'), line('p99', 'p99', '#d9480f'), decorationSeries(ctx)],
  }
}

export function buildThroughputOption(live: LiveRun, ctx: ChartContext): EChartsOption {
  const ok: Point[] = []
  const failed: Point[] = []
  live.frames.forEach((frame) => {
    ok.push([seconds(frame.t), frame.okPerSec])
    failed.push([seconds(frame.t), frame.failPerSec])
  })
  // A 100 ms frame holds few completions; averaging to ~1 s keeps the line readable.
  const buckets = Math.min(ctx.pointsMax, Math.max(1, Math.ceil(ctx.nowMs / 1000)))
  return {
    ...baseOption(ctx),
    grid: compactGrid,
    legend: { ...legend, data: [ctx.t('chart.acknowledged'), ctx.t('chart.failedOrUnknown')] },
    yAxis: valueAxis(ctx.t('chart.opsPerSecond')),
    series: [
      { type: 'line', name: ctx.t('chart.acknowledged'), data: meanBuckets(ok, buckets), showSymbol: false, color: '#2f6fdb', areaStyle: { opacity: 0.12 } },
      { type: 'line', name: ctx.t('chart.failedOrUnknown'), data: meanBuckets(failed, buckets), showSymbol: false, color: '#e03131' },
      decorationSeries(ctx),
    ],
  }
}

/** Messages per second by type, stacked areas; the types beyond `typesMax` fold into "other". */
export function buildMessagesOption(live: LiveRun, ctx: ChartContext, typesMax = 8): EChartsOption {
  const ranked = Object.entries(live.messageTotals).sort((a, b) => b[1] - a[1]).map(([type]) => type)
  const shown = ranked.slice(0, typesMax)
  const other = ctx.t('chart.otherTypes')
  const names = ranked.length > typesMax ? [...shown, other] : shown
  const buckets = live.messagesPerSecond.toArray()
  const series: LineSeriesOption[] = names.map((name, index) => ({
    type: 'line',
    name,
    stack: 'messages',
    step: 'middle',
    showSymbol: false,
    lineStyle: { width: 1 },
    areaStyle: { opacity: 0.5 },
    color: nodeColor(index + 3),
    data: buckets.map((bucket) => {
      const count = name === other ? Object.entries(bucket.byType).reduce((sum, [type, n]) => (shown.includes(type) ? sum : sum + n), 0) : (bucket.byType[name] ?? 0)
      return [seconds(bucket.t + 500), count]
    }),
  }))
  return {
    ...baseOption(ctx),
    grid: compactGrid,
    legend: { ...legend, type: 'scroll', left: 150, data: names },
    yAxis: valueAxis(ctx.t('chart.messagesPerSecond')),
    series: [...series, decorationSeries(ctx)],
  }
}
