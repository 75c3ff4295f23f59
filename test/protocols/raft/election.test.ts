/** Leader election (Raft §5.2, §5.4.1) and the thesis extensions around it (§3.10, §6.2). */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-main/protocols/common/random.js'
import { RaftCore } from '../../../src-main/protocols/raft/index.js'
import type { RaftMessage, RaftOptions } from '../../../src-main/protocols/raft/index.js'
import { Cluster, defaultOptions, ofType, put } from './harness.js'

function soloCore(overrides: Partial<RaftOptions> = {}): RaftCore {
  return new RaftCore({
    ...defaultOptions,
    id: 'n1',
    members: ['n1', 'n2', 'n3'],
    random: seededRandom(7, 'n1'),
    ...overrides,
  })
}

function message(core: RaftCore, from: string, body: RaftMessage) {
  return core.step({ kind: 'message', from, message: body })
}

describe('Raft §5.2 leader election', () => {
  it('servers start up as followers in term 0 with an empty log', () => {
    const cluster = new Cluster()
    for (const id of cluster.ids) {
      expect(cluster.core(id).status()).toEqual({ id, role: 'follower', term: 0, commitIndex: 0, lastIndex: 0, appliedIndex: 0 })
    }
  })

  it('a follower that hears nothing for an election timeout becomes a candidate: it increments its term, votes for itself and asks every other server', () => {
    const cluster = new Cluster()
    cluster.campaign('n1')
    expect(cluster.core('n1').status()).toMatchObject({ role: 'candidate', term: 1 })
    expect(cluster.core('n1').hardState()).toEqual({ term: 1, votedFor: 'n1' })
    const requests = cluster.inFlight(ofType('RequestVote', 'n1'))
    expect(requests.map((envelope) => envelope.to).sort()).toEqual(['n2', 'n3'])
    expect(requests[0].message).toMatchObject({ term: 1, lastLogIndex: 0, lastLogTerm: 0, transfer: false })
    expect(cluster.persisted.get('n1')).toEqual([{ kind: 'hardState', term: 1, votedFor: 'n1' }])
  })

  it('election timeouts are drawn uniformly from [min, max] by the injected generator; the same seed gives the same timeout', () => {
    const ticksToCampaign = (seed: number): number => {
      const core = soloCore({ random: seededRandom(seed, 'n1'), electionTimeoutTicks: [10, 20] })
      for (let tick = 1; tick <= 100; tick += 1) {
        if (core.step({ kind: 'tick' }).messages.length > 0) return tick
      }
      throw new Error('never campaigned')
    }
    const observed = new Set<number>()
    for (let seed = 0; seed < 300; seed += 1) {
      const ticks = ticksToCampaign(seed)
      expect(ticks).toBeGreaterThanOrEqual(10)
      expect(ticks).toBeLessThanOrEqual(20)
      expect(ticksToCampaign(seed)).toBe(ticks)
      observed.add(ticks)
    }
    expect(observed.size).toBe(11)
  })

  it('a candidate that receives votes from a majority becomes leader and sends AppendEntries to every server', () => {
    const cluster = new Cluster({ ids: ['n1', 'n2', 'n3', 'n4', 'n5'] })
    cluster.campaign('n1')
    cluster.deliverOne(ofType('RequestVote', 'n1', 'n2'))
    cluster.deliverOne(ofType('RequestVoteResponse', 'n2'))
    expect(cluster.role('n1')).toBe('candidate')
    cluster.deliverOne(ofType('RequestVote', 'n1', 'n3'))
    cluster.deliverOne(ofType('RequestVoteResponse', 'n3'))
    expect(cluster.role('n1')).toBe('leader')
    expect(cluster.inFlight(ofType('AppendEntries', 'n1')).map((envelope) => envelope.to).sort()).toEqual(['n2', 'n3', 'n4', 'n5'])
  })

  it('a new leader appends a noop entry of its own term and commits it once a majority stores it', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    for (const id of cluster.ids) {
      expect(cluster.log(id)).toEqual([{ term: 1, command: { op: 'noop' } }])
      expect(cluster.applied.get(id)).toEqual([{ index: 1, term: 1, command: { op: 'noop' } }])
    }
    expect(cluster.core('n1').status()).toMatchObject({ role: 'leader', term: 1, leader: 'n1', commitIndex: 1 })
  })

  it('each server will vote for at most one candidate in a given term, on a first-come-first-served basis (even across a restart)', () => {
    const cluster = new Cluster()
    cluster.campaign('n1')
    cluster.deliverOne(ofType('RequestVote', 'n1', 'n3'))
    cluster.restart('n3')
    expect(cluster.core('n3').hardState()).toEqual({ term: 1, votedFor: 'n1' })
    cluster.campaign('n2')
    expect(cluster.term('n2')).toBe(1)
    cluster.deliverOne(ofType('RequestVote', 'n2', 'n3'))
    const answers = cluster.inFlight(ofType('RequestVoteResponse', 'n3'))
    expect(answers.map((envelope) => [envelope.to, (envelope.message as { voteGranted: boolean }).voteGranted])).toEqual([
      ['n1', true],
      ['n2', false],
    ])
    // A repeated request from the chosen candidate is granted again (its answer may have been lost).
    cluster.inject({ from: 'n1', to: 'n3', message: cluster.sent.find((envelope) => envelope.to === 'n3')!.message })
    cluster.deliverOne(ofType('RequestVote', 'n1', 'n3'))
    expect(cluster.inFlight(ofType('RequestVoteResponse', 'n3', 'n1')).length).toBe(2)
  })

  it('a vote is persisted before its response: the hardState record is in the same Ready as the granted answer', () => {
    const core = soloCore()
    const ready = message(core, 'n2', { type: 'RequestVote', term: 3, lastLogIndex: 0, lastLogTerm: 0, transfer: false })
    expect(ready.persist).toContainEqual({ kind: 'hardState', term: 3, votedFor: 'n2' })
    expect(ready.messages).toEqual([{ to: 'n2', message: { type: 'RequestVoteResponse', term: 3, voteGranted: true } }])
    expect(ready.events).toContainEqual({ kind: 'vote', term: 3, votedFor: 'n2' })
  })

  it('a voter denies its vote if its own log is more up-to-date than the candidate’s (§5.4.1)', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.propose('n1', put('x', '1'))
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
    cluster.drop()
    // n2: [1, 1]; n3: [1]. n3 is behind: n2 refuses it; n1 (leader in term 1) refuses too.
    cluster.crash('n1')
    cluster.campaign('n3')
    cluster.stabilize()
    expect(cluster.role('n3')).not.toBe('leader')
    const n2Answer = cluster.sent.filter(ofType('RequestVoteResponse', 'n2', 'n3')).at(-1)!
    expect(n2Answer.message).toMatchObject({ voteGranted: false })
    // n2, with the longer log of the same last term, wins.
    cluster.campaign('n2')
    cluster.stabilize()
    expect(cluster.role('n2')).toBe('leader')
  })

  it('a later last term beats a longer log in the up-to-date comparison', () => {
    const core = soloCore({
      persisted: [
        { kind: 'hardState', term: 2, votedFor: null },
        {
          kind: 'entries',
          fromIndex: 1,
          entries: [
            { term: 1, command: { op: 'noop' } },
            { term: 1, command: { op: 'noop' } },
            { term: 2, command: { op: 'noop' } },
          ],
        },
      ],
    })
    const longerOlder = message(core, 'n2', { type: 'RequestVote', term: 3, lastLogIndex: 9, lastLogTerm: 1, transfer: false })
    expect(longerOlder.messages[0].message).toMatchObject({ voteGranted: false, term: 3 })
    const shorterNewer = message(core, 'n3', { type: 'RequestVote', term: 4, lastLogIndex: 1, lastLogTerm: 3, transfer: false })
    expect(shorterNewer.messages[0].message).toMatchObject({ voteGranted: true, term: 4 })
  })

  it('a candidate that receives AppendEntries from a leader of its term returns to follower', () => {
    const cluster = new Cluster()
    cluster.campaign('n1')
    cluster.campaign('n2')
    cluster.stabilize(ofType('RequestVote', 'n1'))
    cluster.stabilize((envelope) => envelope.to === 'n1')
    expect(cluster.role('n1')).toBe('leader')
    expect(cluster.role('n2')).toBe('candidate')
    cluster.stabilize()
    expect(cluster.role('n2')).toBe('follower')
    expect(cluster.core('n2').status()).toMatchObject({ term: 1, leader: 'n1' })
  })

  it('a candidate whose election times out without a winner starts a new election in a higher term', () => {
    const cluster = new Cluster()
    cluster.campaign('n1')
    cluster.drop()
    cluster.tick('n1', defaultOptions.electionTimeoutTicks[1])
    expect(cluster.core('n1').status()).toMatchObject({ role: 'candidate', term: 2 })
  })

  it('a candidate refused by a majority returns to follower without waiting for its timeout', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.propose('n1', put('x', '1'))
    cluster.stabilize()
    cluster.persisted.set('n3', [])
    cluster.restart('n3') // n3 lost its disk: an empty log, term 0.
    cluster.campaign('n3')
    cluster.stabilize()
    expect(cluster.role('n3')).toBe('follower')
  })

  it('if a server’s term is out of date it updates to the larger value, and a leader reverts to follower', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.isolate('n1')
    cluster.campaign('n2')
    cluster.stabilize()
    expect(cluster.core('n2').status()).toMatchObject({ role: 'leader', term: 2 })
    expect(cluster.role('n1')).toBe('leader')
    cluster.heal()
    cluster.tick('n2', defaultOptions.heartbeatTicks)
    cluster.stabilize()
    expect(cluster.core('n1').status()).toMatchObject({ role: 'follower', term: 2, leader: 'n2' })
    expect(cluster.events.get('n1')).toContainEqual({ kind: 'term', term: 2 })
  })

  it('a server rejects a request with a stale term and answers with its own, so a stale leader steps down', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.isolate('n1')
    cluster.campaign('n2')
    cluster.stabilize()
    cluster.heal()
    cluster.propose('n1', put('stale', 'write'))
    cluster.stabilize()
    const answer = cluster.sent.filter(ofType('AppendEntriesResponse', 'n3', 'n1')).at(-1)!
    expect(answer.message).toMatchObject({ term: 2, success: false })
    expect(cluster.core('n1').status()).toMatchObject({ role: 'follower', term: 2 })
    expect(cluster.core('n3').status().term).toBe(2)
  })

  it('a leader sends heartbeats every heartbeatTicks, and followers that hear them never campaign', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    for (let round = 0; round < 100; round += 1) {
      cluster.tickAll()
      cluster.stabilize()
    }
    const heartbeats = cluster.sent.filter(ofType('AppendEntries', 'n1', 'n2')).filter((envelope) => {
      return (envelope.message as { entries: unknown[] }).entries.length === 0
    })
    expect(heartbeats.length).toBeGreaterThanOrEqual(100 / defaultOptions.heartbeatTicks)
    expect(cluster.leadersByTerm()).toEqual(new Map([[1, 'n1']]))
    expect(cluster.term('n2')).toBe(1)
  })

  it('a single-node cluster elects itself and commits at once', () => {
    const cluster = new Cluster({ ids: ['solo'] })
    cluster.campaign('solo')
    expect(cluster.role('solo')).toBe('leader')
    cluster.propose('solo', put('a', '1'), put('b', '2'))
    expect(cluster.applied.get('solo')!.map((entry) => entry.index)).toEqual([1, 2, 3])
  })

  it('role, term and vote events trace every transition', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    // Each core's first step traces the configuration it starts from (and a commit may make it committed).
    expect(cluster.events.get('n1')![0]).toEqual({ kind: 'config', voters: ['n1', 'n2', 'n3'], learners: [], index: 0, committed: true })
    expect(cluster.events.get('n1')!.filter((event) => event.kind !== 'commit' && event.kind !== 'config')).toEqual([
      { kind: 'term', term: 1 },
      { kind: 'vote', term: 1, votedFor: 'n1' },
      { kind: 'role', role: 'candidate', term: 1 },
      { kind: 'role', role: 'leader', term: 1, leader: 'n1' },
    ])
    expect(cluster.events.get('n2')!.filter((event) => event.kind !== 'config')).toEqual([
      { kind: 'term', term: 1 },
      { kind: 'role', role: 'follower', term: 1 },
      { kind: 'vote', term: 1, votedFor: 'n1' },
      { kind: 'role', role: 'follower', term: 1, leader: 'n1' },
      { kind: 'commit', index: 1 },
    ])
  })
})

