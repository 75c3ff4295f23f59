/**
 * ParallelRaft's core, named after PolarFS §4.1's sentences: out-of-order acknowledgement, commit
 * and apply within the look-behind buffer, conflicts that wait, reads that wait for their key, the
 * merge stage after an election, and catch-up through the leader.
 */
import { describe, expect, it } from 'vitest'
import { Cluster, put, type InFlight } from './harness.js'
import { checkParallelRaftMessage } from '../../../src-main/protocols/parallel-raft/messages.js'

const to = (...nodes: string[]) => (message: InFlight) => nodes.includes(message.to)
const appendTo = (node: string, index: number) => (message: InFlight) =>
  message.to === node && message.message.type === 'Append' && message.message.entries.some((entry) => entry.index === index)

/** A 3-node cluster with n1 leading and its merge stage (nothing to merge) done. */
function led(lookBehindEntries = 2, mutations = {}): Cluster {
  const cluster = new Cluster(['n1', 'n2', 'n3'], lookBehindEntries, mutations)
  cluster.elect('n1')
  expect(cluster.core('n1').status().role).toBe('leader')
  return cluster
}

describe('out-of-order acknowledgement', () => {
  it('a follower acknowledges an entry it persisted even with a hole before it', () => {
    const cluster = led()
    cluster.propose('n1', put('a', '1'))
    cluster.propose('n1', put('b', '2'))
    // Entry 1 never reaches n2; entry 2 does.
    cluster.drop(appendTo('n2', 1))
    cluster.deliver(to('n2'))
    expect(cluster.core('n2').entryAt(1)).toBeUndefined()
    expect(cluster.core('n2').entryAt(2)?.command).toEqual(put('b', '2'))
    const acks = cluster.queue.filter((message) => message.from === 'n2' && message.message.type === 'AppendAck')
    expect(acks.flatMap((message) => (message.message.type === 'AppendAck' ? message.message.acked : []))).toContain(2)
  })
})

describe('out-of-order commit and apply', () => {
  it('the leader commits and applies an entry a majority holds before an earlier one that touches another key', () => {
    const cluster = led()
    cluster.propose('n1', put('a', '1'))
    cluster.propose('n1', put('b', '2'))
    cluster.drop(appendTo('n2', 1))
    cluster.drop(to('n3'))
    cluster.deliver()
    expect(cluster.appliedIndexes('n1')).toEqual([2])
    expect(cluster.core('n1').status().commitIndex).toBe(0) // the watermark waits for index 1
  })

  it('an entry that touches the key of an uncommitted entry in its look-behind buffer waits for it', () => {
    const cluster = led()
    cluster.propose('n1', put('a', '1'))
    cluster.propose('n1', put('a', '2'))
    const held = cluster.queue.filter((message) => appendTo('n2', 1)(message) || message.to === 'n3')
    cluster.queue = cluster.queue.filter((message) => !held.includes(message))
    cluster.deliver()
    expect(cluster.appliedIndexes('n1')).toEqual([])
    cluster.queue.push(...held)
    cluster.deliver()
    expect(cluster.appliedIndexes('n1')).toEqual([1, 2])
  })

  it('an entry waits for every entry beyond its look-behind buffer, whatever they touch', () => {
    const cluster = led(1)
    cluster.propose('n1', put('a', '1'))
    cluster.propose('n1', put('b', '2'))
    cluster.propose('n1', put('c', '3'))
    const held = cluster.queue.filter((message) => appendTo('n2', 1)(message) || message.to === 'n3')
    cluster.queue = cluster.queue.filter((message) => !held.includes(message))
    cluster.deliver()
    // Index 2 may overtake 1 (its buffer names a, not b); 3's buffer names only index 2, so 1 must be done.
    expect(cluster.appliedIndexes('n1')).toEqual([2])
    cluster.queue.push(...held)
    cluster.deliver()
    expect(cluster.appliedIndexes('n1').sort()).toEqual([1, 2, 3])
  })

  it('followers apply out of order by the same rule once they learn what is committed', () => {
    const cluster = led()
    cluster.propose('n1', put('a', '1'))
    cluster.propose('n1', put('b', '2'))
    cluster.drop(appendTo('n2', 1))
    cluster.drop(to('n3'))
    cluster.deliver()
    cluster.tick('n1') // the heartbeat carries the commit of index 2
    cluster.deliver(to('n2'))
    expect(cluster.appliedIndexes('n2')).toEqual([2])
  })

  it('with ignoreLookBehindConflicts (the mutation) a conflicting entry overtakes the one it must follow', () => {
    const cluster = led(2, { ignoreLookBehindConflicts: true })
    cluster.propose('n1', put('a', '1'))
    cluster.propose('n1', put('a', '2'))
    cluster.drop(appendTo('n2', 1))
    cluster.drop(to('n3'))
    cluster.deliver()
    expect(cluster.appliedIndexes('n1')).toEqual([2])
  })
})

