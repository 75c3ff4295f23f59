/**
 * The merge stage's choice per index (merge.ts): the highest ballot wins, holes become noops, and
 * a pair that would break a look-behind buffer loses its lower-ballot side.
 */
import { describe, expect, it } from 'vitest'
import { mergeSlots } from '../../../src-main/protocols/parallel-raft/merge.js'
import type { Slot } from '../../../src-main/protocols/parallel-raft/messages.js'

const slot = (index: number, ballot: number, key: string, behind: Slot['behind'] = [], term = ballot): Slot =>
  ({ index, term, ballot, command: { op: 'put', key, value: `${key}${index}` }, behind })

describe('mergeSlots', () => {
  it('keeps, per index, the slot of the highest ballot among the voters', () => {
    const merged = mergeSlots({ term: 5, fromIndex: 1, lookBehindEntries: 2, committedAt: () => undefined, reports: [[slot(1, 2, 'a')], [slot(1, 3, 'b')], []] })
    expect(merged.map((entry) => entry.command)).toEqual([{ op: 'put', key: 'b', value: 'b1' }])
  })

  it('fills an index no voter holds with a noop of the new term', () => {
    const merged = mergeSlots({ term: 5, fromIndex: 1, lookBehindEntries: 2, committedAt: () => undefined, reports: [[slot(2, 3, 'a', [[]])], []] })
    expect(merged.map((entry) => [entry.index, entry.term, entry.command.op])).toEqual([[1, 5, 'noop'], [2, 3, 'put']])
  })

  it('turns the lower-ballot side of a pair that breaks a look-behind buffer into a noop', () => {
    // Index 2 (ballot 4) was written by a leader whose index 1 touched nothing of key a; the slot at
    // 1 that touches a has ballot 2, so it cannot have been committed: it goes.
    const merged = mergeSlots({ term: 5, fromIndex: 1, lookBehindEntries: 2, committedAt: () => undefined, reports: [[slot(1, 2, 'a'), slot(2, 4, 'a', [['z']])]] })
    expect(merged.map((entry) => entry.command.op)).toEqual(['noop', 'put'])
    // The other way round: the later slot is the older one, and goes.
    const other = mergeSlots({ term: 5, fromIndex: 1, lookBehindEntries: 2, committedAt: () => undefined, reports: [[slot(1, 4, 'a'), slot(2, 2, 'a', [['z']])]] })
    expect(other.map((entry) => entry.command.op)).toEqual(['put', 'noop'])
  })

  it('looks past a hole in the buffer: the pair two back is checked too (simulator seeds 829 and 1116 of the soak)', () => {
    // Index 2 is a hole (a noop); index 3's buffer says index 1 touched z, but the slot of the
    // higher ballot there touches a, as 3 does: 3 (ballot 2) goes.
    const merged = mergeSlots({ term: 5, fromIndex: 1, lookBehindEntries: 2, committedAt: () => undefined, reports: [[slot(1, 4, 'a'), slot(3, 2, 'a', [['x'], ['z']])]] })
    expect(merged.map((entry) => entry.command.op)).toEqual(['put', 'noop', 'noop'])
  })

  it('never drops a committed entry below fromIndex: the later slot goes instead', () => {
    const committed = slot(1, 1, 'a')
    const merged = mergeSlots({ term: 5, fromIndex: 2, lookBehindEntries: 2, committedAt: (index) => (index === 1 ? committed : undefined), reports: [[slot(2, 4, 'a', [['z']])]] })
    expect(merged.map((entry) => entry.command.op)).toEqual(['noop'])
  })
})
