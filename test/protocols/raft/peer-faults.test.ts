/**
 * A peer that sends what no honest Raft node can send (a liar, a corrupted peer) is noted in the
 * trace and ignored: it never stops an honest replica. True local invariants stay loud assertions.
 */
import { describe, expect, it } from 'vitest'
import type { RaftMessage } from '../../../src-main/protocols/raft/index.js'
import type { NodeId } from '../../../src-main/protocols/types.js'
import { Cluster, put } from './harness.js'

/** n1 leads term 1 with a committed write at index 2, everyone caught up. */
function settled(): Cluster {
  const cluster = new Cluster({ failFast: true })
  cluster.elect('n1')
  cluster.propose('n1', put('x', '1'))
  cluster.stabilize()
  cluster.tickAll(2)
  cluster.stabilize()
  return cluster
}

function deliver(cluster: Cluster, from: NodeId, to: NodeId, message: RaftMessage): void {
  cluster.inject({ from, to, message })
  cluster.deliverOne((envelope) => envelope.message === message)
}

function notes(cluster: Cluster, id: NodeId): string[] {
  return (cluster.events.get(id) ?? []).flatMap((event) => (event.kind === 'note' ? [event.text] : []))
}

/** The node is still up, in the same role and term, and the cluster still commits. */
function stillServing(cluster: Cluster): void {
  expect(cluster.violations).toEqual([])
  for (const id of cluster.ids) expect(cluster.isUp(id)).toBe(true)
  expect(cluster.role('n1')).toBe('leader')
  cluster.propose('n1', put('y', 'after'))
  cluster.stabilize()
  for (const id of cluster.ids) expect(cluster.core(id).status().commitIndex).toBe(3)
}

const ack = { type: 'AppendEntriesResponse', term: 1, success: true, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 } as const

describe('impossible messages from peers are noted and ignored', () => {
  it('a TimeoutNow from a follower, sent to the leader', () => {
    const cluster = settled()
    deliver(cluster, 'n2', 'n1', { type: 'TimeoutNow', term: 1 })
    expect(notes(cluster, 'n1')).toContain('ignored TimeoutNow from n2: not the leader this leader follows in term 1')
    stillServing(cluster)
  })

  it('a TimeoutNow from a follower, sent to another follower', () => {
    const cluster = settled()
    deliver(cluster, 'n2', 'n3', { type: 'TimeoutNow', term: 1 })
    expect(cluster.role('n3')).toBe('follower')
    expect(notes(cluster, 'n3').some((text) => text.startsWith('ignored TimeoutNow from n2'))).toBe(true)
    stillServing(cluster)
  })

  it('an AppendEntriesResponse matching beyond the leader\'s last index (an answer to nothing)', () => {
    const cluster = settled()
    deliver(cluster, 'n2', 'n1', { ...ack, matchIndex: 99, readSeq: 0 })
    expect(notes(cluster, 'n1')).toContain('ignored AppendEntriesResponse from n2: matched through 99, beyond lastIndex 2')
    stillServing(cluster)
  })

  it('an AppendEntriesResponse rejecting an index the leader never sent', () => {
    const cluster = settled()
    deliver(cluster, 'n2', 'n1', { ...ack, success: false, matchIndex: 0, rejectedIndex: 50, conflictIndex: 1, conflictTerm: 0, readSeq: 0 })
    expect(notes(cluster, 'n1').some((text) => text.includes('rejected index 50'))).toBe(true)
    stillServing(cluster)
  })

  it('a read round echoed from the future', () => {
    const cluster = settled()
    deliver(cluster, 'n2', 'n1', { ...ack, matchIndex: 2, readSeq: 1000 })
    expect(notes(cluster, 'n1').some((text) => text.includes('echoes read round 1000'))).toBe(true)
    // The lie confirmed nothing: a read still needs a real round.
    cluster.read('n1', 1)
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
    cluster.stabilize()
    expect(cluster.servedReads.get('n1')).toEqual([1])
    stillServing(cluster)
  })

  it('an AppendEntries from a second leader of the same term, at the leader and at a follower', () => {
    const cluster = settled()
    const rival: RaftMessage = { type: 'AppendEntries', term: 1, prevLogIndex: 2, prevLogTerm: 1, entries: [], leaderCommit: 2, readSeq: 0 }
    deliver(cluster, 'n2', 'n1', rival)
    deliver(cluster, 'n2', 'n3', rival)
    expect(notes(cluster, 'n1').some((text) => text.includes('a second leader in term 1'))).toBe(true)
    expect(notes(cluster, 'n3').some((text) => text.includes('a second leader in term 1 (n1 leads it)'))).toBe(true)
    stillServing(cluster)
  })

  it('an AppendEntries that would overwrite a committed entry', () => {
    const cluster = settled()
    // n2 takes over in term 2 while n1 is down, then sends n3 a log that contradicts committed index 2.
    const forged: RaftMessage = {
      type: 'AppendEntries', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [{ term: 2, command: put('x', 'forged') }], leaderCommit: 2, readSeq: 0,
    }
    deliver(cluster, 'n2', 'n3', forged)
    expect(notes(cluster, 'n3').some((text) => text.includes('contradicts committed index 2'))).toBe(true)
    expect(cluster.core('n3').entryAt(2)?.command).toEqual(put('x', '1'))
    expect(cluster.violations).toEqual([])
  })

  it('an AppendEntries carrying entries of a term beyond its own', () => {
    const cluster = settled()
    const ahead: RaftMessage = {
      type: 'AppendEntries', term: 1, prevLogIndex: 2, prevLogTerm: 1, entries: [{ term: 7, command: put('z', '1') }], leaderCommit: 2, readSeq: 0,
    }
    deliver(cluster, 'n1', 'n3', ahead)
    expect(notes(cluster, 'n3').some((text) => text.includes('beyond term 1'))).toBe(true)
    expect(cluster.core('n3').status().lastIndex).toBe(2)
    stillServing(cluster)
  })

  it('a message from a node outside the cluster', () => {
    const cluster = settled()
    deliver(cluster, 'n9', 'n1', { ...ack, matchIndex: 2, readSeq: 0 })
    // Thesis §4.1: messages are handled whatever the configuration says; a leader keeps no progress for n9.
    expect(notes(cluster, 'n1')).toContain('ignored AppendEntriesResponse from n9: no progress kept for it')
    stillServing(cluster)
  })

  it('a leadership transfer to a non-member', () => {
    const cluster = settled()
    cluster.transfer('n1', 'n9')
    expect(notes(cluster, 'n1')).toContain('leadership transfer to n9 ignored: not a voter')
    stillServing(cluster)
  })

  it('a vote-twice liar keeps running (its lies are its own; it no longer trips its own assertion)', () => {
    const cluster = new Cluster({ failFast: true, nodeOptions: { n3: { byzantine: 'vote-twice' } } })
    cluster.elect('n1')
    deliver(cluster, 'n2', 'n3', { type: 'RequestVote', term: 1, lastLogIndex: 0, lastLogTerm: 0, transfer: false })
    expect(cluster.isUp('n3')).toBe(true)
    expect(cluster.inFlight((envelope) => envelope.from === 'n3' && envelope.message.type === 'RequestVoteResponse' && envelope.message.voteGranted).length).toBe(1)
  })
})
