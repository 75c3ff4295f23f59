/**
 * Replay of one run: reads the trace's state events once (again every refresh while the run is
 * live) into a ReplayTimeline, answers the scrubber's position from it, and reads the log / slot
 * grid's events up to that position. A long run's grid reads only the recent past of the position
 * (gridEventsReadMax events), and says from when.
 *
 * The grid is kept as a fold (replay/log-grid-fold.ts for Raft and MultiRaft, slot-grid-fold.ts for
 * PBFT): when the position moves on (a live run at now, or the scrubber dragged forward), it reads
 * and folds only the events since the last read, so a second of a live run costs what that second
 * traced. Back in time, on another group, or past its bounds, it is read again, folded in slices
 * between which the page can draw.
 */
import { computed, onScopeDispose, ref, shallowRef, triggerRef, watch, type Ref } from 'vue'
import { buildReplayTimeline, replayKinds, replayStateAt, type ReplayTimeline } from '../../../src-main/api/replay'
import { logGridKinds, type LogGridModel } from '../../../src-main/api/log-grid'
import { slotGridKinds, type SlotGridModel } from '../../../src-main/api/slot-grid'
import type { TraceEvent } from '../../../src-main/api/trace'
import { LogGridFold } from '../replay/log-grid-fold'
import { SlotGridFold } from '../replay/slot-grid-fold'
import { readAllEvents, type TraceReader } from '../replay/trace-source'

/** State events one replay keeps at most (role changes are rare: this is hours of elections). */
export const replayEventsReadMax = 200_000
/** Grid events one read takes at most; past it, the read starts later (see gridLookbackFirstMs). */
export const gridEventsReadMax = 40_000
/** The first look back from the position on a long run; it grows fourfold while few events match. */
export const gridLookbackFirstMs = 10_000
/** Probes that narrow a look back that overshot gridEventsReadMax (each halves the doubt). */
export const gridLookbackHalvingsMax = 4
/** Events a followed log grid folds at most before it reads a recent window again (its memory stays bounded). */
export const gridEventsKeptMax = 160_000
/**
 * Entries one of a followed grid's maps holds at most before it reads a recent window again: a Map
 * doubles its table as it grows, every node's log at the same refresh, and the slice that crossed
 * 65,536 entries took about 90 ms of CPU (test/renderer/perf/replay-load.test.ts).
 */
export const gridEntriesKeptMax = 60_000
/**
 * How far back from the last read a follow-up read starts: a replica ships its trace in batches
 * (every 50 ms), so its lines can land after other nodes' later ones. A line later than this (a
 * replica paused in the middle of a batch) is missed until the grid is read again.
 */
export const gridLateLinesMs = 1_000
/** A read is folded this many events at a time, the page drawing in between. */
export const gridFoldSliceEvents = 2_000
/** The grid re-reads at most this often while the scrubber moves. */
const gridReadDelayMs = 120

/** The grid being followed (the log grid's or the slot grid's fold), and where its reads got to. */
interface FollowedGrid {
  fold: LogGridFold | SlotGridFold
  reader: TraceReader
  nodesKey: string
  /** The read began here (a long run), or at the start. */
  fromMs: number | undefined
  /** Every event up to here is folded (the position read, or where a capped read stopped). */
  toMs: number
  /** Events read into it (every group's). */
  eventsRead: number
  frontier: NodeFrontiers
}

/** Per node: the time of its last event read and how many of its events at that time were read. */
type NodeFrontiers = Map<string, { t: number; count: number }>

export interface ReplaySource {
  reader: Ref<TraceReader | undefined>
  nodes: Ref<string[]>
  protocol: Ref<string>
  /** Bumped when the live run moved on (the timeline and an "at now" grid are read again). */
  refresh: Ref<number>
  atMs: Ref<number>
  group: Ref<number>
  /** Off screen, a live run's refreshes read nothing; the panel catches up when it is seen again. */
  visible: Ref<boolean>
}

