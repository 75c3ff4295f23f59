// @vitest-environment node
/**
 * Load harness for replay and the log grid (npm run bench:ui): a 10-minute run's worth of state
 * events far beyond a real one (200,000 role changes), seeked 10,000 times; a log grid built from
 * gridEventsReadMax append/commit events; and a live run's grid refreshed once a second, rebuilt
 * (as useReplay did) against folded (as it does). Prints what each costs; asserts only what is
 * true at any speed (a seek from a snapshot equals the fold from the start; the grid is windowed;
 * the folded grid is the rebuilt one).
 */
import { describe, expect, it } from 'vitest'
import { buildReplayTimeline, replayStateAt } from '../../../src-main/api/replay'
import { buildLogGrid, logGridColumns, logGridColumnsMax } from '../../../src-main/api/log-grid'
import { logGridHtml } from '../../../src-main/api/report/grids'
import type { TraceEvent } from '../../../src-main/api/trace'
import { freshEvents, gridEntriesKeptMax, gridEventsReadMax, gridFoldSliceEvents } from '../../../src-renderer/src/composables/useReplay'
import { LogGridFold } from '../../../src-renderer/src/replay/log-grid-fold'

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

/** A live run's grid events at 5,000 ops/s: a batch of 5 commands a millisecond, appended and committed at every node. */
const liveEventsPerMs = 10
const liveUpdates = 10

function liveGridEvents(fromMs: number, toMs: number): TraceEvent[] {
  const events: TraceEvent[] = []
  for (let ms = fromMs; ms < toMs; ms += 1) {
    const fromIndex = ms * 5 + 1
    for (const node of nodes) {
      const labelled = node === 'A' ? { ops: Array.from({ length: 5 }, (_, k) => `SET k${(fromIndex + k) % 1000}=${ms}`) } : {}
      events.push({ t: ms, node, kind: 'append', fromIndex, toIndex: fromIndex + 4, runs: [[fromIndex, 2]], persistMs: 1, ...labelled })
      events.push({ t: ms + 0.5, node, kind: 'commit', index: fromIndex - 1 })
    }
  }
  return events
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
}

describe('the log grid of a live run, refreshed once a second', () => {
  it('rebuilt from the whole window each second, against folded with the second that was added', () => {
    const windowMs = gridEventsReadMax / liveEventsPerMs
    const rebuildMs: number[] = []
    const foldMs: number[] = []
    /** useReplay folds gridFoldSliceEvents at a time, the page drawing between: each slice is one task. */
    const sliceMs: number[] = []
    /** The same slices' CPU time (the process's, GC threads included): on a shared machine a slice mostly waits for a core. */
    const sliceCpuMs: number[] = []
    // Before: every second, the last gridEventsReadMax events, built and drawn again.
    for (let update = 1; update <= liveUpdates; update += 1) {
      const toMs = windowMs + update * 1000
      const window = liveGridEvents(toMs - windowMs, toMs)
      const started = performance.now()
      logGridHtml(buildLogGrid(nodes, window))
      rebuildMs.push(performance.now() - started)
    }
    // Now: the second's events (and those of the last 50 ms again, a node's batch that may land late),
    // folded and drawn; past gridEntriesKeptMax entries, the window read again and folded, as useReplay does.
    let rereadEvents = 0
    let rebuilds = 0
    let fold = new LogGridFold(nodes)
    let frontier = new Map<string, { t: number; count: number }>()
    const foldTimed = (events: TraceEvent[]) => {
      const started = performance.now()
      const fresh = freshEvents(frontier, events)
      sliceMs.push(performance.now() - started)
      for (let start = 0; start < fresh.length; start += gridFoldSliceEvents) {
        const sliceStarted = performance.now()
        const cpuStarted = process.cpuUsage()
        fold.fold(fresh.slice(start, start + gridFoldSliceEvents))
        sliceMs.push(performance.now() - sliceStarted)
        const cpu = process.cpuUsage(cpuStarted)
        sliceCpuMs.push((cpu.user + cpu.system) / 1000)
      }
      const drawStarted = performance.now()
      logGridHtml(fold.model)
      sliceMs.push(performance.now() - drawStarted)
      return performance.now() - started
    }
    foldTimed(liveGridEvents(0, windowMs))
    let windowFromMs = 0
    for (let update = 1; update <= liveUpdates; update += 1) {
      const toMs = windowMs + update * 1000
      if (fold.entriesHeldMax() > gridEntriesKeptMax) {
        rebuilds += 1
        fold = new LogGridFold(nodes)
        frontier = new Map()
        windowFromMs = toMs - windowMs
        foldTimed(liveGridEvents(windowFromMs, toMs))
        continue
      }
      const read = liveGridEvents(toMs - 1050, toMs)
      rereadEvents = read.length - liveEventsPerMs * 1000
      foldMs.push(foldTimed(read))
    }
    console.log(
      `live log grid, 5 nodes at 5,000 ops/s (${liveEventsPerMs * 1000} grid events/s), ${liveUpdates} updates: ` +
        `rebuilt from ${gridEventsReadMax} events ${median(rebuildMs).toFixed(1)} ms median, ${Math.max(...rebuildMs).toFixed(1)} ms max; ` +
        `folded with ${liveEventsPerMs * 1000} new events (+${rereadEvents} read again) ${median(foldMs).toFixed(1)} ms median, ${Math.max(...foldMs).toFixed(1)} ms max, ` +
        `${rebuilds} windows read again past ${gridEntriesKeptMax} entries; in tasks of at most ${gridFoldSliceEvents} events: the longest ${Math.max(...sliceMs).toFixed(1)} ms wall, ${Math.max(...sliceCpuMs).toFixed(1)} ms CPU (median slice ${median(sliceCpuMs).toFixed(1)} ms CPU)`,
    )
    expect(logGridHtml(fold.model)).toBe(logGridHtml(buildLogGrid(nodes, liveGridEvents(windowFromMs, windowMs + liveUpdates * 1000))))
  })

  it('a seek rebuilds gridEventsReadMax events in slices: the longest one is what holds the page', () => {
    const events = liveGridEvents(0, gridEventsReadMax / liveEventsPerMs)
    let started = performance.now()
    const whole = buildLogGrid(nodes, events)
    logGridHtml(whole)
    const wholeMs = performance.now() - started
    const fold = new LogGridFold(nodes)
    const sliceMs: number[] = []
    const fresh = freshEvents(new Map(), events)
    for (let start = 0; start < fresh.length; start += gridFoldSliceEvents) {
      started = performance.now()
      fold.fold(fresh.slice(start, start + gridFoldSliceEvents))
      sliceMs.push(performance.now() - started)
    }
    started = performance.now()
    const html = logGridHtml(fold.model)
    const drawMs = performance.now() - started
    console.log(
      `log grid seek over ${events.length} events: in one task (before) ${wholeMs.toFixed(0)} ms; ` +
        `in ${sliceMs.length} slices of ${gridFoldSliceEvents} (now) ${sliceMs.reduce((a, b) => a + b, 0).toFixed(0)} ms in all, the longest ${Math.max(...sliceMs).toFixed(1)} ms, then drawn in ${drawMs.toFixed(1)} ms`,
    )
    expect(html).toBe(logGridHtml(whole))
  })
})
