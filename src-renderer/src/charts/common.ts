/**
 * Shared pieces of the timeline charts: a time axis in seconds, node colours, and the decorations
 * every time chart carries (a marker per injected fault, shading where no node led).
 * Everything here and in the builders is a pure function of its inputs.
 */
import type { EChartsOption, LineSeriesOption, XAXisComponentOption } from 'echarts'
import type { FaultEvent, Interval } from '../live/live-run'

export type Translate = (key: string, named?: Record<string, unknown>) => string

export interface ChartContext {
  t: Translate
  /** End of the newest frame, ms since the run's epoch. */
  nowMs: number
  faults: FaultEvent[]
  leaderless: Interval[]
  /** Upper bound of points per series after downsampling (about the chart's width in pixels). */
  pointsMax: number
  /** The plot's width on screen, px, when the chart knows it: fault labels are packed in it. */
  plotWidthPx?: number
}

/**
 * How the live charts trade detail for speed: points per series after downsampling (about one per
 * two pixels of a chart), latency dots, and how often a chart redraws however fast frames come.
 */
export const chartBounds = { pointsMax: 300, latencyDotsMax: 1500, refreshMs: 1000 } as const

/** Bounds on decorations so a fault storm cannot swamp a chart. */
export const decorationBounds = { faultMarkersMax: 200, leaderlessAreasMax: 300 } as const

/**
 * How fault labels are packed. A label is written up along its marker (vertical text), so it takes
 * a column `labelColumnPx` wide beside the line, in pixels of the plot as drawn (ChartContext's
 * plotWidthPx; `plotWidthPx` here when a chart does not know it). `labelCharsMax`: longer
 * labels end in "…", and none is drawn longer than `labelLengthPxMax` (the smallest chart's plot
 * height); the whole text is in the chart's description and the event log.
 */
export const faultLabelBounds = { plotWidthPx: 480, labelColumnPx: 12, lineGapPx: 3, columnsPerSideMax: 2, labelCharsMax: 28, labelLengthPxMax: 120 } as const

export type FaultLabelSlot =
  /** Drawn on `side` of its marker, `column` columns out (0: next to the line). */
  | { shown: true; side: 'left' | 'right'; column: number; alsoHere: number }
  /** Too crowded: folded into the label of fault `into`, which counts it. */
  | { shown: false; into: number }

/**
 * Where each fault's label goes so that no two share pixels: left of its marker, else right of it,
 * each up to columnsPerSideMax columns out; a fault with no free column is folded into the label
 * nearest before it ("+1"). `faults` in time order; times in ms on an axis from 0 to `axisEndMs`.
 */
export function faultLabelSlots(faults: readonly { t: number }[], axisEndMs: number, plotWidthPx: number = faultLabelBounds.plotWidthPx, bounds = faultLabelBounds): FaultLabelSlot[] {
  const pxPerMs = plotWidthPx / Math.max(1, axisEndMs)
  const taken: [number, number][] = []
  const free = (from: number, to: number) => from >= 0 && to <= plotWidthPx && taken.every(([a, b]) => to <= a || from >= b)
  const slots: FaultLabelSlot[] = []
  let lastShown = -1
  faults.forEach((fault, index) => {
    const x = fault.t * pxPerMs
    for (let column = 0; column < bounds.columnsPerSideMax; column += 1) {
      const near = bounds.lineGapPx + column * bounds.labelColumnPx
      const candidates: [FaultLabelSlot & { shown: true }, number, number][] = [
        [{ shown: true, side: 'left', column, alsoHere: 0 }, x - near - bounds.labelColumnPx, x - near],
        [{ shown: true, side: 'right', column, alsoHere: 0 }, x + near, x + near + bounds.labelColumnPx],
      ]
      const fit = candidates.find(([, from, to]) => free(from, to))
      if (fit) {
        taken.push([fit[1], fit[2]])
        slots.push(fit[0])
        lastShown = index
        return
      }
    }
    if (lastShown < 0) {
      // Nothing before it to fold into (cannot happen with an empty plot, kept for safety): shown anyway.
      slots.push({ shown: true, side: 'left', column: 0, alsoHere: 0 })
      lastShown = index
      return
    }
    slots.push({ shown: false, into: lastShown })
    const into = slots[lastShown] as { alsoHere: number }
    into.alsoHere += 1
  })
  return slots
}

function shortened(text: string, charsMax: number): string {
  return text.length <= charsMax ? text : `${text.slice(0, charsMax - 1)}…`
}