export function useReplay(source: ReplaySource) {
  const timeline = shallowRef<ReplayTimeline>()
  const capped = ref(false)
  const error = ref<string>()
  const logGrid = shallowRef<LogGridModel>()
  const slotGrid = shallowRef<SlotGridModel>()
  /** The grid was read from this time on (a long run), or from the start (undefined). */
  const gridFromMs = ref<number>()
  const gridCapped = ref(false)
  const isPbft = computed(() => source.protocol.value === 'pbft')
  /** The grid shows the logs as they were at this time (a capped read: earlier than the position). */
  const gridAtMs = ref<number>()
  let timelineSerial = 0
  /** One grid read at a time (a followed grid is changed in place); a position asked for meanwhile is read next. */
  let gridReading = false
  let gridWanted = false
  let gridTimer: ReturnType<typeof setTimeout> | undefined
  /** The grid shown, kept to be carried forward. */
  let followed: FollowedGrid | undefined

  async function readTimeline(): Promise<void> {
    const read = source.reader.value
    if (!read || !source.visible.value) return
    const serial = ++timelineSerial
    try {
      const all = await readAllEvents(read, { kinds: [...replayKinds] }, replayEventsReadMax)
      if (serial !== timelineSerial) return
      timeline.value = buildReplayTimeline(source.nodes.value, all.events, source.group.value)
      capped.value = all.capped
      error.value = undefined
    } catch (caught) {
      if (serial === timelineSerial) error.value = (caught as Error).message
    }
  }

  /**
   * How far back from `atMs` to read so that between a quarter of gridEventsReadMax and all of it
   * match: the look back grows fourfold from gridLookbackFirstMs while few events match, and is
   * halved back (gridLookbackHalvingsMax times at most) when a step overshoots, as 10 s of a busy
   * run do (100,000 events at 5,000 ops/s: a read would stop seconds short of `atMs`).
   */
  async function gridStartMs(read: TraceReader, kinds: string[], atMs: number): Promise<number | undefined> {
    const matched = async (backMs: number) => (await read({ kinds, fromMs: atMs - backMs, toMs: atMs, limit: 1 })).matched
    let fewMs = 0
    let backMs = gridLookbackFirstMs
    for (; atMs - backMs > 0; backMs *= 4) {
      const count = await matched(backMs)
      if (count > gridEventsReadMax) break
      if (count * 4 > gridEventsReadMax) return atMs - backMs
      fewMs = backMs
    }
    if (atMs - backMs <= 0) return undefined
    let manyMs = backMs
    for (let halving = 0; halving < gridLookbackHalvingsMax; halving += 1) {
      const middleMs = (fewMs + manyMs) / 2
      if ((await matched(middleMs)) > gridEventsReadMax) manyMs = middleMs
      else fewMs = middleMs
    }
    return atMs - (fewMs > 0 ? fewMs : manyMs)
  }

  async function readGridWhenFree(): Promise<void> {
    gridWanted = true
    if (gridReading) return
    gridReading = true
    try {
      while (gridWanted) {
        gridWanted = false
        await readGrid()
      }
    } finally {
      gridReading = false
    }
  }

  async function readGrid(): Promise<void> {
    const read = source.reader.value
    if (!read || !source.visible.value) return
    const atMs = source.atMs.value
    try {
      if (followed && canFollow(followed, read, atMs)) await followGrid(followed, read, atMs)
      else await rebuildGrid(read, atMs)
      if (!gridWanted) error.value = undefined
    } catch (caught) {
      followed = undefined
      if (!gridWanted) error.value = (caught as Error).message
    }
  }

  function gridKinds(): string[] {
    return isPbft.value ? [...slotGridKinds] : [...logGridKinds]
  }

  /** The grid can be carried forward to `atMs` (else it is read again). */
  function canFollow(grid: FollowedGrid, read: TraceReader, atMs: number): boolean {
    return grid.reader === read && (grid.fold instanceof SlotGridFold) === isPbft.value && grid.fold.group === source.group.value && grid.nodesKey === nodesKey() && atMs >= grid.toMs && grid.eventsRead <= gridEventsKeptMax
  }

  /** Reads the recent past of `atMs` and folds it in slices (a seek, another group, or the first read); a newer position stops it. */
  async function rebuildGrid(read: TraceReader, atMs: number): Promise<void> {
    const kinds = gridKinds()
    const fromMs = await gridStartMs(read, kinds, atMs)
    const all = await readAllEvents(read, { kinds, toMs: atMs, ...(fromMs === undefined ? {} : { fromMs }) }, gridEventsReadMax)
    if (gridWanted) return
    const fold = isPbft.value ? new SlotGridFold(source.nodes.value) : new LogGridFold(source.nodes.value, source.group.value)
    const grid: FollowedGrid = { fold, reader: read, nodesKey: nodesKey(), fromMs, toMs: atMs, eventsRead: 0, frontier: new Map() }
    if (!(await foldInSlices(grid, freshEvents(grid.frontier, all.events), () => gridWanted))) return
    // A capped read stopped short of atMs: the next read goes on from where it stopped.
    if (all.capped) grid.toMs = all.events[all.events.length - 1]?.t ?? grid.toMs
    followed = grid
    gridAtMs.value = grid.toMs
    gridFromMs.value = fromMs
    gridCapped.value = all.capped
    showGrid(grid)
  }

  function showGrid(grid: FollowedGrid): void {
    if (grid.fold instanceof SlotGridFold) {
      slotGrid.value = grid.fold.model
      triggerRef(slotGrid)
    } else {
      logGrid.value = grid.fold.model
      triggerRef(logGrid)
    }
  }

  /** Reads only what came since the last read (and the lines that landed late), and folds it. */
  async function followGrid(grid: FollowedGrid, read: TraceReader, atMs: number): Promise<void> {
    const fromMs = followFromMs(grid)
    const all = await readAllEvents(read, { kinds: gridKinds(), fromMs, toMs: atMs }, gridEventsReadMax)
    if (all.capped) return rebuildGrid(read, atMs)
    // Never stopped half way: the frontiers have moved past every event read.
    await foldInSlices(grid, freshEvents(grid.frontier, all.events), () => false)
    grid.toMs = atMs
    gridAtMs.value = atMs
    gridCapped.value = false
    showGrid(grid)
    // Past its bounds, the next read starts a recent window afresh.
    if (grid.eventsRead > gridEventsKeptMax || grid.fold.entriesHeldMax() > gridEntriesKeptMax) followed = undefined
  }

  /** Where a follow-up read starts: the earliest node's last event, but never before the late-line margin or the window. */
  function followFromMs(grid: FollowedGrid): number {
    let earliestMs = Infinity
    for (const node of source.nodes.value) earliestMs = Math.min(earliestMs, grid.frontier.get(node)?.t ?? -Infinity)
    return Math.max(earliestMs, grid.toMs - gridLateLinesMs, grid.fromMs ?? -Infinity)
  }

  /** Folds `events` gridFoldSliceEvents at a time, yielding to the page between slices; false if it stopped. */
  async function foldInSlices(grid: FollowedGrid, events: readonly TraceEvent[], stop: () => boolean): Promise<boolean> {
    for (let start = 0; start < events.length; start += gridFoldSliceEvents) {
      if (start > 0) {
        await yieldToPage()
        if (stop()) return false
      }
      const slice = events.slice(start, start + gridFoldSliceEvents)
      grid.fold.fold(slice)
      grid.eventsRead += slice.length
    }
    return true
  }

  function nodesKey(): string {
    return source.nodes.value.join('\u0000')
  }

  function scheduleGrid(): void {
    if (gridTimer !== undefined) clearTimeout(gridTimer)
    gridTimer = setTimeout(() => {
      gridTimer = undefined
      void readGridWhenFree()
    }, gridReadDelayMs)
  }

  watch([source.reader, source.refresh, source.group, source.visible], () => void readTimeline(), { immediate: true })
  watch([source.reader, source.atMs, source.group, source.refresh, source.visible], scheduleGrid, { immediate: true })
  onScopeDispose(() => {
    if (gridTimer !== undefined) clearTimeout(gridTimer)
  })

  const state = computed(() => (timeline.value ? replayStateAt(timeline.value, source.atMs.value) : undefined))
  return { timeline, state, capped, error, logGrid, slotGrid, gridFromMs, gridCapped, gridAtMs, isPbft }
}

/**
 * The events of `events` (read from a window that may repeat some already read) not yet read:
 * each node's events come in the order it traced them, so per node those after its frontier, and
 * at the frontier's time those past the count already read. Moves the frontiers on.
 */
export function freshEvents(frontier: NodeFrontiers, events: readonly TraceEvent[]): TraceEvent[] {
  const seenAtFrontier = new Map<string, number>()
  const fresh: TraceEvent[] = []
  for (const event of events) {
    const known = frontier.get(event.node)
    if (known !== undefined && event.t < known.t) continue
    if (known !== undefined && event.t === known.t) {
      const seen = (seenAtFrontier.get(event.node) ?? 0) + 1
      seenAtFrontier.set(event.node, seen)
      if (seen <= known.count) continue
      known.count = seen
    } else {
      frontier.set(event.node, { t: event.t, count: 1 })
      seenAtFrontier.set(event.node, 1)
    }
    fresh.push(event)
  }
  return fresh
}

/** A macrotask: the page can draw and take input before the next slice. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}
