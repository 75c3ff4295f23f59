/**
 * Votes from a faulty replica: it may send several digests for one (view, seq); the log keeps
 * the one that matches the pre-prepare, so a relayed copy still counts after a conflicting one.
 */
import { describe, expect, it } from 'vitest'
import { addVote, votesFor } from '../../../src-main/protocols/pbft/log.js'
import type { Prepare } from '../../../src-main/protocols/pbft/types.js'

const prepare = (replica: string, digest: string): Prepare => ({ type: 'Prepare', view: 0, seq: 1, digest, replica, auth: [] })

describe('PBFT vote bookkeeping', () => {
  it('counts one vote per replica and digest; a repeat is a duplicate', () => {
    const votes = new Map<string, Prepare[]>()
    expect(addVote(votes, prepare('A', 'd'), 'd')).toBe('added')
    expect(addVote(votes, prepare('A', 'd'), 'd')).toBe('duplicate')
    expect(addVote(votes, prepare('B', 'd'), 'd')).toBe('added')
    expect(votesFor(votes, 'd').map((v) => v.replica)).toEqual(['A', 'B'])
  })

  it('keeps the matching vote of an equivocating replica even when a conflicting one came first', () => {
    const votes = new Map<string, Prepare[]>()
    expect(addVote(votes, prepare('A', 'forged-1'), 'real')).toBe('added')
    expect(addVote(votes, prepare('A', 'forged-2'), 'real')).toBe('conflict')
    expect(addVote(votes, prepare('A', 'forged-3'), 'real')).toBe('dropped')
    expect(addVote(votes, prepare('A', 'real'), 'real')).toBe('conflict')
    expect(votesFor(votes, 'real').map((v) => v.replica)).toEqual(['A'])
    expect(votes.get('A')).toHaveLength(2)
  })
})