describe('check-quorum (thesis §6.2) and the leader lease on votes (§4.2.3)', () => {
  it('with checkQuorum, a leader that hears from no majority within an election timeout steps down', () => {
    const cluster = new Cluster({ options: { checkQuorum: true } })
    cluster.elect('n1')
    cluster.isolate('n1')
    for (let tick = 0; tick < 2 * defaultOptions.electionTimeoutTicks[0] && cluster.role('n1') === 'leader'; tick += 1) {
      cluster.tick('n1')
      cluster.stabilize()
    }
    expect(cluster.core('n1').status()).toMatchObject({ role: 'follower', term: 1 })
  })

  it('with checkQuorum, a leader that keeps hearing from a majority stays leader', () => {
    const cluster = new Cluster({ options: { checkQuorum: true } })
    cluster.elect('n1')
    cluster.crash('n3')
    for (let round = 0; round < 100; round += 1) {
      cluster.tickAll()
      cluster.stabilize()
    }
    expect(cluster.role('n1')).toBe('leader')
  })

  it('with checkQuorum, a follower that heard from its leader recently ignores a higher-term RequestVote', () => {
    const cluster = new Cluster({ options: { checkQuorum: true } })
    cluster.elect('n1')
    cluster.isolate('n3')
    cluster.tick('n3', defaultOptions.electionTimeoutTicks[1] * 3) // several failed elections
    cluster.heal()
    cluster.drop()
    cluster.campaign('n3')
    cluster.stabilize()
    expect(cluster.term('n2')).toBe(1)
    expect(cluster.role('n1')).toBe('leader')
  })
})

