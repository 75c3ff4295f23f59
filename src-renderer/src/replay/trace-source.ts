/**
 * Where the replay and the grids read a run's trace: the host's run directory through
 * LabApi.readTrace (live or stored), or, for a stored run whose directory the host no longer keeps
 * (an imported run), the bounded trace the stored record holds. Both answer the same TraceQuery.
 */
import type { TraceQuery, TraceWindow } from '../../../src-main/api/lab-api'
import { traceWindowEventsMax, type TraceEvent } from '../../../src-main/api/trace'

export type TraceReader = (query: TraceQuery) => Promise<TraceWindow>

/** A reader over events already in memory (experiment time), filtered as the host would. */
export function memoryTraceReader(events: readonly TraceEvent[]): TraceReader {
  const sorted = [...events].sort((a, b) => a.t - b.t)
  return async (query) => {
    const kinds = query.kinds && query.kinds.length > 0 ? new Set(query.kinds) : undefined
    const nodes = query.nodes && query.nodes.length > 0 ? new Set(query.nodes) : undefined
    const matched = sorted.filter(
      (event) => event.t >= (query.fromMs ?? -Infinity) && event.t <= (query.toMs ?? Infinity) && (!kinds || kinds.has(event.kind)) && (!nodes || nodes.has(event.node)),
    )
    const limit = Math.min(query.limit ?? traceWindowEventsMax, traceWindowEventsMax)
    return { events: matched.slice(0, limit), matched: matched.length, omitted: Math.max(0, matched.length - limit), chunksRead: 0, bytesRead: 0 }
  }
}

export interface ReadAll {
  events: TraceEvent[]
  /** More events matched than eventsMax: the read stopped there. */
  capped: boolean
}

/**
 * Every event of `query` (at most eventsMax), paging through readTrace's windows: each page starts
 * at the last time the previous one reached, skipping the events at that time already taken.
 */
export async function readAllEvents(read: TraceReader, query: TraceQuery, eventsMax: number): Promise<ReadAll> {
  const events: TraceEvent[] = []
  let fromMs = query.fromMs
  let seenAtFrom = 0
  for (;;) {
    const window = await read({ ...query, ...(fromMs === undefined ? {} : { fromMs }), limit: traceWindowEventsMax })
    let skip = seenAtFrom
    const page = window.events.filter((event) => !(event.t === fromMs && skip-- > 0))
    events.push(...page)
    if (window.omitted === 0) return { events, capped: false }
    if (events.length >= eventsMax || page.length === 0) return { events: events.slice(0, eventsMax), capped: true }
    const lastMs = window.events[window.events.length - 1]!.t
    seenAtFrom = window.events.filter((event) => event.t === lastMs).length
    // A whole page at one instant cannot be paged past by time: stop rather than loop.
    if (lastMs === fromMs) return { events, capped: true }
    fromMs = lastMs
  }
}
