/** Linearizable reads with ReadIndex (Raft thesis §6.4). */
import { describe, expect, it } from 'vitest'
import type { AppendEntries } from '../../../src-main/protocols/raft/index.js'
import { Cluster, defaultOptions, ofType, put } from './harness.js'

describe('ReadIndex (thesis §6.4)', () => {
  it('ReadIndex: a read is served only after a heartbeat round confirms leadership', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.read('n1', 1)
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
    const round = cluster.inFlight(ofType('AppendEntries', 'n1'))
    expect(round.map((envelope) => [envelope.to, (envelope.message as AppendEntries).readSeq])).toEqual([
      ['n2', 1],
      ['n3', 1],
    ])
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
    cluster.deliverOne(ofType('AppendEntriesResponse', 'n2', 'n1'))
    expect(cluster.servedReads.get('n1')).toEqual([1])
    expect(cluster.violations).toEqual([])
  })

  it('ReadIndex: a new leader serves no read until it has committed an entry of its own term', () => {
    const cluster = new Cluster()
    cluster.campaign('n1')
    cluster.stabilize((envelope) => envelope.message.type.startsWith('RequestVote'))
    expect(cluster.role('n1')).toBe('leader')
    cluster.read('n1', 7)
    // No round yet: only the noop appends are in flight, carrying no read sequence.
    expect(cluster.inFlight(ofType('AppendEntries', 'n1')).map((envelope) => (envelope.message as AppendEntries).readSeq)).toEqual([0, 0])
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
    cluster.deliverOne(ofType('AppendEntriesResponse', 'n2', 'n1'))
    expect(cluster.core('n1').status().commitIndex).toBe(1)
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
    cluster.stabilize()
    expect(cluster.servedReads.get('n1')).toEqual([7])
  })

  it('answers to AppendEntries sent before the read arrived do not confirm it', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.propose('n1', put('a', '1'))
    cluster.read('n1', 3)
    // The first request to n2 carries the proposal (readSeq 0); the second is the read's round.
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
    cluster.deliverOne(ofType('AppendEntriesResponse', 'n2', 'n1'))
    expect(cluster.core('n1').status().commitIndex).toBe(2)
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
    cluster.stabilize()
    expect(cluster.servedReads.get('n1')).toEqual([3])
  })

  it('one heartbeat round serves a whole batch of reads, in arrival order', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    const before = cluster.sent.length
    cluster.read('n1', 10, 11, 12)
    cluster.read('n1', 13)
    cluster.stabilize()
    expect(cluster.servedReads.get('n1')).toEqual([10, 11, 12, 13])
    const heartbeats = cluster.sent.slice(before).filter(ofType('AppendEntries', 'n1', 'n2'))
    expect(heartbeats.length).toBe(2)
  })

  it('a deposed leader rejects its pending reads (dropped, with a hint at its successor)', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.read('n1', 5)
    cluster.isolate('n1')
    cluster.stabilize()
    cluster.campaign('n2')
    cluster.stabilize()
    cluster.heal()
    cluster.tick('n2', defaultOptions.heartbeatTicks)
    cluster.stabilize()
    expect(cluster.role('n1')).toBe('follower')
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
    expect(cluster.rejections.get('n1')).toEqual([{ kind: 'read', readId: 5, reason: 'dropped', leaderHint: 'n2' }])
  })

  it('a leader cut off from the majority never serves a read; with checkQuorum it steps down and rejects it', () => {
    const cluster = new Cluster({ ids: ['n1', 'n2', 'n3', 'n4', 'n5'], options: { checkQuorum: true } })
    cluster.elect('n1')
    cluster.partition(['n1', 'n2'], ['n3', 'n4', 'n5'])
    cluster.read('n1', 9)
    for (let round = 0; round < 3 * defaultOptions.electionTimeoutTicks[1]; round += 1) {
      cluster.tickAll()
      cluster.stabilize()
    }
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
    expect(cluster.rejections.get('n1')).toEqual([{ kind: 'read', readId: 9, reason: 'dropped' }])
    expect(cluster.violations).toEqual([])
  })

  it('followers and candidates reject reads: not-leader with a hint, or no-leader', () => {
    const cluster = new Cluster()
    cluster.read('n2', 1)
    cluster.elect('n1')
    cluster.read('n2', 2)
    expect(cluster.rejections.get('n2')).toEqual([
      { kind: 'read', readId: 1, reason: 'no-leader' },
      { kind: 'read', readId: 2, reason: 'not-leader', leaderHint: 'n1' },
    ])
  })

  it('a single-node leader serves reads at once', () => {
    const cluster = new Cluster({ ids: ['solo'] })
    cluster.campaign('solo')
    cluster.read('solo', 1, 2)
    expect(cluster.servedReads.get('solo')).toEqual([1, 2])
  })

  it('reads beyond readsPendingMax are rejected as dropped', () => {
    const cluster = new Cluster({ options: { readsPendingMax: 3 } })
    cluster.elect('n1')
    cluster.read('n1', 1, 2)
    cluster.read('n1', 3, 4)
    expect(cluster.rejections.get('n1')).toEqual([
      { kind: 'read', readId: 3, reason: 'dropped' },
      { kind: 'read', readId: 4, reason: 'dropped' },
    ])
    cluster.stabilize()
    expect(cluster.servedReads.get('n1')).toEqual([1, 2])
    cluster.read('n1', 5, 6, 7)
    cluster.stabilize()
    expect(cluster.servedReads.get('n1')).toEqual([1, 2, 5, 6, 7])
  })

  it('a served read reflects every write acknowledged before it was issued', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    for (let step = 0; step < 20; step += 1) {
      cluster.propose('n1', put('k', String(step)))
      cluster.read('n1', step)
      if (step % 3 === 0) cluster.stabilize()
      else cluster.deliverOne()
    }
    cluster.stabilize()
    expect(cluster.servedReads.get('n1')).toEqual(Array.from({ length: 20 }, (_, step) => step))
    expect(cluster.violations).toEqual([])
  })
})
