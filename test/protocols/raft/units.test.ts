/** The building blocks: the log, recovery, the in-flight window, message checks, options, determinism. */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-main/protocols/common/random.js'
import { checkRaftMessage, RaftCore, RaftLog, recoverState } from '../../../src-main/protocols/raft/index.js'
import type { LogEntry, RaftOptions } from '../../../src-main/protocols/raft/index.js'
import { Inflights } from '../../../src-main/protocols/raft/progress.js'
import { conflictHint, quorumOf, quorumValue } from '../../../src-main/protocols/raft/replication.js'
import { Cluster, defaultOptions, put } from './harness.js'

const entry = (term: number): LogEntry => ({ term, command: { op: 'noop' } })

function logOf(...terms: number[]): RaftLog {
  const log = new RaftLog()
  log.append(terms.map(entry))
  return log
}

describe('RaftLog', () => {
  it('index 0 is an empty sentinel of term 0; real entries start at 1', () => {
    const log = new RaftLog()
    expect([log.lastIndex, log.lastTerm, log.term(0)]).toEqual([0, 0, 0])
    log.append([entry(1)])
    expect([log.lastIndex, log.term(1)]).toEqual([1, 1])
  })

  it('rejects an append whose term goes down, and lookups outside the log', () => {
    const log = logOf(1, 2)
    expect(() => log.append([entry(1)])).toThrow(/term 1 after term 2/)
    expect(() => log.term(3)).toThrow(/outside/)
    expect(() => log.truncateFrom(0)).toThrow(/truncate/)
  })

  it('slices and truncates in place', () => {
    const log = logOf(1, 1, 2, 3)
    expect(log.slice(2, 3).map((item) => item.term)).toEqual([1, 2])
    expect(log.slice(5, 4)).toEqual([])
    log.truncateFrom(3)
    expect(log.lastIndex).toBe(2)
  })

  it('finds where a term starts and ends by binary search', () => {
    const log = logOf(1, 1, 3, 3, 3, 5)
    expect(log.firstIndexWithTermAtLeast(3)).toBe(3)
    expect(log.firstIndexWithTermAtLeast(2)).toBe(3)
    expect(log.firstIndexWithTermAtLeast(6)).toBe(7)
    expect(log.lastIndexOfTerm(3)).toBe(5)
    expect(log.lastIndexOfTerm(2)).toBe(0)
    expect(log.lastIndexOfTerm(5)).toBe(6)
  })

  it('compares logs by last term, then length (§5.4.1)', () => {
    const log = logOf(1, 2, 2)
    expect(log.isUpToDate(3, 2)).toBe(true)
    expect(log.isUpToDate(2, 2)).toBe(false)
    expect(log.isUpToDate(1, 3)).toBe(true)
    expect(log.isUpToDate(9, 1)).toBe(false)
  })

  it('a follower’s conflict hint names its term at the index and where that term starts, or its length', () => {
    const log = logOf(1, 2, 2, 2)
    expect(conflictHint(log, 3)).toEqual({ conflictTerm: 2, conflictIndex: 2 })
    expect(conflictHint(log, 9)).toEqual({ conflictTerm: 0, conflictIndex: 5 })
  })

  it('a quorum value is the largest value a majority reaches', () => {
    expect(quorumOf(1)).toBe(1)
    expect(quorumOf(4)).toBe(3)
    expect(quorumValue([5, 1, 9, 3, 7], 3)).toBe(5)
  })
})

describe('recovery folds persisted records in order', () => {
  it('rebuilds term, vote and log; an entries record drops everything from fromIndex first', () => {
    const recovered = recoverState([
      { kind: 'hardState', term: 1, votedFor: 'n1' },
      { kind: 'entries', fromIndex: 1, entries: [entry(1), entry(1), entry(1)] },
      { kind: 'hardState', term: 2, votedFor: null },
      { kind: 'entries', fromIndex: 2, entries: [entry(2)] },
    ])
    expect(recovered.term).toBe(2)
    expect(recovered.votedFor).toBeNull()
    expect([recovered.log.lastIndex, recovered.log.term(1), recovered.log.term(2)]).toEqual([2, 1, 2])
  })

  it('refuses records that could not have been written: a lower term, a gap, entries ahead of the term', () => {
    expect(() => recoverState([{ kind: 'hardState', term: 2, votedFor: null }, { kind: 'hardState', term: 1, votedFor: null }])).toThrow(/lowers the term/)
    expect(() => recoverState([{ kind: 'entries', fromIndex: 2, entries: [entry(0)] }])).toThrow(/log ends at 0/)
    expect(() => recoverState([{ kind: 'entries', fromIndex: 1, entries: [entry(3)] }])).toThrow(/persisted term is 0/)
  })
})

describe('Inflights', () => {
  it('is a bounded FIFO of last indexes, freed through an acknowledged index', () => {
    const inflights = new Inflights(3)
    inflights.add(5)
    inflights.add(9)
    inflights.add(12)
    expect(inflights.full).toBe(true)
    expect(() => inflights.add(13)).toThrow(/full/)
    inflights.freeThrough(9)
    expect(inflights.count).toBe(1)
    inflights.add(20)
    inflights.add(25)
    expect(() => inflights.add(24)).toThrow()
    inflights.freeThrough(100)
    expect(inflights.count).toBe(0)
  })
})

