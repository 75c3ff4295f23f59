// @vitest-environment node
/**
 * Load harness for replay and the log grid (npm run bench:ui): a 10-minute run's worth of state
 * events far beyond a real one (200,000 role changes), seeked 10,000 times, and a log grid built
 * from gridEventsReadMax append/commit events. Prints what each costs; asserts only what is true
 * at any speed (a seek from a snapshot equals the fold from the start; the grid is windowed).
 */
import { describe, expect, it } from 'vitest'
import { buildReplayTimeline, replayStateAt } from '../../../src-main/api/replay'
import { buildLogGrid, logGridColumns, logGridColumnsMax } from '../../../src-main/api/log-grid'
import { logGridHtml } from '../../../src-main/api/report/grids'
import type { TraceEvent } from '../../../src-main/api/trace'
import { gridEventsReadMax } from '../../../src-renderer/src/composables/useReplay'

const nodes = ['A', 'B', 'C', 'D', 'E']
const runMs = 600_000
const stateEvents = 200_000
const seeks = 10_000

describe('replay and the log grid on a long run', () => {
  it('builds the timeline once, then seeks anywhere by snapshot', () => {
    const events: TraceEvent[] = Array.from({ length: stateEvents }, (_, i) => ({ t: (i * runMs) / stateEvents, node: nodes[i % 5]!, kind: 'role', role: i % 7 === 0 ? 'leader' : 'follower', term: Math.floor(i / 5) }))
    let started = performance.now()
    const timeline = buildReplayTimeline(nodes, events)
    const buildMs = performance.now() - started
    started = performance.now()
    for (let k = 0; k < seeks; k += 1) replayStateAt(timeline, (k * 61_013) % runMs)
    const seekUs = ((performance.now() - started) / seeks) * 1000
    console.log(`replay: ${stateEvents} state events built in ${buildMs.toFixed(0)} ms (${timeline.snapshots.length} snapshots); a seek takes ${seekUs.toFixed(0)} µs`)
    const atMs = 123_456
    const folded = buildReplayTimeline(nodes, events.filter((event) => event.t <= atMs))
    expect(replayStateAt(timeline, atMs)).toEqual(replayStateAt(folded, Infinity))
  })

  it('builds the grid of gridEventsReadMax events and draws a window of it', () => {
    const events: TraceEvent[] = []
    for (let i = 0; i < gridEventsReadMax / 2; i += 1) {
      const index = Math.floor(i / 5) + 1
      events.push({ t: i, node: nodes[i % 5]!, kind: 'append', fromIndex: index, toIndex: index, runs: [[index, 1 + Math.floor(index / 1000)]], persistMs: 1, ops: [`SET k${index}=${i}`] })
      events.push({ t: i, node: nodes[i % 5]!, kind: 'commit', index: Math.max(0, index - 3) })
    }
    const started = performance.now()
    const model = buildLogGrid(nodes, events)
    const html = logGridHtml(model)
    const gridMs = performance.now() - started
    const columns = logGridColumns(model)
    console.log(`log grid: ${events.length} events to ${model.lastIndex} indexes in ${gridMs.toFixed(0)} ms; ${columns.length} columns drawn, ${(html.length / 1024).toFixed(0)} KiB of markup`)
    expect(columns.filter((column) => column.kind === 'index').length).toBeLessThanOrEqual(logGridColumnsMax)
  })
})