describe('reads', () => {
  it('a read of a key waits for a pending entry touching it, not for entries on other keys', () => {
    const cluster = led()
    cluster.propose('n1', put('a', '1'))
    cluster.queue = [] // index 1 (key a) is lost everywhere for now
    cluster.read('n1', 7, 'b')
    cluster.read('n1', 8, 'a')
    cluster.deliver()
    expect(cluster.readsServed.get('n1')).toEqual([7])
    cluster.tick('n1', 2) // catch-up re-sends index 1
    cluster.deliver()
    expect(cluster.readsServed.get('n1')).toEqual([7, 8])
  })

  it('a node that is not the leader refuses reads and proposals with a hint', () => {
    const cluster = led()
    cluster.tick('n1')
    cluster.deliver()
    const ready = cluster.read('n2', 1, 'a')
    expect(ready.rejections).toEqual([{ kind: 'read', readId: 1, reason: 'not-leader', leaderHint: 'n1' }])
  })
})

describe('the merge stage', () => {
  it('a new leader fills its holes from the other logs, commits them, and only then serves', () => {
    const cluster = led()
    cluster.propose('n1', put('a', '1'))
    cluster.propose('n1', put('b', '2'))
    cluster.propose('n1', put('c', '3'))
    // n2 gets 1 and 3, n3 gets only 2; then n1 is gone (its messages with it).
    cluster.drop(appendTo('n2', 2))
    cluster.drop((message) => message.to === 'n3' && !appendTo('n3', 2)(message))
    cluster.deliver((message) => message.from === 'n1')
    cluster.queue = []
    expect(cluster.core('n2').entryAt(2)).toBeUndefined()
    const alive = (message: InFlight) => message.to !== 'n1' && message.from !== 'n1'
    cluster.tick('n2', 20)
    expect(cluster.core('n2').status().role).toBe('candidate')
    cluster.deliver((message) => alive(message) && (message.message.type === 'RequestVote' || message.message.type === 'Vote'))
    expect(cluster.core('n2').status().role).toBe('leader')
    // Merged from n3's log: index 2 came from there.
    expect(cluster.core('n2').entryAt(2)?.command).toEqual(put('b', '2'))
    const held = cluster.propose('n2', put('d', '4'))
    expect(held.persist).toEqual([]) // held until the merged entries commit
    cluster.deliver(alive)
    expect(cluster.core('n2').status().commitIndex).toBe(4)
    expect(cluster.core('n2').entryAt(4)?.command).toEqual(put('d', '4'))
    expect(cluster.appliedIndexes('n2').sort()).toEqual([1, 2, 3, 4])
  })

  it('an index no voter holds becomes a noop', () => {
    const cluster = led()
    cluster.propose('n1', put('a', '1'))
    cluster.propose('n1', put('b', '2'))
    cluster.deliver(appendTo('n2', 2))
    cluster.queue = []
    const alive = (message: InFlight) => message.to !== 'n1' && message.from !== 'n1'
    cluster.elect('n2', alive)
    expect(cluster.core('n2').entryAt(1)?.command).toEqual({ op: 'noop' })
    expect(cluster.core('n2').entryAt(2)?.command).toEqual(put('b', '2'))
  })
})

