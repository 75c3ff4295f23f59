import { describe, expect, it } from 'vitest'
import { memoryTraceReader, readAllEvents } from '../../../src-renderer/src/replay/trace-source'
import { traceWindowEventsMax, type TraceEvent } from '../../../src-main/api/trace'

function commits(count: number, sameTimeEvery: number): TraceEvent[] {
  // Several events share each instant, so that page boundaries fall inside a group of equal times.
  return Array.from({ length: count }, (_, i) => ({ t: Math.floor(i / sameTimeEvery), node: 'A', kind: 'commit', index: i + 1 }))
}

describe('reading every event of a query through windows of traceWindowEventsMax', () => {
  it('pages past the window bound without losing or repeating an event, equal times at the boundary included', async () => {
    const events = commits(traceWindowEventsMax * 2 + 123, 7)
    const all = await readAllEvents(memoryTraceReader(events), { kinds: ['commit'] }, 1_000_000)
    expect(all.capped).toBe(false)
    expect(all.events.map((event) => (event as { index: number }).index)).toEqual(events.map((_, i) => i + 1))
  })

  it('stops at eventsMax and says so', async () => {
    const all = await readAllEvents(memoryTraceReader(commits(traceWindowEventsMax * 3, 1)), {}, traceWindowEventsMax + 10)
    expect(all.capped).toBe(true)
    expect(all.events).toHaveLength(traceWindowEventsMax + 10)
  })

  it('a whole window at one instant cannot be paged by time: it stops, capped, instead of looping', async () => {
    const all = await readAllEvents(memoryTraceReader(commits(traceWindowEventsMax + 5, traceWindowEventsMax * 2)), {}, 1_000_000)
    expect(all.capped).toBe(true)
    expect(all.events.length).toBeGreaterThanOrEqual(traceWindowEventsMax)
  })

  it('keeps the filters of the query on every page', async () => {
    const mixed: TraceEvent[] = [...commits(10, 1), { t: 3, node: 'B', kind: 'role', role: 'leader', term: 1 }]
    const all = await readAllEvents(memoryTraceReader(mixed), { kinds: ['role'], toMs: 5 }, 100)
    expect(all.events).toEqual([{ t: 3, node: 'B', kind: 'role', role: 'leader', term: 1 }])
  })
})
