import { describe, expect, it } from 'vitest'
import { raftAppendedEntries } from '../../../src-main/protocols/raft/trace-facts.js'

describe('the entries a Raft record appends, as the trace names them', () => {
  it('labels a configuration entry with its configuration, not as the noop it carries (the log grid drew a removal as a second NOOP)', () => {
    const noop = { op: 'noop' as const }
    const put = { op: 'put' as const, key: 'k', value: 'v' }
    const appended = raftAppendedEntries({
      kind: 'entries',
      fromIndex: 7,
      entries: [
        { term: 2, command: put },
        { term: 2, command: noop, config: { voters: ['B', 'C', 'D'], learners: ['E'] } },
      ],
    })
    expect(appended?.fromIndex).toBe(7)
    expect(appended?.entries.map((entry) => entry.label)).toEqual([undefined, 'CONFIG voters B,C,D learners E'])
    const grouped = raftAppendedEntries({ g: 1, r: { kind: 'entries', fromIndex: 3, entries: [{ term: 1, command: noop, config: { voters: ['A', 'B'], learners: [] } }] } })
    expect(grouped?.entries[0]?.label).toBe('CONFIG voters A,B')
  })
})
