/**
 * Each core states in its Ready what must be durable before what (etcd's Ready.MustSync): `mustSync`
 * for the records, `leavesBefore` for the messages that need not wait for them. The replica and the
 * simulator only obey these marks, so the rules are tested here, at the cores that make them.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../src-main/protocols/common/random.js'
import { MultiRaftCore } from '../../src-main/protocols/multiraft/core.js'
import { PrimaryBackupCore } from '../../src-main/protocols/primary-backup/core.js'
import { RaftCore } from '../../src-main/protocols/raft/index.js'
import type { RaftMessage, RaftReady } from '../../src-main/protocols/raft/index.js'
import type { OutboundMessage } from '../../src-main/protocols/types.js'
import { Cluster as PbftCluster } from './pbft/harness.js'

const members = ['A', 'B', 'C']
const timing = { electionTimeoutTicks: [10, 20] as [number, number], heartbeatTicks: 2, preVote: false, checkQuorum: false, batchEntriesMax: 64, inflightAppendsMax: 4 }
const put = (key: string, value: string) => ({ command: { op: 'put' as const, key, value }, tag: { clientId: 'c', seq: 1 } })
const marks = <M extends { type: string }>(messages: OutboundMessage<M>[]) => messages.map(({ message, leavesBefore }) => `${message.type}:${leavesBefore ?? 'durable'}`)

/** A leader of term 1 over A, B, C, and the Ready that made it one. */
function raftLeader(): { leader: RaftCore; elected: RaftReady } {
  const leader = new RaftCore({ ...timing, id: 'A', members, random: seededRandom(1, 'A') })
  const campaign = leader.step({ kind: 'campaign' })
  expect(campaign.persist.map((record) => record.kind)).toEqual(['hardState'])
  expect(campaign.mustSync).toBe(true)
  // A term and a vote are durable before any message: no RequestVote leaves early.
  expect(marks(campaign.messages)).toEqual(['RequestVote:durable', 'RequestVote:durable'])
  const grant: RaftMessage = { type: 'RequestVoteResponse', term: 1, voteGranted: true }
  const elected = leader.step({ kind: 'message', from: 'B', message: grant })
  expect(leader.status().role).toBe('leader')
  return { leader, elected }
}

describe('Raft states its durability rule in the Ready', () => {
  it('a leader\'s AppendEntries may leave before its own entries are written (thesis §10.2.1); the entries are fsync\'d before the rest', () => {
    const { leader, elected } = raftLeader()
    expect(elected.persist.map((record) => record.kind)).toEqual(['entries'])
    expect(elected.mustSync).toBe(true)
    expect(marks(elected.messages)).toEqual(['AppendEntries:write', 'AppendEntries:write'])
    const ack: RaftMessage = { type: 'AppendEntriesResponse', term: 1, success: true, matchIndex: 1, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0, readSeq: 0 }
    leader.step({ kind: 'message', from: 'B', message: ack })
    const proposed = leader.step({ kind: 'propose', proposals: [put('x', '1')] })
    expect(proposed.mustSync).toBe(true)
    expect(marks(proposed.messages)).toEqual(['AppendEntries:write'])
  })

  it('a follower\'s acknowledgement waits for the entries it acknowledges to be durable', () => {
    const follower = new RaftCore({ ...timing, id: 'B', members, random: seededRandom(1, 'B') })
    const append: RaftMessage = { type: 'AppendEntries', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [{ term: 1, command: { op: 'noop' } }], leaderCommit: 0, readSeq: 0 }
    const ready = follower.step({ kind: 'message', from: 'A', message: append })
    expect(ready.persist.map((record) => record.kind)).toEqual(['hardState', 'entries'])
    expect(ready.mustSync).toBe(true)
    expect(marks(ready.messages)).toEqual(['AppendEntriesResponse:durable'])
  })

  it('a Ready without records asks for no fsync', () => {
    const { leader } = raftLeader()
    let heartbeat: RaftReady | undefined
    for (let tick = 0; tick < 3 && heartbeat === undefined; tick += 1) {
      const ready = leader.step({ kind: 'tick' })
      if (ready.messages.length > 0) heartbeat = ready
    }
    expect(heartbeat?.persist).toEqual([])
    expect(heartbeat?.mustSync).toBe(false)
  })
})

describe('MultiRaft merges its groups\' rules', () => {
  it('a Batch leaves before the write only when every item in it may; one fsync covers every group', () => {
    const core = new MultiRaftCore({ ...timing, id: 'A', members, groups: 2, routing: { kind: 'hash' }, randomFor: (group) => seededRandom(1, `A:${group}`), tickMs: 10 })
    // Group 0's first timeout is A's (its home node): its campaign carries a term and a vote.
    let campaign
    for (let tick = 0; tick < 30 && campaign === undefined; tick += 1) {
      const ready = core.step({ kind: 'tick' })
      if (ready.persist.length > 0) campaign = ready
    }
    expect(campaign?.mustSync).toBe(true)
    expect(campaign?.messages.every((outbound) => outbound.leavesBefore === undefined)).toBe(true)
    const grant = { type: 'Batch' as const, term: 0 as const, items: [{ g: 0, m: { type: 'RequestVoteResponse' as const, term: 1, voteGranted: true } }] }
    const elected = core.step({ kind: 'message', from: 'B', message: grant })
    expect(elected.mustSync).toBe(true)
    expect(elected.messages.map((outbound) => [outbound.message.items.map((item) => item.m.type).join('+'), outbound.leavesBefore])).toEqual([
      ['AppendEntries', 'write'],
      ['AppendEntries', 'write'],
    ])
  })
})

describe('PBFT writes before it sends and fsyncs with execution', () => {
  it('every message may leave once the records are written; only promises (views, executions) need the fsync', () => {
    const cluster = new PbftCluster({ n: 4 })
    cluster.request('bob', 1, put('y', '1').command, ['R0'])
    const prePrepare = cluster.messagesOfType('PrePrepare').find((envelope) => envelope.to === 'R2')
    if (!prePrepare) throw new Error('R0 sent R2 no pre-prepare')
    const ready = cluster.step('R2', { kind: 'message', from: 'R0', message: prePrepare.message })
    expect(ready.mustSync).toBe(false)
    expect(ready.messages.length).toBeGreaterThan(0)
    expect(ready.messages.every((outbound) => outbound.leavesBefore === 'sync')).toBe(true)
  })
})

describe('primary-backup', () => {
  it('fsyncs what it applied before anything else of the Ready; nothing leaves early', () => {
    const primary = new PrimaryBackupCore({ id: 'A', members, electionTimeoutTicks: [10, 20], heartbeatTicks: 3, random: seededRandom(1, 'A') })
    const ready = primary.step({ kind: 'propose', proposals: [put('x', '1')] })
    expect(ready.mustSync).toBe(true)
    expect(marks(ready.messages)).toEqual(['Replicate:durable', 'Replicate:durable'])
  })
})