describe('catch-up', () => {
  it('a restarted follower gets from the leader every entry it holds only from an older term', () => {
    const cluster = led()
    cluster.propose('n1', put('a', '1'), put('b', '2'))
    cluster.deliver()
    cluster.tick('n1')
    cluster.deliver()
    expect(cluster.appliedIndexes('n3').sort()).toEqual([1, 2])
    cluster.start('n3')
    for (let beat = 0; beat < 4; beat += 1) {
      cluster.tick('n1')
      cluster.deliver()
    }
    expect(cluster.core('n3').status().commitIndex).toBe(2)
    expect(cluster.appliedIndexes('n3').sort()).toEqual([1, 2])
  })
})

describe('the look-behind buffer on the wire and on disk', () => {
  // Sent in full, every entry cost N key lists in each Append and each WAL record: with N = 64 that
  // was most of ParallelRaft's bytes and of its leader's encoding time (README, benchmarks).
  const keyListsIn = (entries: readonly { behind?: readonly unknown[] }[]) => entries.reduce((sum, entry) => sum + (entry.behind?.length ?? 0), 0)
  const keysOfBatch = (first: number, count: number) => Array.from({ length: count }, (_, position) => put(`k${first + position}`, 'v'))

  it('a batch of consecutive entries carries the buffer in full once: each other entry chains to the one before it', () => {
    const cluster = led(64)
    cluster.propose('n1', ...keysOfBatch(0, 70))
    cluster.deliver()
    const ready = cluster.propose('n1', ...keysOfBatch(70, 40))
    const appends = ready.messages.flatMap((out) => (out.message.type === 'Append' && out.message.entries.length > 0 ? [out.message] : []))
    expect(appends).toHaveLength(2)
    for (const append of appends) expect(keyListsIn(append.entries)).toBe(64)
    const records = ready.persist.flatMap((record) => (record.kind === 'slots' ? [record] : []))
    expect(records).toHaveLength(1)
    expect(keyListsIn(records[0]!.slots)).toBe(64)
  })

  it('a replica refuses an Append whose chained entry does not follow the entry just below it (it could not rebuild the buffer)', () => {
    const entry = (index: number, buffer: object) => ({ index, term: 1, command: put(`k${index}`, 'v'), ...buffer })
    const append = (entries: object[]) => ({ type: 'Append', term: 1, entries, commitIndex: 0, committed: [], round: 1 })
    expect(checkParallelRaftMessage(append([entry(1, { behind: [] }), entry(2, { chained: 1 })]))).toBeNull()
    expect(checkParallelRaftMessage(append([entry(2, { chained: 1 })]))).toMatch(/entry 2 is chained/)
    expect(checkParallelRaftMessage(append([entry(1, { behind: [] }), entry(3, { chained: 2 })]))).toMatch(/entry 3 is chained/)
    expect(checkParallelRaftMessage(append([entry(1, { behind: [] }), entry(2, { chained: 1, behind: [] })]))).toMatch(/both behind and chained/)
  })

  it('a follower, and a node restarted from its disk, rebuild every buffer exactly as the leader wrote it', () => {
    const cluster = led(64)
    cluster.propose('n1', ...keysOfBatch(0, 70))
    cluster.propose('n1', ...keysOfBatch(70, 40))
    cluster.deliver()
    cluster.start('n2')
    for (let index = 1; index <= 110; index += 1) {
      const written = cluster.core('n1').entryAt(index)!.behind
      expect(written).toHaveLength(Math.min(64, index - 1))
      expect(cluster.core('n3').entryAt(index)?.behind).toEqual(written)
      expect(cluster.core('n2').entryAt(index)?.behind).toEqual(written)
    }
  })
})

describe('acknowledgements that get lost', () => {
  it('a lost acknowledgement is repaired by the next: a follower acknowledges every entry it holds in this term that it does not know committed', () => {
    const cluster = led()
    cluster.drop(to('n3'))
    cluster.propose('n1', put('a', '1'))
    cluster.deliver(to('n2'))
    // n2 holds index 1, but its acknowledgement is lost; n3 hears nothing.
    cluster.drop(() => true)
    cluster.propose('n1', put('b', '2'))
    cluster.deliver((message) => message.to === 'n2' || (message.to === 'n1' && message.from === 'n2'))
    // Without waiting for a resend two heartbeats later, the leader learns n2 holds 1 too.
    expect(cluster.appliedIndexes('n1').sort()).toEqual([1, 2])
  })
})
