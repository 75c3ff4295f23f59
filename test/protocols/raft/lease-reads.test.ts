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

  it('a slow disk cannot stretch the lease: an isolated leader whose ticks fall behind (18 ms per fsync) serves no stale read', () => {
    const cluster = leaderWithLease()
    cluster.isolate('n1')
    // n1 keeps taking writes it cannot commit; each fsync blocks it 18 ms, so its timer fires late:
    // one tick per four writes, 72 ms of real time per 10 ms tick.
    for (let write = 0; write < 20; write += 1) {
      cluster.propose('n1', put('x', `old-${write}`))
      cluster.elapse('n1', 18)
      if (write % 4 === 3) cluster.tick('n1')
    }
    // Meanwhile (360 ms, the same real time) n2 and n3 elect a leader and commit a write.
    cluster.tick('n2', 25)
    cluster.tick('n3', 11)
    cluster.stabilize()
    if (cluster.role('n2') !== 'leader') cluster.elect('n3')
    const newLeader = cluster.role('n2') === 'leader' ? 'n2' : 'n3'
    cluster.propose(newLeader, put('x', 'new'))
    cluster.stabilize()
    cluster.read('n1', 6)
    expect(cluster.violations).toEqual([])
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
  })

  it('the lease runs from when the acknowledged round was sent, not from when the answers came back', () => {
    const cluster = leaderWithLease()
    cluster.tick('n1', 2) // a heartbeat round leaves now
    const sentAtMs = cluster.clockMs('n1')
    cluster.elapse('n1', 60) // its answers take 60 ms to come back
    cluster.stabilize()
    const leaseMs = (10 - 1) * 10 // (electionTimeoutMin - 1 - leaseDriftTicks) ticks of 10 ms
    cluster.elapse('n1', sentAtMs + leaseMs - cluster.clockMs('n1'))
    cluster.read('n1', 7)
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
  })

  it('a restarted follower grants no vote while a lease it acknowledged may run, so the old leader reads nothing stale', () => {
    const cluster = leaderWithLease()
    // n3 stops hearing n1; n1's lease rests on n2's answers alone.
    cluster.partition(['n1', 'n2'], ['n3'])
    cluster.tick('n1', 2)
    cluster.stabilize()
    // n1 is cut off; n2 restarts at once and forgets it heard from n1; n3's timer fires.
    cluster.isolate('n1')
    cluster.restart('n2')
    cluster.campaign('n3')
    cluster.stabilize()
    expect(cluster.role('n3')).not.toBe('leader')
    cluster.propose('n3', put('x', 'new'))
    cluster.stabilize()
    cluster.read('n1', 8)
    expect(cluster.servedReads.get('n1')).toEqual([8])
    expect(cluster.violations).toEqual([])
    expect(cluster.events.get('n2')?.some((event) => event.kind === 'note' && event.text.includes('restarted less than an election timeout ago'))).toBe(true)
  })

  it('a restarted node votes again once a minimum election timeout has passed on its clock', () => {
    const cluster = leaderWithLease()
    cluster.isolate('n1')
    cluster.restart('n2')
    cluster.tick('n2', 11)
    cluster.campaign('n3')
    cluster.stabilize()
    expect(cluster.role('n3')).toBe('leader')
  })

  it('no lease read while a leadership transfer is in flight: the read takes a ReadIndex round', () => {
    const cluster = leaderWithLease()
    cluster.transfer('n1', 'n2')
    expect(cluster.inFlight(ofType('TimeoutNow', 'n1', 'n2')).length).toBe(1)
    // n1 is cut off just after its TimeoutNow left; n2 wins with n3 (a transfer skips the lease check) and writes.
    cluster.deliverOne(ofType('TimeoutNow', 'n1', 'n2'))
    cluster.isolate('n1')
    cluster.stabilize()
    expect(cluster.role('n2')).toBe('leader')
    cluster.propose('n2', put('x', 'new'))
    cluster.stabilize()
    cluster.read('n1', 9)
    expect(cluster.violations).toEqual([])
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
  })

  it('after a TimeoutNow the lease stays forfeit for the term, even once the transfer is abandoned (the TimeoutNow may arrive late)', () => {
    const cluster = leaderWithLease()
    cluster.transfer('n1', 'n2')
    const late = cluster.drop(ofType('TimeoutNow', 'n1', 'n2'))
    for (let tick = 0; tick < 12; tick += 1) {
      cluster.tickAll()
      cluster.stabilize()
    }
    expect(cluster.role('n1')).toBe('leader')
    for (const envelope of late) cluster.inject(envelope)
    cluster.deliverOne(ofType('TimeoutNow', 'n1', 'n2'))
    cluster.isolate('n1')
    cluster.stabilize()
    expect(cluster.role('n2')).toBe('leader')
    cluster.propose('n2', put('x', 'new'))
    cluster.stabilize()
    cluster.read('n1', 10)
    expect(cluster.violations).toEqual([])
    expect(cluster.servedReads.get('n1') ?? []).toEqual([])
  })

  it('an input without the driver\'s clock never serves a read under the lease', () => {
    const cluster = leaderWithLease()
    const ready = cluster.core('n1').step({ kind: 'read', readIds: [11] })
    expect(ready.reads).toEqual([])
  })

  it('refuses lease reads without checkQuorum, whose vote rule the lease depends on, or without a clock', () => {
    expect(() => new Cluster({ options: { ...leaseOptions, checkQuorum: false } })).toThrow(/readMode lease needs checkQuorum/)
    expect(() => new Cluster({ options: { ...leaseOptions, tickMs: undefined } })).toThrow(/readMode lease needs tickMs/)
  })
})
