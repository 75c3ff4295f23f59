import { describe, expect, it } from 'vitest'
import { buildSlotGrid, slotGridColumns } from '../../src-main/api/slot-grid'
import { slotGridHtml } from '../../src-main/api/report/grids'
import type { TraceEvent } from '../../src-main/api/trace'

const nodes = ['A', 'B', 'C', 'D']

/** Slot 1 executes in view 0; slot 2 is only prepared when A (the primary) fails; view 1 re-proposes it. */
const events: TraceEvent[] = [
  { t: 1, node: 'B', kind: 'role', role: 'backup', term: 0, leader: 'A' },
  { t: 10, node: 'B', kind: 'slot', seq: 1, view: 0, phase: 'pre-prepared', digest: 'ab12' },
  { t: 11, node: 'B', kind: 'slot', seq: 1, view: 0, phase: 'prepared' },
  { t: 12, node: 'B', kind: 'slot', seq: 1, view: 0, phase: 'committed' },
  { t: 13, node: 'B', kind: 'slot', seq: 1, view: 0, phase: 'executed' },
  { t: 20, node: 'B', kind: 'slot', seq: 2, view: 0, phase: 'pre-prepared' },
  { t: 21, node: 'B', kind: 'slot', seq: 2, view: 0, phase: 'prepared' },
  { t: 22, node: 'B', kind: 'conflict', seq: 2, view: 0, from: 'A', type: 'pre-prepare' },
  { t: 30, node: 'B', kind: 'role', role: 'primary', term: 1, leader: 'B' },
  { t: 31, node: 'B', kind: 'slot', seq: 2, view: 1, phase: 'pre-prepared' },
  { t: 32, node: 'B', kind: 'slot', seq: 2, view: 1, phase: 'prepared' },
  { t: 40, node: 'B', kind: 'checkpoint', seq: 1 },
]

describe('the slot grid, built from slot / checkpoint / conflict / role events', () => {
  it('each slot shows the furthest phase it reached and in which view', () => {
    const grid = buildSlotGrid(nodes, events)
    expect(grid.replicas.B!.slots.get(1)).toMatchObject({ phase: 'executed', view: 0, views: [0], digest: 'ab12' })
    expect(buildSlotGrid(nodes, events, 11.5).replicas.B!.slots.get(1)!.phase).toBe('prepared')
  })

  it('a view change re-proposes a slot: its views are listed and its phase starts over in the new view', () => {
    const grid = buildSlotGrid(nodes, events, 31)
    expect(grid.replicas.B!.slots.get(2)).toMatchObject({ phase: 'pre-prepared', view: 1, views: [0, 1] })
    expect(grid.replicas.B!.view).toBe(1)
    expect(slotGridHtml(grid)).toContain('lg-reproposed')
  })

  it('a slot executed in view 0 and re-proposed in view 1 stays executed (ringed as re-proposed)', () => {
    const reproposed: TraceEvent[] = [
      ...events.filter((event) => event.kind === 'slot' && event.seq === 1),
      { t: 50, node: 'B', kind: 'slot', seq: 1, view: 1, phase: 'pre-prepared' },
      { t: 51, node: 'B', kind: 'slot', seq: 1, view: 1, phase: 'committed' },
    ]
    const grid = buildSlotGrid(nodes, reproposed)
    expect(grid.replicas.B!.slots.get(1)).toMatchObject({ phase: 'committed', view: 1, views: [0, 1], executedView: 0 })
    const html = slotGridHtml(grid)
    expect(html).toContain('data-phase="executed"')
    expect(html).toContain('lg-reproposed')
    expect(html).toContain('seq 1 · executed in view 0')
  })

  it('marks conflicting messages, the stable checkpoint and the low water mark', () => {
    const grid = buildSlotGrid(nodes, events)
    expect(grid.replicas.B!.slots.get(2)!.conflicts).toEqual(['pre-prepare from A (view 0)'])
    expect(grid.replicas.B!.lowWaterMark).toBe(1)
    expect(buildSlotGrid(nodes, events, 39).replicas.B!.lowWaterMark).toBe(0)
    const html = slotGridHtml(grid)
    expect(html).toContain('lg-conflict')
    expect(html).toContain('lg-checkpoint')
    expect(html).toContain('low water mark 1')
  })

  it('columns cover every sequence number of a short run', () => {
    expect(slotGridColumns(buildSlotGrid(nodes, events))).toEqual([
      { kind: 'index', index: 1 },
      { kind: 'index', index: 2 },
    ])
  })
})
