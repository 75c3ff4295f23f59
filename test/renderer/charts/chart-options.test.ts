import { describe, expect, it } from 'vitest'
import { init } from 'echarts/core'
import type { EChartsOption, SeriesOption } from 'echarts'
import { registerCharts } from '../../../src-renderer/src/charts/setup'
import { LiveRun } from '../../../src-renderer/src/live/live-run'
import type { ChartContext } from '../../../src-renderer/src/charts/common'
import { buildRoleLanesOption, segmentKind } from '../../../src-renderer/src/charts/role-lanes'
import { buildCommitOption, buildLagOption, buildLatencyOption, buildMessagesOption, buildTermOption, buildThroughputOption } from '../../../src-renderer/src/charts/index-charts'
import { makeFrames } from '../fixtures/frames'

registerCharts()

function fixture() {
  const live = new LiveRun('run-fixture', ['A', 'B', 'C', 'D', 'E'])
  for (const frame of makeFrames({ seconds: 30, opsPerSecond: 3000, crashLeaderAtMs: 12_000 })) live.ingest(frame)
  const ctx: ChartContext = { t: (key, named) => (named ? `${key} ${Object.values(named).join(' | ')}` : key), nowMs: live.now, faults: live.faults.toArray(), leaderless: live.leaderless.toArray(), pointsMax: 400 }
  return { live, ctx }
}

const builders = { buildRoleLanesOption, buildCommitOption, buildLagOption, buildLatencyOption, buildThroughputOption, buildTermOption, buildMessagesOption }

function seriesOf(option: EChartsOption): SeriesOption[] {
  return option.series as SeriesOption[]
}

describe('every timeline chart', () => {
  for (const [name, build] of Object.entries(builders)) {
    it(`${name} marks the injected fault and shades the leaderless time`, () => {
      const { live, ctx } = fixture()
      const decorations = seriesOf(build(live, ctx)).find((series) => series.id === 'decorations') as Record<string, any>
      expect(decorations.markLine.data).toEqual([expect.objectContaining({ xAxis: 12, name: expect.stringContaining('crash A') })])
      expect(decorations.markArea.data).toHaveLength(2)
      expect(decorations.markArea.data[1][0].xAxis).toBeCloseTo(12.1)
      expect(decorations.markArea.data[1][1].xAxis).toBeCloseTo(12.4)
    })
  }

  it('describes its fault markers and leaderless time to assistive technology', () => {
    const { live, ctx } = fixture()
    for (const build of Object.values(builders)) {
      const description = (build(live, ctx).aria as { label: { description: string } }).label.description
      expect(description).toContain('crash A @ 12.0 s')
      expect(description).toContain('12.1–12.4 s')
    }
  })

  it('renders with the fault label visible (ECharts SVG, server side)', () => {
    const { live, ctx } = fixture()
    for (const build of Object.values(builders)) {
      const chart = init(null, null, { renderer: 'svg', ssr: true, width: 600, height: 240 })
      chart.setOption(build(live, ctx))
      const svg = chart.renderToSVGString()
      chart.dispose()
      expect(svg).toContain('crash A')
    }
  })
})

describe('chart data stays within the points budget', () => {
  it('commit and lag lines are downsampled to about pointsMax per node', () => {
    const { live, ctx } = fixture()
    for (const build of [buildCommitOption, buildLagOption]) {
      const lines = seriesOf(build(live, ctx)).filter((series) => series.type === 'line' && series.id !== 'decorations')
      expect(lines).toHaveLength(5)
      for (const line of lines) expect((line.data as unknown[]).length).toBeLessThanOrEqual(ctx.pointsMax + 4)
    }
  })

  it('the latency scatter is thinned and has p50 and p99 lines', () => {
    const { live, ctx } = fixture()
    const series = seriesOf(buildLatencyOption(live, ctx, 900))
    expect((series[0].data as unknown[]).length).toBeLessThanOrEqual(900)
    expect(series.map((s) => s.name)).toEqual(expect.arrayContaining(['p50', 'p99']))
  })

  it('lag is a gap for the leader itself', () => {
    const { live, ctx } = fixture()
    const a = seriesOf(buildLagOption(live, ctx)).find((series) => series.name === 'A')
    const early = (a?.data as [number, number | null][]).filter(([x]) => x > 1 && x < 11)
    expect(early.every(([, y]) => y === null)).toBe(true)
  })

  it('term changes in the last minute count the failover once', () => {
    const { live, ctx } = fixture()
    const perMinute = seriesOf(buildTermOption(live, ctx))[0].data as [number, number][]
    expect(perMinute.find(([second]) => second === 20)?.[1]).toBe(1)
    expect(perMinute.find(([second]) => second === 5)?.[1]).toBe(0)
  })

  it('messages stack by type, biggest first', () => {
    const { live, ctx } = fixture()
    const names = seriesOf(buildMessagesOption(live, ctx)).filter((s) => s.id !== 'decorations').map((s) => s.name)
    expect(names).toEqual(['AppendEntries', 'AppendEntriesResponse', 'RequestVote'])
  })

  it('role lanes draw crashed nodes as crashed whatever their last role', () => {
    expect(segmentKind({ role: 'leader', process: 'crashed' })).toBe('crashed')
    expect(segmentKind({ role: 'Leader', process: 'up' })).toBe('leader')
    expect(segmentKind({ role: 'weird', process: 'up' })).toBe('other')
    const { live, ctx } = fixture()
    const lanes = seriesOf(buildRoleLanesOption(live, ctx))[0].data as { value: number[] }[]
    expect(lanes.length).toBe(3 + 3 + 2 + 2 + 2)
  })
})

describe('fault labels', () => {
  it('name the fault once, and what a keyword target resolved to', async () => {
    const { describeFault } = await import('../../../src-renderer/src/charts/common')
    expect(describeFault({ t: 1, node: 'lab', kind: 'fault', fault: 'crash C', detail: 'C' })).toBe('crash C')
    expect(describeFault({ t: 1, node: 'lab', kind: 'fault', fault: 'crash leader', detail: 'C' })).toBe('crash leader (C)')
    expect(describeFault({ t: 1, node: 'lab', kind: 'fault', fault: 'heal all' })).toBe('heal all')
  })
})
