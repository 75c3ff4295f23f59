/** Lease reads (Raft thesis §6.4.1): faster than ReadIndex, safe only while clocks agree. */
import { describe, expect, it } from 'vitest'
import { Cluster, ofType, put } from './harness.js'

const leaseOptions = { readMode: 'lease' as const, checkQuorum: true, electionTimeoutTicks: [10, 20] as [number, number], heartbeatTicks: 2 }

/** Elects n1 and lets one heartbeat round be acknowledged, which starts its lease. */
function leaderWithLease(): Cluster {
  const cluster = new Cluster({ options: leaseOptions })
  cluster.elect('n1')
  cluster.tick('n1', 2)
  cluster.stabilize()
  return cluster
}

describe('lease reads', () => {
  it('a leader holding a lease serves a read at once, with no heartbeat round', () => {
    const cluster = leaderWithLease()
    const sentBefore = cluster.sent.length
    cluster.read('n1', 1)
    expect(cluster.servedReads.get('n1')).toEqual([1])
    expect(cluster.sent.length).toBe(sentBefore)
    expect(cluster.violations).toEqual([])
  })

  it('once the lease has run out, the leader falls back to a ReadIndex round', () => {
    const cluster = leaderWithLease()
    // Heartbeats go out but no answer comes back: the lease is not renewed.
    for (let tick = 0; tick < 12; tick += 1) {
      cluster.tick('n1')
      cluster.drop()
    }
    cluster.read('n1', 2)
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
    expect(cluster.inFlight(ofType('AppendEntries', 'n1')).length).toBeGreaterThan(0)
    cluster.stabilize()
    expect(cluster.servedReads.get('n1')).toEqual([2])
  })

  it('a leader whose clock runs slow serves a stale read under its lease after a new leader committed a write', () => {
    const cluster = leaderWithLease()
    cluster.isolate('n1')
    // n2 and n3 see time pass normally and elect n2, which commits a write; n1's clock barely moves.
    cluster.tick('n2', 25)
    cluster.tick('n3', 25)
    cluster.stabilize()
    if (cluster.role('n2') !== 'leader') cluster.elect('n3')
    const newLeader = cluster.role('n2') === 'leader' ? 'n2' : 'n3'
    cluster.propose(newLeader, put('x', 'new'))
    cluster.stabilize()
    cluster.tick('n1', 1)
    cluster.read('n1', 3)
    expect(cluster.servedReads.get('n1')).toEqual([3])
    expect(cluster.violations.some((violation) => violation.startsWith('stale read'))).toBe(true)
  })

  it('a dropped lease (the driver saw its clock slip) sends reads back to ReadIndex until a new round is acknowledged', () => {
    const cluster = leaderWithLease()
    cluster.core('n1').dropLease()
    cluster.read('n1', 4)
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
    cluster.stabilize()
    expect(cluster.servedReads.get('n1')).toEqual([4])
    const sentBefore = cluster.sent.length
    cluster.read('n1', 5)
    expect(cluster.servedReads.get('n1')).toEqual([4, 5])
    expect(cluster.sent.length).toBe(sentBefore)
  })

  it('refuses lease reads without checkQuorum, whose vote rule the lease depends on', () => {
    expect(() => new Cluster({ options: { ...leaseOptions, checkQuorum: false } })).toThrow(/readMode lease needs checkQuorum/)
  })
})
