/** Log replication (Raft §5.3, §5.4.2), pipelining and batching, persistence and recovery. */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-main/protocols/common/random.js'
import { RaftCore } from '../../../src-main/protocols/raft/index.js'
import type { AppendEntries, AppendEntriesResponse, LogEntry, RaftPersist } from '../../../src-main/protocols/raft/index.js'
import { Cluster, defaultOptions, ofType, put } from './harness.js'
import type { Envelope } from './harness.js'
import { figure8 } from './scenarios.js'

const entriesOf = (envelope: Envelope): LogEntry[] => (envelope.message as AppendEntries).entries
const noop = (term: number): LogEntry => ({ term, command: { op: 'noop' } })
const run = (term: number, count: number): LogEntry[] => Array.from({ length: count }, () => noop(term))
const logRecords = (term: number, entries: LogEntry[]): RaftPersist[] => [
  { kind: 'hardState', term, votedFor: null },
  { kind: 'entries', fromIndex: 1, entries },
]

describe('Raft §5.3 log replication', () => {
  it('a leader appends proposals to its log, replicates them, and once a majority stores them every node applies them in order', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.propose('n1', put('a', '1'), put('b', '2'))
    cluster.stabilize()
    for (const id of cluster.ids) {
      expect(cluster.logTerms(id)).toEqual([1, 1, 1])
      expect(cluster.applied.get(id)!.map((entry) => entry.command)).toEqual([
        { op: 'noop' },
        { op: 'put', key: 'a', value: '1' },
        { op: 'put', key: 'b', value: '2' },
      ])
    }
  })

  it('an entry is committed once the leader has replicated it on a majority, even with a server down', () => {
    const cluster = new Cluster({ ids: ['n1', 'n2', 'n3', 'n4', 'n5'] })
    cluster.elect('n1')
    cluster.crash('n4')
    cluster.crash('n5')
    cluster.propose('n1', put('a', '1'))
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
    cluster.deliverOne(ofType('AppendEntriesResponse', 'n2', 'n1'))
    expect(cluster.core('n1').status().commitIndex).toBe(1)
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n3'))
    cluster.deliverOne(ofType('AppendEntriesResponse', 'n3', 'n1'))
    expect(cluster.core('n1').status().commitIndex).toBe(2)
  })

  it('a leader persists its new entries in the same Ready that sends them (and counts its own copy at once)', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    const core = cluster.core('n1')
    const ready = core.step({ kind: 'propose', proposals: [{ command: put('a', '1'), tag: { clientId: 'c1', seq: 7 } }] })
    const entry = { term: 1, command: put('a', '1'), tag: { clientId: 'c1', seq: 7 } }
    expect(ready.persist).toEqual([{ kind: 'entries', fromIndex: 2, entries: [entry] }])
    expect(ready.messages.map((message) => (message.message as AppendEntries).entries)).toEqual([[entry], [entry]])
  })

  it('a follower commits and applies what the leader has committed, learning the index from AppendEntries', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.propose('n1', put('a', '1'))
    cluster.stabilize()
    expect(cluster.core('n3').status()).toMatchObject({ commitIndex: 2, appliedIndex: 2 })
    expect(cluster.events.get('n3')).toContainEqual({ kind: 'commit', index: 2 })
  })

  it('a follower commits only as far as the AppendEntries proved its log matches (min(leaderCommit, last new index))', () => {
    const follower = new RaftCore({
      ...defaultOptions,
      id: 'n2',
      members: ['n1', 'n2', 'n3'],
      random: seededRandom(3, 'n2'),
      persisted: logRecords(1, run(1, 3)),
    })
    const ready = follower.step({
      kind: 'message',
      from: 'n1',
      message: { type: 'AppendEntries', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [], leaderCommit: 3, readSeq: 0 },
    })
    expect(follower.status()).toMatchObject({ commitIndex: 1, appliedIndex: 1, lastIndex: 3 })
    expect(ready.applied.map((entry) => entry.index)).toEqual([1])
  })

  it('if a follower’s log conflicts with the leader’s, the conflicting entries are deleted and the leader’s appended (one record)', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.isolate('n1')
    cluster.propose('n1', put('lost', '1'), put('lost', '2'))
    cluster.campaign('n2')
    cluster.stabilize()
    cluster.propose('n2', put('kept', '1'))
    cluster.stabilize()
    cluster.heal()
    const before = cluster.persisted.get('n1')!.length
    cluster.tick('n2', defaultOptions.heartbeatTicks)
    cluster.stabilize()
    expect(cluster.logTerms('n1')).toEqual([1, 2, 2])
    expect(cluster.log('n1')[2].command).toEqual(put('kept', '1'))
    // The event names the dropped range, its terms and the leader whose log won (the log grid strikes them through).
    expect(cluster.events.get('n1')).toContainEqual({ kind: 'truncate', fromIndex: 2, toIndex: 3, runs: [[2, 1]], term: 2, leader: 'n2' })
    const records = cluster.persisted.get('n1')!.slice(before)
    expect(records.filter((record) => record.kind === 'entries')).toEqual([
      { kind: 'entries', fromIndex: 2, entries: [noop(2), { term: 2, command: put('kept', '1') }] },
    ])
    expect(cluster.violations).toEqual([])
  })

  it('a duplicate or reordered AppendEntries never truncates the entries that follow it', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.propose('n1', put('a', '1'))
    const first = cluster.inFlight(ofType('AppendEntries', 'n1', 'n2'))[0]
    cluster.stabilize()
    cluster.propose('n1', put('b', '2'))
    cluster.stabilize()
    const persistedBefore = cluster.persisted.get('n2')!.length
    cluster.inject(first)
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
    expect(cluster.logTerms('n2')).toEqual([1, 1, 1])
    expect(cluster.persisted.get('n2')!.length).toBe(persistedBefore)
    expect(cluster.events.get('n2')!.some((event) => event.kind === 'truncate')).toBe(false)
    const answer = cluster.inFlight(ofType('AppendEntriesResponse', 'n2', 'n1'))[0].message as AppendEntriesResponse
    expect(answer).toMatchObject({ success: true, matchIndex: 2 })
    cluster.stabilize()
    expect(cluster.followerProgressOf('n1', 'n2')).toMatchObject({ matchIndex: 3, state: 'replicate' })
  })

  it('a leader never commits an entry from a previous term by counting replicas (Figure 8)', () => {
    const { cluster, oldTermEntryApplied } = figure8({})
    expect(oldTermEntryApplied).toBe(false)
    // n5 then legitimately replaced the uncommitted index 2; everyone agrees on what was applied.
    expect(cluster.role('n5')).toBe('leader')
    expect(cluster.logTerms('n3')).toEqual([1, 2, 4])
    expect(cluster.violations).toEqual([])
  })

  it('an entry of an earlier term commits once an entry of the current term after it is on a majority', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.propose('n1', put('x', '1'))
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
    cluster.drop()
    cluster.crash('n1')
    cluster.electWith('n2', ['n3'])
    expect(cluster.core('n2').status().commitIndex).toBe(1)
    cluster.stabilize()
    expect(cluster.core('n2').status().commitIndex).toBe(3)
    expect(cluster.applied.get('n3')!.map((entry) => entry.term)).toEqual([1, 1, 2])
  })

  it('a partitioned minority cannot commit; the majority side elects a leader and commits; on healing the minority’s entries are replaced', () => {
    const cluster = new Cluster({ ids: ['n1', 'n2', 'n3', 'n4', 'n5'] })
    cluster.elect('n1')
    cluster.partition(['n1', 'n2'], ['n3', 'n4', 'n5'])
    cluster.propose('n1', put('minority', '1'))
    for (let round = 0; round < 60; round += 1) {
      cluster.tickAll()
      cluster.stabilize()
    }
    expect(cluster.core('n1').status().commitIndex).toBe(1)
    expect(cluster.core('n2').status().commitIndex).toBe(1)
    const majorityLeader = cluster.leader()!
    expect(['n3', 'n4', 'n5']).toContain(majorityLeader)
    cluster.propose(majorityLeader, put('majority', '1'))
    cluster.stabilize()
    expect(cluster.core(majorityLeader).status().commitIndex).toBe(3)
    cluster.heal()
    for (let round = 0; round < 10; round += 1) {
      cluster.tickAll()
      cluster.stabilize()
    }
    for (const id of cluster.ids) expect(cluster.log(id).map((entry) => entry.command)).toContainEqual(put('majority', '1'))
    for (const id of cluster.ids) expect(cluster.log(id).map((entry) => entry.command)).not.toContainEqual(put('minority', '1'))
    expect(cluster.violations).toEqual([])
  })

  it('a restarted node rebuilds term, vote and log from its persisted records, then re-applies from index 1 once it learns the commit index', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.propose('n1', put('a', '1'), put('b', '2'))
    cluster.stabilize()
    const hardState = cluster.core('n2').hardState()
    const terms = cluster.logTerms('n2')
    cluster.restart('n2')
    expect(cluster.core('n2').hardState()).toEqual(hardState)
    expect(cluster.logTerms('n2')).toEqual(terms)
    expect(cluster.core('n2').status()).toMatchObject({ role: 'follower', commitIndex: 0, appliedIndex: 0 })
    cluster.tick('n1', defaultOptions.heartbeatTicks)
    cluster.stabilize()
    expect(cluster.applied.get('n2')!.map((entry) => entry.index)).toEqual([1, 2, 3])
  })

  it('non-leaders reject proposals: no-leader before an election, not-leader with a hint after', () => {
    const cluster = new Cluster()
    const tag = { clientId: 'c', seq: 1 }
    cluster.step('n2', { kind: 'propose', proposals: [{ command: put('a', '1'), tag }] })
    cluster.elect('n1')
    cluster.step('n2', { kind: 'propose', proposals: [{ command: put('a', '1'), tag }] })
    expect(cluster.rejections.get('n2')).toEqual([
      { kind: 'proposal', tag, reason: 'no-leader' },
      { kind: 'proposal', tag, reason: 'not-leader', leaderHint: 'n1' },
    ])
  })
})