describe('leadership transfer (thesis §3.10)', () => {
  it('the leader brings the target up to date, sends TimeoutNow, and the target wins the next term at once', () => {
    const cluster = new Cluster({ options: { checkQuorum: true } })
    cluster.elect('n1')
    cluster.isolate('n3')
    cluster.propose('n1', put('x', '1'), put('y', '2'))
    cluster.stabilize()
    cluster.heal()
    cluster.transfer('n1', 'n3')
    cluster.propose('n1', put('during', 'transfer'))
    expect(cluster.rejections.get('n1')).toEqual([{ kind: 'proposal', reason: 'dropped', leaderHint: 'n3' }])
    cluster.stabilize()
    // The entries n3 missed went out optimistically while it was cut off; the next heartbeat finds the gap.
    expect(cluster.role('n3')).toBe('follower')
    cluster.tick('n1', defaultOptions.heartbeatTicks)
    cluster.stabilize()
    expect(cluster.core('n3').status()).toMatchObject({ role: 'leader', term: 2 })
    expect(cluster.core('n1').status()).toMatchObject({ role: 'follower', term: 2, leader: 'n3' })
    expect(cluster.sent.filter(ofType('TimeoutNow', 'n1', 'n3')).length).toBe(1)
  })

  it('a transfer that cannot finish is abandoned after an election timeout and proposals are taken again', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.crash('n3')
    cluster.transfer('n1', 'n3')
    cluster.tick('n1', defaultOptions.electionTimeoutTicks[0])
    cluster.propose('n1', put('x', '1'))
    cluster.stabilize()
    expect(cluster.role('n1')).toBe('leader')
    expect(cluster.core('n1').status().commitIndex).toBe(2)
  })
})
