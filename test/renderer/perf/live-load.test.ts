// @vitest-environment node
/**
 * Load harness: feeds a 60-second run at full load (5 nodes, 5000 ops/s, frames capped like the
 * lab's, 1500 trace events each) through the live store and every chart-option builder, and renders
 * each chart with ECharts (server-side SVG, so the model/layout cost is measured without a screen).
 * Prints ms per frame and per chart; README takes its numbers from here (npm run bench:ui).
 */
import { describe, expect, it } from 'vitest'
import { init } from 'echarts/core'
import type { EChartsOption } from 'echarts'
import { registerCharts } from '../../../src-renderer/src/charts/setup'
import { chartBounds, type ChartContext } from '../../../src-renderer/src/charts/common'
import { LiveRun, type MessageEvent } from '../../../src-renderer/src/live/live-run'
import { buildRoleLanesOption } from '../../../src-renderer/src/charts/role-lanes'
import { buildCommitOption, buildLagOption, buildLatencyOption, buildMessagesOption, buildTermOption, buildThroughputOption } from '../../../src-renderer/src/charts/index-charts'
import { layoutSequence, sequenceLookbackMs } from '../../../src-renderer/src/sequence/sequence-layout'
import { describeEvent } from '../../../src-renderer/src/live/describe-event'
import { makeFrames } from '../fixtures/frames'
import { traceWindowEventsMax } from '../../../src-main/api/trace'

registerCharts()

const load = { seconds: 60, opsPerSecond: 5000, nodes: ['A', 'B', 'C', 'D', 'E'], messageEventsPerFrame: 1500, eventsPerFrameMax: 1500 }
const charts: Record<string, (live: LiveRun, ctx: ChartContext) => EChartsOption> = {
  roles: buildRoleLanesOption,
  commit: buildCommitOption,
  lag: buildLagOption,
  latency: buildLatencyOption,
  throughput: buildThroughputOption,
  terms: buildTermOption,
  messages: buildMessagesOption,
}

function time(repeat: number, work: () => void): number {
  const started = performance.now()
  for (let i = 0; i < repeat; i += 1) work()
  return (performance.now() - started) / repeat
}

describe('UI load harness: 60 s at 5000 ops/s, 5 nodes', () => {
  it('ingests a minute of frames and draws every chart from it (times printed, not asserted)', () => {
    const frames = makeFrames({ ...load, crashLeaderAtMs: 30_000 })
    const bytesPerFrame = JSON.stringify(frames[100]).length
    const live = new LiveRun('run-fixture', load.nodes)
    const parsed = frames.map((frame) => JSON.stringify(frame))
    const ingestStarted = performance.now()
    for (const text of parsed) live.ingest(JSON.parse(text))
    const ingestMsPerFrame = (performance.now() - ingestStarted) / frames.length

    const ctx: ChartContext = { t: (key) => key, nowMs: live.now, faults: live.faults.toArray(), leaderless: live.leaderless.toArray(), pointsMax: chartBounds.pointsMax }
    const rows: [string, number, number, number][] = []
    let updateTotal = 0
    for (const [name, build] of Object.entries(charts)) {
      const buildMs = time(10, () => build(live, ctx))
      const chart = init(null, null, { renderer: 'svg', ssr: true, width: 640, height: 200 })
      chart.setOption(build(live, ctx))
      chart.renderToSVGString()
      const updateMs = time(10, () => chart.setOption(build(live, ctx), { replaceMerge: ['series'] }))
      const renderMs = time(10, () => chart.renderToSVGString())
      chart.dispose()
      rows.push([name, buildMs, updateMs, renderMs])
      updateTotal += buildMs + updateMs
    }
    // The sequence diagram and the event log read these from the run's trace (LabApi.readTrace, at
    // most traceWindowEventsMax a read); the frames' events stand in for the trace here.
    const window = { from: 29_500, to: 30_000 }
    const traceEvents = frames.flatMap((frame) => frame.events)
    const windowEvents = traceEvents.filter((event): event is MessageEvent => (event.kind === 'send' || event.kind === 'recv' || event.kind === 'drop') && event.t >= window.from - sequenceLookbackMs && event.t <= window.to).slice(0, traceWindowEventsMax)
    const sequenceMs = time(20, () => layoutSequence(windowEvents, live.nodes, window, { width: 760, height: 440, top: 34, bottom: 14, side: 70 }))
    const logMs = time(20, () => {
      const out: string[] = []
      for (let i = traceEvents.length - 1; i >= 0 && out.length < 200; i -= 1) out.push(describeEvent(traceEvents[i]!, (key) => key))
    })

    const report = [
      `frames: ${frames.length} (${(bytesPerFrame / 1024).toFixed(0)} KiB JSON each, ${load.messageEventsPerFrame} events, ${load.opsPerSecond / 10} latencies)`,
      `ingest (JSON.parse + LiveRun.ingest): ${ingestMsPerFrame.toFixed(2)} ms/frame`,
      ...rows.map(([name, build, update, render]) => `chart ${name.padEnd(10)} build ${build.toFixed(2).padStart(6)} ms   setOption ${update.toFixed(2).padStart(6)} ms   (SVG string ${render.toFixed(1)} ms)`),
      `all charts, one refresh (build + setOption): ${updateTotal.toFixed(1)} ms, every ${chartBounds.refreshMs} ms`,
      `per second of run: ${(ingestMsPerFrame * 10 + updateTotal * (1000 / chartBounds.refreshMs)).toFixed(0)} ms of work (10 frames + chart refreshes), before the browser paints`,
      `sequence diagram layout (500 ms window): ${sequenceMs.toFixed(2)} ms`,
      `event log (200 newest rows): ${logMs.toFixed(2)} ms`,
    ].join('\n')
    console.log(`\n${report}\n`)
    // The times are the benchmark's (printed above, npm run bench:ui); what is checked is that the
    // work measured was the real work: the run's whole minute ingested, its crash seen, every chart
    // built with data, the sequence window laid out from events.
    expect(live.now).toBeGreaterThanOrEqual((load.seconds - 1) * 1000)
    expect(live.faults.toArray().length, 'the leader crash at 30 s').toBeGreaterThan(0)
    for (const [name, build] of Object.entries(charts)) expect((build(live, ctx).series as unknown[]).length, `chart ${name} has series`).toBeGreaterThan(0)
    expect(windowEvents.length, 'message events in the sequence window').toBeGreaterThan(0)
  })
})