describe('fast log backtracking (§5.3, conflictTerm / conflictIndex)', () => {
  it('the leader skips a whole conflicting term per round trip, whether or not it has entries of that term', () => {
    // n1 (the future leader): 10 of term 1, 20 of term 2, 30 of term 4.
    // n2: 10 of term 1, then 90 of term 3 (a term n1 never saw): one rejection, repaired from 11.
    // n3: 10 of term 1, then 50 of term 2 (n1 has term 2 through 30): one rejection, repaired from 31.
    const cluster = new Cluster()
    cluster.persisted.set('n1', logRecords(4, [...run(1, 10), ...run(2, 20), ...run(4, 30)]))
    cluster.persisted.set('n2', logRecords(3, [...run(1, 10), ...run(3, 90)]))
    cluster.persisted.set('n3', logRecords(2, [...run(1, 10), ...run(2, 50)]))
    for (const id of cluster.ids) cluster.restart(id)
    cluster.elect('n1')
    const rejections = (from: string) =>
      cluster.sent.filter(ofType('AppendEntriesResponse', from, 'n1')).filter((envelope) => !(envelope.message as AppendEntriesResponse).success)
    expect(rejections('n2').map((envelope) => envelope.message)).toMatchObject([{ rejectedIndex: 60, conflictTerm: 3, conflictIndex: 11 }])
    expect(rejections('n3').map((envelope) => envelope.message)).toMatchObject([{ rejectedIndex: 60, conflictTerm: 2, conflictIndex: 11 }])
    expect(cluster.events.get('n2')).toContainEqual({ kind: 'truncate', fromIndex: 11, toIndex: 100, runs: [[11, 3]], term: 5, leader: 'n1' })
    expect(cluster.events.get('n3')).toContainEqual({ kind: 'truncate', fromIndex: 31, toIndex: 60, runs: [[31, 2]], term: 5, leader: 'n1' })
    for (const id of ['n2', 'n3']) expect(cluster.logTerms(id)).toEqual(cluster.logTerms('n1'))
  })

  it('a follower with a shorter log tells the leader its length, and the leader jumps straight there', () => {
    const cluster = new Cluster({ options: { batchEntriesMax: 8 } })
    cluster.elect('n1')
    cluster.crash('n3')
    for (let batch = 0; batch < 10; batch += 1) cluster.propose('n1', put(`k${batch}`, 'v'))
    cluster.stabilize()
    cluster.restart('n3')
    // While n3 was down, n1 streamed to it optimistically until its window (4 requests) filled.
    expect(cluster.followerProgressOf('n1', 'n3')).toMatchObject({ state: 'replicate', nextIndex: 6, inflightAppends: 4 })
    const sentBefore = cluster.sent.length
    cluster.tick('n1', defaultOptions.heartbeatTicks)
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n3'))
    expect(cluster.inFlight(ofType('AppendEntriesResponse', 'n3'))[0].message).toMatchObject({
      success: false,
      rejectedIndex: 5,
      conflictTerm: 0,
      conflictIndex: 2,
    })
    cluster.deliverOne(ofType('AppendEntriesResponse', 'n3'))
    // After the rejection: probe state, exactly one AppendEntries out, starting right after n3's log.
    expect(cluster.followerProgressOf('n1', 'n3')).toMatchObject({ state: 'probe', nextIndex: 2 })
    const probes = cluster.inFlight(ofType('AppendEntries', 'n1', 'n3'))
    expect(probes.map((envelope) => (envelope.message as AppendEntries).prevLogIndex)).toEqual([1])
    cluster.stabilize()
    expect(cluster.logTerms('n3')).toEqual(cluster.logTerms('n1'))
    const rejected = cluster.sent
      .slice(sentBefore)
      .filter(ofType('AppendEntriesResponse', 'n3'))
      .filter((envelope) => !(envelope.message as AppendEntriesResponse).success)
    expect(rejected.length).toBe(1)
  })
})

