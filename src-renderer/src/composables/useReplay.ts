/**
 * Replay of one run: reads the trace's state events once (again every refresh while the run is
 * live) into a ReplayTimeline, answers the scrubber's position from it, and reads the log / slot
 * grid's events up to that position. A long run's grid reads only the recent past of the position
 * (gridEventsReadMax events), and says from when.
 */
import { computed, onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'
import { buildReplayTimeline, replayKinds, replayStateAt, type ReplayTimeline } from '../../../src-main/api/replay'
import { buildLogGrid, logGridKinds, type LogGridModel } from '../../../src-main/api/log-grid'
import { buildSlotGrid, slotGridKinds, type SlotGridModel } from '../../../src-main/api/slot-grid'
import { readAllEvents, type TraceReader } from '../replay/trace-source'

/** State events one replay keeps at most (role changes are rare: this is hours of elections). */
export const replayEventsReadMax = 200_000
/** Grid events one position reads at most; past it, the read starts later (see gridLookbackFirstMs). */
export const gridEventsReadMax = 40_000
/** The first look back from the position on a long run; it grows fourfold while few events match. */
export const gridLookbackFirstMs = 10_000
/** The grid re-reads at most this often while the scrubber moves. */
const gridReadDelayMs = 120

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
  let timelineSerial = 0
  let gridSerial = 0
  let gridTimer: ReturnType<typeof setTimeout> | undefined

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

  /** How far back from `atMs` to read so that at most about gridEventsReadMax events match. */
  async function gridStartMs(read: TraceReader, kinds: string[], atMs: number): Promise<number | undefined> {
    let backMs = gridLookbackFirstMs
    while (atMs - backMs > 0) {
      const probe = await read({ kinds, fromMs: atMs - backMs, toMs: atMs, limit: 1 })
      if (probe.matched * 4 > gridEventsReadMax) return atMs - backMs
      backMs *= 4
    }
    return undefined
  }

  async function readGrid(): Promise<void> {
    const read = source.reader.value
    if (!read || !source.visible.value) return
    const serial = ++gridSerial
    const atMs = source.atMs.value
    const kinds: string[] = isPbft.value ? [...slotGridKinds] : [...logGridKinds]
    try {
      const fromMs = await gridStartMs(read, kinds, atMs)
      const all = await readAllEvents(read, { kinds, toMs: atMs, ...(fromMs === undefined ? {} : { fromMs }) }, gridEventsReadMax)
      if (serial !== gridSerial) return
      gridFromMs.value = fromMs
      gridCapped.value = all.capped
      if (isPbft.value) slotGrid.value = buildSlotGrid(source.nodes.value, all.events, atMs)
      else logGrid.value = buildLogGrid(source.nodes.value, all.events, atMs, source.group.value)
      error.value = undefined
    } catch (caught) {
      if (serial === gridSerial) error.value = (caught as Error).message
    }
  }

  function scheduleGrid(): void {
    if (gridTimer !== undefined) clearTimeout(gridTimer)
    gridTimer = setTimeout(() => {
      gridTimer = undefined
      void readGrid()
    }, gridReadDelayMs)
  }

  watch([source.reader, source.refresh, source.group, source.visible], () => void readTimeline(), { immediate: true })
  watch([source.reader, source.atMs, source.group, source.refresh, source.visible], scheduleGrid, { immediate: true })
  onScopeDispose(() => {
    if (gridTimer !== undefined) clearTimeout(gridTimer)
  })

  const state = computed(() => (timeline.value ? replayStateAt(timeline.value, source.atMs.value) : undefined))
  return { timeline, state, capped, error, logGrid, slotGrid, gridFromMs, gridCapped, isPbft }
}
