/**
 * The comparison charts of the reports (src-main/api/report/charts.ts), made for the screen: axis
 * names in the person's language, a tooltip, and a legend that scrolls when many runs are picked.
 * The data and the drawing are the report's, so the screen and a report show the same picture (its
 * font too: ECharts lays out legends with the font's measured widths).
 */
import type { EChartsOption } from 'echarts'
import type { RunRecord } from '../../../src-main/api/run-file'
import { compareCdfChartOption, compareP99ChartOption, compareThroughputChartOption } from '../../../src-main/api/report/charts'
import type { Translate } from './common'

export type CompareChartKind = 'cdf' | 'throughput' | 'p99'

const builders: Record<CompareChartKind, (records: RunRecord[]) => EChartsOption> = {
  cdf: compareCdfChartOption,
  throughput: compareThroughputChartOption,
  p99: compareP99ChartOption,
}

const axisKeys: Record<CompareChartKind, { x: string; y: string }> = {
  cdf: { x: 'compare.axis.latencyLog', y: 'compare.axis.atOrBelow' },
  throughput: { x: 'compare.axis.time', y: 'compare.axis.opsPerSecond' },
  p99: { x: 'compare.axis.time', y: 'compare.axis.p99' },
}

function withName(axis: EChartsOption['xAxis'], name: string): EChartsOption['xAxis'] {
  return Array.isArray(axis) ? axis : { ...(axis as object), name }
}

export function compareChartOption(kind: CompareChartKind, records: RunRecord[], t: Translate): EChartsOption {
  const option = builders[kind](records)
  const keys = axisKeys[kind]
  return {
    ...option,
    xAxis: withName(option.xAxis, t(keys.x)),
    yAxis: withName(option.yAxis as EChartsOption['xAxis'], t(keys.y)) as EChartsOption['yAxis'],
    legend: { ...(option.legend as object), type: 'scroll' },
    tooltip: {
      trigger: 'axis',
      confine: true,
      valueFormatter: (value) => (typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : String(value ?? '–')),
    },
  }
}