describe('pipelining and batching', () => {
  it('one AppendEntries carries a whole proposal batch', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    const batch = Array.from({ length: 50 }, (_, index) => put(`k${index}`, 'v'))
    cluster.propose('n1', ...batch)
    const appends = cluster.inFlight(ofType('AppendEntries', 'n1'))
    expect(appends.map((envelope) => [envelope.to, entriesOf(envelope).length])).toEqual([
      ['n2', 50],
      ['n3', 50],
    ])
  })

  it('a batch larger than batchEntriesMax is split, and the pieces are pipelined without waiting', () => {
    const cluster = new Cluster({ options: { batchEntriesMax: 64, inflightAppendsMax: 4 } })
    cluster.elect('n1')
    cluster.propose('n1', ...Array.from({ length: 150 }, (_, index) => put(`k${index}`, 'v')))
    const toN2 = cluster.inFlight(ofType('AppendEntries', 'n1', 'n2'))
    expect(toN2.map((envelope) => entriesOf(envelope).length)).toEqual([64, 64, 22])
    expect(toN2.map((envelope) => (envelope.message as AppendEntries).prevLogIndex)).toEqual([1, 65, 129])
    cluster.stabilize()
    expect(cluster.core('n3').status().commitIndex).toBe(151)
  })

  it('in replicate state the leader keeps at most inflightAppendsMax AppendEntries in flight per follower', () => {
    const cluster = new Cluster({ options: { batchEntriesMax: 2, inflightAppendsMax: 3 } })
    cluster.elect('n1')
    cluster.propose('n1', ...Array.from({ length: 10 }, (_, index) => put(`k${index}`, 'v')))
    expect(cluster.inFlight(ofType('AppendEntries', 'n1', 'n2')).map((envelope) => entriesOf(envelope).length)).toEqual([2, 2, 2])
    expect(cluster.followerProgressOf('n1', 'n2')).toEqual({ state: 'replicate', matchIndex: 1, nextIndex: 8, inflightAppends: 3 })
    // One acknowledgement frees one slot, and the next piece goes out at once.
    cluster.deliverOne(ofType('AppendEntries', 'n1', 'n2'))
    cluster.deliverOne(ofType('AppendEntriesResponse', 'n2', 'n1'))
    expect(cluster.followerProgressOf('n1', 'n2')).toEqual({ state: 'replicate', matchIndex: 3, nextIndex: 10, inflightAppends: 3 })
    cluster.stabilize()
    expect(cluster.core('n1').status().commitIndex).toBe(11)
    expect(cluster.followerProgressOf('n1', 'n2')).toMatchObject({ matchIndex: 11, inflightAppends: 0 })
  })

  it('a lost pipelined AppendEntries is found by the next heartbeat and resent', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.propose('n1', put('a', '1'))
    cluster.drop(ofType('AppendEntries', 'n1'))
    cluster.stabilize()
    expect(cluster.logTerms('n2')).toEqual([1])
    cluster.tick('n1', defaultOptions.heartbeatTicks)
    cluster.stabilize()
    expect(cluster.logTerms('n2')).toEqual([1, 1])
    expect(cluster.core('n2').status().commitIndex).toBe(2)
  })

  it('a probe that is lost is retried at the next heartbeat', () => {
    const cluster = new Cluster()
    cluster.elect('n1')
    cluster.crash('n3')
    cluster.propose('n1', put('a', '1'))
    cluster.stabilize()
    cluster.restart('n3')
    cluster.tick('n1', defaultOptions.heartbeatTicks)
    cluster.stabilize(ofType('AppendEntries', 'n1', 'n3'))
    cluster.stabilize(ofType('AppendEntriesResponse', 'n3', 'n1')) // rejection: probe goes out
    cluster.drop(ofType('AppendEntries', 'n1', 'n3'))
    cluster.tick('n1', defaultOptions.heartbeatTicks)
    cluster.stabilize()
    expect(cluster.logTerms('n3')).toEqual([1, 1])
  })
})
