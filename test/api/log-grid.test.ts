import { describe, expect, it } from 'vitest'
import { buildLogGrid, logGridColumns, logGridColumnsMax, logGridTailColumns, type LogGridColumn } from '../../src-main/api/log-grid'
import { logGridHtml } from '../../src-main/api/report/grids'
import type { TraceEvent } from '../../src-main/api/trace'

const nodes = ['A', 'B', 'C']

/** Scenario 5 in small: x=1, y=2 commit in term 1; A alone takes x=10 at index 3; C (term 2) overwrites it. */
const events: TraceEvent[] = [
  { t: 300, node: 'A', kind: 'append', fromIndex: 1, toIndex: 2, runs: [[1, 1]], persistMs: 1, ops: ['SET x=1', 'SET y=2'] },
  { t: 301, node: 'B', kind: 'append', fromIndex: 1, toIndex: 2, runs: [[1, 1]], persistMs: 1 },
  { t: 301, node: 'C', kind: 'append', fromIndex: 1, toIndex: 2, runs: [[1, 1]], persistMs: 1 },
  { t: 302, node: 'A', kind: 'commit', index: 2 },
  { t: 303, node: 'B', kind: 'commit', index: 2 },
  { t: 303, node: 'C', kind: 'commit', index: 2 },
  { t: 2300, node: 'A', kind: 'append', fromIndex: 3, toIndex: 3, runs: [[3, 1]], persistMs: 1, ops: ['SET x=10'] },
  { t: 2600, node: 'C', kind: 'append', fromIndex: 3, toIndex: 4, runs: [[3, 2]], persistMs: 1, ops: ['NOOP', 'SET z=3'] },
  { t: 2650, node: 'C', kind: 'commit', index: 4 },
  { t: 4520, node: 'A', kind: 'truncate', fromIndex: 3, toIndex: 3, term: 2, runs: [[3, 1]], leader: 'C' },
  { t: 4521, node: 'A', kind: 'append', fromIndex: 3, toIndex: 4, runs: [[3, 2]], persistMs: 1 },
  { t: 4530, node: 'A', kind: 'commit', index: 4 },
]

