// @vitest-environment node
/**
 * The log grid of a live run, read once a second as the trace file grows: after every refresh it is
 * the grid rebuilt from every line the file holds in its window (lines that landed late included),
 * of the group shown only, and a refresh reads what was written since the last one (and the lines
 * of the late-line margin again), never the whole run.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope, ref, type EffectScope } from 'vue'
import { buildLogGrid, logGridKinds } from '../../../src-main/api/log-grid'
import { buildSlotGrid, slotGridKinds } from '../../../src-main/api/slot-grid'
import type { TraceEvent } from '../../../src-main/api/trace'
import type { TraceQuery } from '../../../src-main/api/lab-api'
import { seededRandom, randomInt } from '../../../src-main/protocols/common/random'
import { gridEntriesKeptMax, gridEventsReadMax, gridLateLinesMs, useReplay } from '../../../src-renderer/src/composables/useReplay'
import { memoryTraceReader, type TraceReader } from '../../../src-renderer/src/replay/trace-source'
import { ofGroup, randomLogTrace, randomSlotTrace } from '../support/log-stream'

const nodes = ['A', 'B', 'C', 'D', 'E']
const refreshMs = 1_000
/** A replica ships its events every 50 ms; a batch lands up to this much later still (a loaded machine). */
const landsLateMsMax = 400
const baseSeed = Number(process.env.LIVE_GRID_SEED ?? Date.now() % 100_000)

interface Line {
  event: TraceEvent
  writtenMs: number
}

/** A live trace file: each node's events in 50 ms batches, each batch landing 0..landsLateMsMax after it closed, in the node's order. */
function liveFile(seed: number, groups: number, pbft = false): Line[] {
  const random = seededRandom(seed, 'live-file')
  // Stretched to about 8 s of run so that the grid is refreshed a few times.
  const trace = pbft ? randomSlotTrace(seed, nodes, 4_000) : randomLogTrace(seed, nodes, groups, 4_000)
  const events = trace.map((event) => ({ ...event, t: event.t * 4 }))
  const lastWrittenMs = new Map<string, number>()
  const lines = events.map((event) => {
    const closedMs = (Math.floor(event.t / 50) + 1) * 50
    const landsMs = Math.max(lastWrittenMs.get(event.node) ?? 0, closedMs + (random() < 0.3 ? randomInt(random, 0, landsLateMsMax) : 0))
    lastWrittenMs.set(event.node, landsMs)
    return { event, writtenMs: landsMs }
  })
  return lines.sort((a, b) => a.writtenMs - b.writtenMs)
}

let scope: EffectScope | undefined
afterEach(() => scope?.stop())

async function followLive(seed: number, groups: number, group: number, pbft = false): Promise<void> {
  const lines = liveFile(seed, groups, pbft)
  const kinds: readonly string[] = pbft ? slotGridKinds : logGridKinds
  const file: TraceEvent[] = []
  let gridEventsRead = 0
  const reader = ref<TraceReader>(async (query: TraceQuery) => {
    const window = await memoryTraceReader(file)(query)
    if (query.kinds?.includes(kinds[0]!)) gridEventsRead += window.events.length
    return window
  })
  const atMs = ref(0)
  const refresh = ref(0)
  scope = effectScope()
  const model = scope.run(() => useReplay({ reader, nodes: ref(nodes), protocol: ref(pbft ? 'pbft' : 'raft'), refresh, atMs, group: ref(group), visible: ref(true) }))!
  const endMs = lines[lines.length - 1]!.writtenMs + refreshMs
  let written = 0
  for (let nowMs = refreshMs; nowMs <= endMs; nowMs += refreshMs) {
    const fileBefore = [...file]
    while (written < lines.length && lines[written]!.writtenMs <= nowMs) file.push(lines[written++]!.event)
    const readBefore = gridEventsRead
    atMs.value = nowMs
    refresh.value += 1
    await vi.waitFor(() => expect(model.gridAtMs.value).toBe(nowMs), { timeout: 10_000, interval: 5 })
    const where = `seed ${seed}, group ${group}, at ${nowMs} ms`
    const fromMs = model.gridFromMs.value ?? -Infinity
    const inWindow = file.filter((event) => event.t >= fromMs && event.t <= nowMs)
    if (pbft) expect(model.slotGrid.value, where).toEqual(buildSlotGrid(nodes, inWindow, nowMs))
    else expect(model.logGrid.value, where).toEqual(buildLogGrid(nodes, ofGroup(inWindow, group), nowMs, group))
    // What this refresh may read: the lines new since the last one, and those of the margin again.
    const gridLines = (events: TraceEvent[]) => events.filter((event) => kinds.includes(event.kind))
    const newLines = gridLines(file).length - gridLines(fileBefore).length
    const marginLines = gridLines(fileBefore).filter((event) => event.t >= nowMs - refreshMs - gridLateLinesMs).length
    expect(gridEventsRead - readBefore, where).toBeLessThanOrEqual(newLines + marginLines)
  }
  expect(written).toBe(lines.length)
}

