/** Scenario support: a scripted first election timeout makes "A times out first" reproducible. */
import { describe, expect, it } from 'vitest'
import { Cluster } from './harness.js'

describe('firstElectionTimeoutTicks', () => {
  it('the node with the shortest first timeout campaigns first and wins; later timeouts are random again', () => {
    const cluster = new Cluster({
      ids: ['A', 'B', 'C'],
      options: { electionTimeoutTicks: [10, 20], firstElectionTimeoutTicks: 20 },
      nodeOptions: { A: { firstElectionTimeoutTicks: 3 } },
    })
    cluster.tickAll(3)
    expect(cluster.role('A')).toBe('candidate')
    expect(cluster.role('B')).toBe('follower')
    cluster.stabilize()
    expect(cluster.leader()).toBe('A')
    expect(cluster.term('A')).toBe(1)
  })

  it('two nodes with the same first timeout campaign in the same term', () => {
    const cluster = new Cluster({
      ids: ['A', 'B', 'C', 'D'],
      options: { electionTimeoutTicks: [10, 20], firstElectionTimeoutTicks: 20 },
      nodeOptions: { A: { firstElectionTimeoutTicks: 4 }, C: { firstElectionTimeoutTicks: 4 } },
    })
    cluster.tickAll(4)
    expect([cluster.role('A'), cluster.role('C')]).toEqual(['candidate', 'candidate'])
    expect([cluster.term('A'), cluster.term('C')]).toEqual([1, 1])
  })
})