describe('the log grid, built from append / truncate / commit events', () => {
  it('each node’s entries carry their term and the leader’s command label', () => {
    const grid = buildLogGrid(nodes, events)
    expect(grid.lastIndex).toBe(4)
    expect(grid.logs.B!.entries.get(2)).toEqual({ term: 1, op: 'SET y=2' })
    expect(grid.logs.A!.entries.get(4)).toEqual({ term: 2, op: 'SET z=3' })
    expect(grid.logs.B!.lastIndex).toBe(2)
  })

  it('the old leader’s uncommitted entry is dropped after the heal, with when and for whom', () => {
    const before = buildLogGrid(nodes, events, 4000)
    expect(before.logs.A!.entries.get(3)).toEqual({ term: 1, op: 'SET x=10' })
    expect(before.logs.A!.dropped).toEqual([])
    const after = buildLogGrid(nodes, events, 5000)
    expect(after.logs.A!.dropped).toEqual([{ index: 3, term: 1, op: 'SET x=10', atMs: 4520, leader: 'C', leaderTerm: 2 }])
    expect(after.logs.A!.entries.get(3)).toEqual({ term: 2, op: 'NOOP' })
    const html = logGridHtml(after)
    expect(html).toContain('data-testid="dropped-A-3"')
    expect(html).toContain('SET x=10: dropped at 4.52 s, conflicting with C (term 2)')
  })

  it('marks each node’s own commit index at the moment asked', () => {
    expect(buildLogGrid(nodes, events, 3000).logs.A!.commitIndex).toBe(2)
    expect(buildLogGrid(nodes, events, 3000).logs.C!.commitIndex).toBe(4)
    expect(buildLogGrid(nodes, events, 100).logs.C!.commitIndex).toBe(0)
  })

  it('an overwrite with no truncate event (an older trace) still shows the entry as dropped', () => {
    const old = events.filter((event) => event.kind !== 'truncate')
    expect(buildLogGrid(nodes, old).logs.A!.dropped).toMatchObject([{ index: 3, term: 1, atMs: 4521 }])
  })

  it('a log read from the middle of a run (the recent past only) holds what it saw; a truncation ends it where it began', () => {
    const late: TraceEvent[] = [
      { t: 1, node: 'A', kind: 'append', fromIndex: 100, toIndex: 102, runs: [[100, 4]], persistMs: 0 },
      { t: 2, node: 'A', kind: 'truncate', fromIndex: 101, toIndex: 102, term: 5, leader: 'B' },
    ]
    const grid = buildLogGrid(['A'], late)
    expect([...grid.logs.A!.entries.keys()]).toEqual([100])
    expect(grid.logs.A!.lastIndex).toBe(100)
    expect(grid.logs.A!.dropped.map((entry) => entry.index)).toEqual([101, 102])
    expect(grid.lastIndex).toBe(102)
  })

  it('escapes what the trace says (a command is user text)', () => {
    const html = logGridHtml(buildLogGrid(['A'], [{ t: 1, node: 'A', kind: 'append', fromIndex: 1, toIndex: 1, runs: [[1, 1]], persistMs: 0, ops: ['SET <b>=1'] }]))
    expect(html).toContain('SET &lt;b&gt;=1')
    expect(html).not.toContain('<b>=1')
  })

  it('MultiRaft: one group’s log at a time', () => {
    const grouped: TraceEvent[] = [
      { t: 1, node: 'A', kind: 'append', fromIndex: 1, toIndex: 5, runs: [[1, 1]], persistMs: 0, group: 1 },
      { t: 1, node: 'A', kind: 'append', fromIndex: 1, toIndex: 2, runs: [[1, 3]], persistMs: 0, group: 0 },
    ]
    expect(buildLogGrid(['A'], grouped, Infinity, 1).lastIndex).toBe(5)
    expect(buildLogGrid(['A'], grouped, Infinity, 0).logs.A!.entries.get(1)).toEqual({ term: 3 })
  })

  it('MultiRaft: a group’s entries carry its own commands, not another group’s at the same index and term', () => {
    const grouped: TraceEvent[] = [
      { t: 1, node: 'A', kind: 'append', fromIndex: 1, toIndex: 1, runs: [[1, 1]], persistMs: 0, group: 0, ops: ['SET a=1'] },
      { t: 2, node: 'A', kind: 'append', fromIndex: 1, toIndex: 1, runs: [[1, 1]], persistMs: 0, group: 1, ops: ['SET b=2'] },
    ]
    expect(buildLogGrid(['A'], grouped, Infinity, 0).logs.A!.entries.get(1)).toEqual({ term: 1, op: 'SET a=1' })
    expect(buildLogGrid(['A'], grouped, Infinity, 1).logs.A!.entries.get(1)).toEqual({ term: 1, op: 'SET b=2' })
  })
})

function indexes(columns: LogGridColumn[]): number[] {
  return columns.flatMap((column) => (column.kind === 'index' ? [column.index] : []))
}

describe('a long log is windowed around the interesting indexes', () => {
  const long: TraceEvent[] = [
    { t: 1, node: 'A', kind: 'append', fromIndex: 1, toIndex: 5000, runs: [[1, 1]], persistMs: 0 },
    { t: 1, node: 'B', kind: 'append', fromIndex: 1, toIndex: 5000, runs: [[1, 1]], persistMs: 0 },
    { t: 2, node: 'A', kind: 'commit', index: 4200 },
    { t: 2, node: 'B', kind: 'commit', index: 790 },
    { t: 3, node: 'B', kind: 'truncate', fromIndex: 2500, toIndex: 5000, term: 2, leader: 'A' },
  ]

  it('a short log shows every index', () => {
    expect(indexes(logGridColumns(buildLogGrid(nodes, events)))).toEqual([1, 2, 3, 4])
  })

  it('shows the newest, the commit points and the dropped ones, and summarises the rest', () => {
    const columns = logGridColumns(buildLogGrid(['A', 'B'], long))
    const shown = indexes(columns)
    expect(shown.length).toBeLessThanOrEqual(logGridColumnsMax)
    for (let index = 5000 - logGridTailColumns + 1; index <= 5000; index += 1) expect(shown).toContain(index)
    expect(shown).toEqual(expect.arrayContaining([1, 789, 790, 791, 4199, 4200, 4201, 2500]))
    const gaps = columns.filter((column) => column.kind === 'gap')
    const counted = gaps.reduce((sum, gap) => sum + (gap.kind === 'gap' ? gap.count : 0), 0)
    expect(counted + shown.length).toBe(5000)
    expect(logGridHtml(buildLogGrid(['A', 'B'], long))).toMatch(/… [\d,]+ entries …/)
  })
})
