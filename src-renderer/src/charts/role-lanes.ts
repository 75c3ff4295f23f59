/** Per-node role and term lanes: one row per node, a bar per (role, term, process state) segment. */
import type { CustomSeriesOption, CustomSeriesRenderItem, EChartsOption } from 'echarts'
import { graphic } from 'echarts/core'
import type { LiveRun, RoleSegment } from '../live/live-run'
import { baseOption, decorationSeries, seconds, type ChartContext } from './common'
import { roleWord } from '../format'

export const roleColors: Record<string, string> = {
  leader: '#2b8a3e',
  primary: '#2b8a3e',
  candidate: '#f08c00',
  'pre-candidate': '#fcc419',
  precandidate: '#fcc419',
  follower: '#74a4e8',
  backup: '#74a4e8',
  replica: '#74a4e8',
  'view-change': '#f08c00',
  crashed: '#868e96',
  paused: '#b197fc',
  starting: '#dee2e6',
  exited: '#ced4da',
  other: '#66d9e8',
}

/** A learner's lane (membership changes): catching up, no vote. */
const learnerColor = '#a5d8ff'

/** Process state wins over role: a crashed leader is drawn crashed. */
export function segmentKind(segment: Pick<RoleSegment, 'role' | 'process'>): string {
  if (segment.process !== 'up') return segment.process
  const role = segment.role.toLowerCase()
  return role in roleColors ? role : 'other'
}

/** Segments shorter than this many pixels are merged visually by ECharts' own clipping; labels need room. */
const labelWidthMinPx = 26

const renderSegment: CustomSeriesRenderItem = (params, api) => {
  const lane = api.value(2) as number
  const start = api.coord([api.value(0), lane])
  const end = api.coord([api.value(1), lane])
  const height = (api.size?.([0, 1]) as number[])[1] * 0.62
  const coordSys = params.coordSys as unknown as { x: number; y: number; width: number; height: number }
  const shape = graphic.clipRectByRect(
    { x: start[0], y: start[1] - height / 2, width: Math.max(1, end[0] - start[0]), height },
    { x: coordSys.x, y: coordSys.y, width: coordSys.width, height: coordSys.height },
  )
  if (shape === undefined) return null
  const term = api.value(3) as number
  const label = shape.width >= labelWidthMinPx && term > 0 ? String(term) : ''
  return {
    type: 'rect',
    shape,
    style: { fill: api.visual('color') as string },
    textContent: label ? { style: { text: label, fill: '#fff', fontSize: 10 } } : undefined,
    textConfig: { position: 'inside' },
  } as never
}

export function buildRoleLanesOption(live: LiveRun, ctx: ChartContext): EChartsOption {
  const data: { name: string; value: number[]; itemStyle: { color: string } }[] = []
  live.nodes.forEach((node, lane) => {
    live.segments.get(node)?.forEach((segment) => {
      const kind = segmentKind(segment)
      // A learner's bar is pale: it catches up but does not vote (membership changes).
      const learner = segment.nonVoting === true ? ` (${ctx.t('membership.member.learner')})` : ''
      data.push({
        name: `${node}: ${segment.process === 'up' ? roleWord(ctx.t, segment.role) : ctx.t(`process.${segment.process}`)}${learner} · ${ctx.t('chart.term')} ${segment.term}`,
        value: [seconds(segment.start), seconds(segment.end), lane, segment.term],
        itemStyle: { color: segment.nonVoting === true ? learnerColor : roleColors[kind]! },
      })
    })
  })
  const base = baseOption(ctx)
  return {
    ...base,
    grid: { left: 56, right: 20, top: 12, bottom: 28 },
    tooltip: { trigger: 'item', confine: true, formatter: '{b}' },
    yAxis: {
      type: 'category',
      data: live.nodes,
      inverse: true,
      axisTick: { show: false },
      axisLine: { show: false },
      axisLabel: { fontWeight: 'bold', color: '#343a40' },
    },
    series: [
      {
        type: 'custom',
        id: 'segments',
        name: ctx.t('chart.roles'),
        renderItem: renderSegment,
        encode: { x: [0, 1], y: 2 },
        data: data as CustomSeriesOption['data'],
        clip: true,
      },
      decorationSeries(ctx),
    ],
  }
}