export const nodePalette = ['#2f6fdb', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0c8599', '#c2255c', '#5c7cfa', '#74b816', '#862e9c', '#1098ad', '#f08c00', '#495057', '#9c36b5', '#37b24d']
export const faultColor = '#e03131'
export const leaderlessColor = 'rgba(224, 49, 49, 0.08)'

export function nodeColor(index: number): string {
  return nodePalette[index % nodePalette.length]
}

export const seconds = (ms: number) => Math.round(ms) / 1000

export function timeAxis(ctx: ChartContext): XAXisComponentOption {
  return {
    type: 'value',
    min: 0,
    max: Math.max(1, Math.ceil(ctx.nowMs / 1000)),
    axisLabel: { formatter: (value: number) => `${value}s`, color: '#5c6370' },
    splitLine: { show: false },
    axisLine: { lineStyle: { color: '#adb5bd' } },
  }
}

export const grid = { left: 56, right: 20, top: 30, bottom: 28 } as const

/** "crash C"; a keyword target shows what it resolved to: "crash leader (C)". */
export function describeFault(fault: FaultEvent): string {
  const detail = fault.detail?.trim()
  if (!detail || fault.fault.includes(detail)) return fault.fault
  return `${fault.fault} (${detail})`
}

/**
 * An empty line series that carries the fault markers and leaderless areas, so every time chart
 * draws them the same way whatever its own series are. Its one data point sits outside the axis.
 */
export function decorationSeries(ctx: ChartContext): LineSeriesOption {
  const faults = ctx.faults.slice(-decorationBounds.faultMarkersMax)
  const intervals = ctx.leaderless.slice(-decorationBounds.leaderlessAreasMax)
  const slots = faultLabelSlots(faults, Math.max(1, Math.ceil(ctx.nowMs / 1000)) * 1000, ctx.plotWidthPx)
  return {
    type: 'line',
    id: 'decorations',
    name: ctx.t('chart.decorations'),
    data: [[-1, 0]],
    symbol: 'none',
    silent: true,
    tooltip: { show: false },
    lineStyle: { opacity: 0 },
    markLine: {
      silent: true,
      symbol: 'none',
      animation: false,
      lineStyle: { color: faultColor, type: 'dashed', width: 1.5 },
      label: { show: true, position: 'insideEndTop', color: faultColor, fontSize: 10, formatter: '{b}' },
      data: faults.map((fault, index) => ({ xAxis: seconds(fault.t), name: `⚡ ${describeFault(fault)}`, label: faultLabel(fault, slots[index]!) })),
    },
    markArea: {
      silent: true,
      animation: false,
      itemStyle: { color: leaderlessColor },
      data: intervals.map((interval) => [{ xAxis: seconds(interval.start) }, { xAxis: seconds(interval.end ?? ctx.nowMs) }]),
    },
  }
}

/**
 * A marker's label in its slot: written up along the line (ECharts' insideEndTop and insideEndBottom
 * are the line's left and right for a vertical marker), `distance[1]` columns out.
 */
function faultLabel(fault: FaultEvent, slot: FaultLabelSlot): Record<string, unknown> {
  if (!slot.shown) return { show: false }
  const text = shortened(`⚡ ${describeFault(fault)}`, faultLabelBounds.labelCharsMax)
  return {
    show: true,
    position: slot.side === 'left' ? 'insideEndTop' : 'insideEndBottom',
    distance: [4, faultLabelBounds.lineGapPx + slot.column * faultLabelBounds.labelColumnPx],
    formatter: slot.alsoHere > 0 ? `${text} +${slot.alsoHere}` : text,
    // A short chart cannot hold a long label up its line: ECharts cuts it where it would leave the plot.
    width: faultLabelBounds.labelLengthPxMax,
    overflow: 'truncate',
    ellipsis: '…',
    // Other markers of a burst pass behind a label: a backing keeps its letters clear of them.
    backgroundColor: 'rgba(255, 255, 255, 0.85)',
  }
}

/**
 * What a screen reader (and a test) is told about a time chart: its fault markers and leaderless
 * intervals, the facts drawn over every timeline.
 */
export function ariaDescription(ctx: ChartContext): string {
  const faults = ctx.faults.slice(-decorationBounds.faultMarkersMax)
  const intervals = ctx.leaderless.slice(-decorationBounds.leaderlessAreasMax)
  const faultText = faults.length === 0 ? ctx.t('chart.ariaNone') : faults.map((fault) => `${describeFault(fault)} @ ${seconds(fault.t).toFixed(1)} s`).join('; ')
  const leaderlessText =
    intervals.length === 0
      ? ctx.t('chart.ariaNone')
      : intervals.map((interval) => `${seconds(interval.start).toFixed(1)}–${seconds(interval.end ?? ctx.nowMs).toFixed(1)} s`).join('; ')
  return ctx.t('chart.aria', { faults: faultText, leaderless: leaderlessText })
}

/** The UI's font stack for chart text (canvas), Hangul from the shipped Noto Sans KR. */
export const chartFontFamily = "system-ui, 'Noto Sans', 'Noto Sans KR', sans-serif"

export function baseOption(ctx: ChartContext): EChartsOption {
  return {
    animation: false,
    aria: { enabled: true, label: { description: ariaDescription(ctx) } },
    grid: { ...grid },
    xAxis: timeAxis(ctx),
    tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'line' } },
    // A canvas does not inherit CSS fonts ('inherit' falls back to a font without Hangul): the UI's
    // stack, with the shipped Noto Sans KR, is named.
    textStyle: { fontFamily: chartFontFamily },
  }
}
