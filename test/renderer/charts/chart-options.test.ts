import { describe, expect, it } from 'vitest'
import { init } from 'echarts/core'
import type { EChartsOption, SeriesOption } from 'echarts'
import { registerCharts } from '../../../src-renderer/src/charts/setup'
import { LiveRun } from '../../../src-renderer/src/live/live-run'
import { faultLabelBounds, faultLabelSlots, type ChartContext } from '../../../src-renderer/src/charts/common'
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

describe('fault labels close together', () => {
  const fault = (t: number, name: string) => ({ t, node: 'lab', kind: 'fault' as const, fault: name })

  it('two faults 100 ms apart get labels in different slots, neither folded', () => {
    const slots = faultLabelSlots([fault(12_000, 'crash leader'), fault(12_100, 'partition')], 30_000)
    expect(slots).toEqual([
      { shown: true, side: 'left', column: 0, alsoHere: 0 },
      { shown: true, side: 'right', column: 0, alsoHere: 0 },
    ])
  })

  it('a burst of faults fills the columns on both sides, then folds the rest into the label before them ("+n")', () => {
    const burst = Array.from({ length: 7 }, (_, i) => fault(12_000, `f${i}`))
    const slots = faultLabelSlots(burst, 30_000)
    expect(slots.filter((slot) => slot.shown)).toHaveLength(4)
    expect(slots.slice(4)).toEqual([{ shown: false, into: 3 }, { shown: false, into: 3 }, { shown: false, into: 3 }])
    expect(slots[3]).toMatchObject({ shown: true, alsoHere: 3 })
    // Far apart, every label sits next to its own line.
    expect(faultLabelSlots([fault(2_000, 'a'), fault(20_000, 'b')], 30_000).map((slot) => slot.shown && slot.column)).toEqual([0, 0])
  })

  it('at the width they are drawn, no two shown labels share a pixel (random bursts; seeded)', () => {
    const seed = Number(process.env.FAULT_LABELS_SEED ?? 11)
    console.log(`fault label packing: seed ${seed} (replay: FAULT_LABELS_SEED=${seed} npx vitest run test/renderer/charts/chart-options.test.ts)`)
    let state = seed
    const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
    const { labelColumnPx, lineGapPx } = faultLabelBounds
    for (let round = 0; round < 300; round += 1) {
      const axisEndMs = 5_000 + Math.floor(random() * 60_000)
      const plotWidthPx = 200 + Math.floor(random() * 1400)
      const times = Array.from({ length: 1 + Math.floor(random() * 12) }, () => Math.floor(random() * axisEndMs)).sort((x, y) => x - y)
      const slots = faultLabelSlots(times.map((t) => ({ t })), axisEndMs, plotWidthPx)
      const bands = slots.flatMap((slot, i) => {
        if (!slot.shown) return []
        const x = (times[i]! / axisEndMs) * plotWidthPx
        const near = lineGapPx + slot.column * labelColumnPx
        return [slot.side === 'left' ? [x - near - labelColumnPx, x - near] : [x + near, x + near + labelColumnPx]]
      })
      for (const [i, [from, to]] of bands.entries()) for (const [otherFrom, otherTo] of bands.slice(i + 1)) expect(to <= otherFrom + 1e-9 || from >= otherTo - 1e-9, `round ${round}`).toBe(true)
      // Nothing is lost: every fault is shown or counted in a shown label.
      expect(slots.reduce((sum, slot) => sum + (slot.shown ? 1 + slot.alsoHere : 0), 0)).toBe(times.length)
    }
  })

  for (const widthPx of [600, 1400]) {
    it(`drawn ${widthPx} px wide (ECharts SVG, server side), labels of faults 53-280 ms apart do not share pixels, and a long one is cut`, () => {
      const live = new LiveRun('run-fixture', ['A', 'B', 'C'])
      for (const frame of makeFrames({ seconds: 9, opsPerSecond: 100, nodes: ['A', 'B', 'C'] })) live.ingest(frame)
      // The times of a real run (y11-bursts on a loaded machine): a scheduled crash, a partition by
      // hand 53 ms later, a scheduled pause, a heal by hand and the scheduled resume 53 ms apart.
      const faults = [
        fault(3_009.6, 'crash follower'), fault(3_062.3, 'partition [[A,B],[C]] with a long description of the groups'), fault(3_341.3, 'pause follower'),
        fault(4_979.2, 'heal all'), fault(5_032.5, 'resume paused'),
      ]
      // The chart knows its plot's width (TimelineChart measures it): the grid's margins are 76 px.
      const ctx: ChartContext = { t: (key) => key, nowMs: live.now, faults, leaderless: [], pointsMax: 300, plotWidthPx: widthPx - 76 }
      const chart = init(null, null, { renderer: 'svg', ssr: true, width: widthPx, height: 190 })
      chart.setOption(buildThroughputOption(live, ctx))
      const svg = chart.renderToSVGString()
      chart.dispose()
      // Each label is vertical text (rotated -90°): its column's centre is the rotation's x plus its y.
      const labels = [...svg.matchAll(/<text[^>]*y="(-?[\d.]+)"[^>]*transform="matrix\(0,-1,1,0,([\d.]+),[\d.]+\)"[^>]*>(⚡[^<]*)<\/text>/g)].map((match) => ({ x: Number(match[2]) + Number(match[1]), text: match[3]! }))
      expect(labels.map((label) => label.text.slice(0, 8))).toEqual(['⚡ crash ', '⚡ partit', '⚡ pause ', '⚡ heal a', '⚡ resume'])
      for (const [i, a] of labels.entries()) for (const b of labels.slice(i + 1)) expect(Math.abs(a.x - b.x), `${a.text} / ${b.text}`).toBeGreaterThanOrEqual(faultLabelBounds.labelColumnPx - 0.5)
      expect(labels[1]!.text.endsWith('…')).toBe(true)
    })
  }
})
