/** Pre-vote (Raft thesis §9.6): a node that cannot win an election must not disturb the cluster. */
import { describe, expect, it } from 'vitest'
import { Cluster, defaultOptions, ofType, put } from './harness.js'

describe('pre-vote (thesis §9.6)', () => {
  it('a precandidate polls at term + 1 without changing its durable term or vote', () => {
    const cluster = new Cluster({ options: { preVote: true } })
    cluster.campaign('n1')
    expect(cluster.core('n1').status()).toMatchObject({ role: 'precandidate', term: 0 })
    expect(cluster.persisted.get('n1')).toEqual([])
    expect(cluster.inFlight(ofType('PreVote', 'n1')).map((envelope) => envelope.message)).toEqual([
      { type: 'PreVote', term: 1, lastLogIndex: 0, lastLogTerm: 0 },
      { type: 'PreVote', term: 1, lastLogIndex: 0, lastLogTerm: 0 },
    ])
    // Granting a pre-vote changes nothing durable at the voter either.
    cluster.deliverOne(ofType('PreVote', 'n1', 'n2'))
    expect(cluster.persisted.get('n2')).toEqual([])
    expect(cluster.inFlight(ofType('PreVoteResponse', 'n2'))[0].message).toEqual({ type: 'PreVoteResponse', term: 1, voteGranted: true })
  })

  it('once a majority grants the pre-vote, the precandidate runs a real election and wins', () => {
    const cluster = new Cluster({ options: { preVote: true } })
    cluster.elect('n1')
    expect(cluster.core('n1').status()).toMatchObject({ role: 'leader', term: 1 })
    expect(cluster.events.get('n1')!.filter((event) => event.kind === 'role').map((event) => (event as { role: string }).role)).toEqual([
      'precandidate',
      'candidate',
      'leader',
    ])
  })

  it('pre-vote keeps a rejoining node from disrupting the term', () => {
    const cluster = new Cluster({ options: { preVote: true } })
    cluster.elect('n1')
    cluster.isolate('n3')
    for (let round = 0; round < 5 * defaultOptions.electionTimeoutTicks[1]; round += 1) {
      cluster.tickAll()
      cluster.stabilize()
    }
    // Cut off, n3 keeps polling but never bumps its term.
    expect(cluster.core('n3').status()).toMatchObject({ role: 'precandidate', term: 1 })
    cluster.heal()
    for (let round = 0; round < 5 * defaultOptions.electionTimeoutTicks[1]; round += 1) {
      cluster.tickAll()
      cluster.stabilize()
    }
    expect(cluster.core('n1').status()).toMatchObject({ role: 'leader', term: 1 })
    expect(cluster.core('n3').status()).toMatchObject({ role: 'follower', term: 1, leader: 'n1' })
    expect(cluster.leadersByTerm()).toEqual(new Map([[1, 'n1']]))
  })

  it('without pre-vote, the same rejoining node bumps the term and deposes the leader', () => {
    const cluster = new Cluster({ options: { preVote: false } })
    cluster.elect('n1')
    cluster.isolate('n3')
    for (let round = 0; round < 5 * defaultOptions.electionTimeoutTicks[1]; round += 1) {
      cluster.tickAll()
      cluster.stabilize()
    }
    const isolatedTerm = cluster.term('n3')
    expect(isolatedTerm).toBeGreaterThan(2)
    cluster.heal()
    cluster.tick('n1', defaultOptions.heartbeatTicks)
    cluster.stabilize()
    expect(cluster.role('n1')).toBe('follower')
    expect(cluster.term('n1')).toBeGreaterThanOrEqual(isolatedTerm)
  })

  it('a pre-vote is refused to a node whose log is behind, so it never bumps anyone’s term', () => {
    const cluster = new Cluster({ options: { preVote: true } })
    cluster.elect('n1')
    cluster.isolate('n3')
    cluster.propose('n1', put('a', '1'))
    cluster.stabilize()
    cluster.crash('n1')
    cluster.heal()
    // Let n2's lease on the dead leader run out, so only the log comparison can refuse.
    cluster.tick('n2', defaultOptions.electionTimeoutTicks[0])
    cluster.drop()
    cluster.campaign('n3')
    cluster.deliverOne(ofType('PreVote', 'n3', 'n2'))
    expect(cluster.inFlight(ofType('PreVoteResponse', 'n2', 'n3'))[0].message).toMatchObject({ voteGranted: false, term: 1 })
    cluster.stabilize(ofType('PreVoteResponse', 'n2', 'n3'))
    expect(cluster.core('n3').status()).toMatchObject({ role: 'precandidate', term: 1 })
    // n2, whose log is complete, is the one that wins.
    for (let round = 0; round < 10 * defaultOptions.electionTimeoutTicks[1] && cluster.leader() === undefined; round += 1) {
      cluster.tickAll()
      cluster.stabilize()
    }
    expect(cluster.leader()).toBe('n2')
    expect(cluster.violations).toEqual([])
  })

  it('a pre-vote is refused while the voter still hears from a leader, even when the asker’s log is up to date', () => {
    const cluster = new Cluster({ options: { preVote: true } })
    cluster.elect('n1')
    cluster.campaign('n3') // n3 missed heartbeats (say, a slow link), n2 did not
    cluster.deliverOne(ofType('PreVote', 'n3', 'n2'))
    expect(cluster.inFlight(ofType('PreVoteResponse', 'n2', 'n3'))[0].message).toEqual({
      type: 'PreVoteResponse',
      term: 1,
      voteGranted: false,
    })
  })
})