describe('checkRaftMessage (for the driver, before step)', () => {
  it('accepts every well-formed message type', () => {
    const messages = [
      { type: 'RequestVote', term: 1, lastLogIndex: 0, lastLogTerm: 0, transfer: false },
      { type: 'RequestVoteResponse', term: 1, voteGranted: true },
      { type: 'PreVote', term: 1, lastLogIndex: 0, lastLogTerm: 0 },
      { type: 'PreVoteResponse', term: 1, voteGranted: false },
      {
        type: 'AppendEntries',
        term: 1,
        prevLogIndex: 0,
        prevLogTerm: 0,
        entries: [{ term: 1, command: { op: 'cas', key: 'k', expected: null, value: 'v' }, tag: { clientId: 'c', seq: 1 } }],
        leaderCommit: 0,
        readSeq: 0,
      },
      { type: 'AppendEntriesResponse', term: 1, success: true, matchIndex: 1, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0, readSeq: 0 },
      { type: 'TimeoutNow', term: 3 },
    ]
    for (const message of messages) expect(checkRaftMessage(message)).toEqual({ ok: true, message })
  })

  it('names what is wrong with a malformed one', () => {
    expect(checkRaftMessage(null)).toEqual({ ok: false, error: 'message is not an object' })
    expect(checkRaftMessage({ type: 'Bogus', term: 1 })).toEqual({ ok: false, error: 'unknown message type "Bogus"' })
    expect(checkRaftMessage({ type: 'TimeoutNow', term: -1 })).toEqual({ ok: false, error: 'TimeoutNow: term must be a non-negative integer' })
    const badEntry = { type: 'AppendEntries', term: 1, prevLogIndex: 0, prevLogTerm: 0, leaderCommit: 0, readSeq: 0, entries: [{ term: 1, command: { op: 'put', key: 'k' } }] }
    expect(checkRaftMessage(badEntry)).toEqual({ ok: false, error: 'AppendEntries: entries[0]: command.value must be a string' })
  })
})

describe('RaftCore options', () => {
  const base: RaftOptions = { ...defaultOptions, id: 'n1', members: ['n1', 'n2', 'n3'], random: seededRandom(1) }

  it('refuse a configuration that cannot work, saying why', () => {
    expect(() => new RaftCore({ ...base, members: ['n1', 'n1'] })).toThrow(/distinct/)
    expect(() => new RaftCore({ ...base, electionTimeoutTicks: [10, 5] })).toThrow(/electionTimeoutTicks/)
    expect(() => new RaftCore({ ...base, heartbeatTicks: 10 })).toThrow(/below the election timeout/)
    expect(() => new RaftCore({ ...base, batchEntriesMax: 0 })).toThrow(/batchEntriesMax/)
    expect(() => new RaftCore({ ...base, inflightAppendsMax: 0 })).toThrow(/inflightAppendsMax/)
    // A vote for a node that has since left the configuration is durable state like any other.
    expect(new RaftCore({ ...base, persisted: [{ kind: 'hardState', term: 1, votedFor: 'n9' }] }).hardState()).toEqual({ term: 1, votedFor: 'n9' })
  })

  it('a message from a node outside the configuration is handled, not obeyed blindly (thesis §4.1)', () => {
    // A leader added after this node last heard of the configuration is outside it: its terms count.
    const core = new RaftCore(base)
    const ready = core.step({ kind: 'message', from: 'n9', message: { type: 'TimeoutNow', term: 5 } })
    expect(ready.events).toContainEqual({ kind: 'note', text: 'ignored TimeoutNow from n9: not the leader this follower follows in term 5' })
    expect(core.status()).toMatchObject({ term: 5, role: 'follower' })
  })

  it('a message from the node itself is ignored with a note', () => {
    const core = new RaftCore(base)
    const ready = core.step({ kind: 'message', from: 'n1', message: { type: 'TimeoutNow', term: 5 } })
    // The first step also traces the configuration the core starts from.
    expect(ready.events.filter((event) => event.kind !== 'config')).toEqual([{ kind: 'note', text: 'ignored TimeoutNow from itself' }])
    expect(core.status().term).toBe(0)
  })
})

describe('determinism', () => {
  it('the same inputs and the same seed give the same outputs', () => {
    const runOnce = (): string => {
      const cluster = new Cluster({ seed: 42, options: { preVote: true, checkQuorum: true } })
      for (let round = 0; round < 60; round += 1) {
        cluster.tickAll()
        if (round % 7 === 0) {
          const leader = cluster.leader()
          if (leader !== undefined) cluster.propose(leader, put('k', String(round)))
        }
        cluster.stabilize()
      }
      return JSON.stringify([cluster.sent, [...cluster.persisted], [...cluster.events]])
    }
    expect(runOnce()).toBe(runOnce())
  })
})