describe('the live log grid, refreshed as the trace grows', () => {
  it(`equals the grid rebuilt from the file after every refresh, reading only what is new (seed ${baseSeed})`, async () => {
    console.log(`live log grid: seed ${baseSeed} (replay: LIVE_GRID_SEED=${baseSeed} npx vitest run test/renderer/replay/use-replay-live.test.ts)`)
    await followLive(baseSeed, 1, 0)
  })

  it(`MultiRaft: the group shown, with its own commands' labels only (seed ${baseSeed + 1})`, async () => {
    await followLive(baseSeed + 1, 3, 1)
  })

  it(`PBFT: the slot grid, likewise (seed ${baseSeed + 2})`, async () => {
    await followLive(baseSeed + 2, 1, 0, true)
  })
})

/** A batch of 5 commands a millisecond, appended and committed at every node: 10,000 grid events a second. */
function denseEvents(runMs: number): TraceEvent[] {
  const events: TraceEvent[] = []
  for (let ms = 0; ms < runMs; ms += 1) {
    for (const node of nodes) {
      events.push({ t: ms, node, kind: 'append', fromIndex: ms * 5 + 1, toIndex: ms * 5 + 5, runs: [[ms * 5 + 1, 1]], persistMs: 1 })
      events.push({ t: ms + 0.5, node, kind: 'commit', index: ms * 5 })
    }
  }
  return events
}

describe('the log grid of a dense run (5 nodes at 5,000 ops/s)', () => {
  it('reads a window that holds at most gridEventsReadMax events, so it shows the position, not seconds before it', async () => {
    const events = denseEvents(20_000)
    const atMs = ref(19_999)
    scope = effectScope()
    const model = scope.run(() => useReplay({ reader: ref(memoryTraceReader(events)), nodes: ref(nodes), protocol: ref('raft'), refresh: ref(0), atMs, group: ref(0), visible: ref(true) }))!
    await vi.waitFor(() => expect(model.gridAtMs.value).toBeDefined(), { timeout: 20_000, interval: 10 })
    expect(model.gridCapped.value).toBe(false)
    expect(model.gridAtMs.value).toBe(19_999)
    const fromMs = model.gridFromMs.value!
    const inWindow = events.filter((event) => event.t >= fromMs && event.t <= 19_999)
    expect(inWindow.length).toBeLessThanOrEqual(gridEventsReadMax)
    expect(inWindow.length).toBeGreaterThan(gridEventsReadMax / 4)
    expect(model.logGrid.value).toEqual(buildLogGrid(nodes, inWindow))
  }, 30_000)

  it('followed past gridEntriesKeptMax entries, it reads a recent window again, and stays the rebuilt grid', async () => {
    const events = denseEvents(40_000)
    const atMs = ref(20_000)
    const refresh = ref(0)
    scope = effectScope()
    const model = scope.run(() => useReplay({ reader: ref(memoryTraceReader(events)), nodes: ref(nodes), protocol: ref('raft'), refresh, atMs, group: ref(0), visible: ref(true) }))!
    const windowStarts = new Set<number | undefined>()
    for (let nowMs = 20_000; nowMs <= 40_000; nowMs += 2_000) {
      atMs.value = nowMs
      refresh.value += 1
      await vi.waitFor(() => expect(model.gridAtMs.value).toBe(nowMs), { timeout: 20_000, interval: 10 })
      const fromMs = model.gridFromMs.value ?? -Infinity
      windowStarts.add(model.gridFromMs.value)
      const held = Math.max(...Object.values(model.logGrid.value!.logs).map((log) => log.entries.size))
      expect(held, `at ${nowMs} ms`).toBeLessThanOrEqual(gridEntriesKeptMax + 2_000 * 5)
      expect(model.logGrid.value, `at ${nowMs} ms`).toEqual(buildLogGrid(nodes, events.filter((event) => event.t >= fromMs && event.t <= nowMs)))
    }
    expect(windowStarts.size).toBeGreaterThan(1)
  }, 60_000)
})
