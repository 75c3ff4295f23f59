/**
 * §4.2 of the paper, phase by phase, with n = 4 and f = 1.
 */
import { describe, expect, it } from 'vitest'
import { Cluster, put } from './harness.js'

describe('PBFT normal case (§4.2)', () => {
  it('the primary of view 0 multicasts a pre-prepare with a sequence number and the batch digest', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    const prePrepares = cluster.messagesOfType('PrePrepare')
    expect(prePrepares.map((e) => e.to).sort()).toEqual(['R1', 'R2', 'R3'])
    const message = prePrepares[0].message
    expect(message).toMatchObject({ type: 'PrePrepare', view: 0, seq: 1, replica: 'R0' })
    expect(message.type === 'PrePrepare' && message.batch).toEqual([{ command: put('x', '1'), tag: { clientId: 'alice', seq: 1 } }])
    expect(cluster.wal.get('R0')?.map((r) => r.type)).toEqual(['pre-prepare'])
    expect(cluster.core('R0').status()).toMatchObject({ role: 'primary', term: 0, leader: 'R0' })
  })

  it('a backup accepting the pre-prepare multicasts a prepare, persisted before it is sent', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    const ready = cluster.deliverOne((e) => e.to === 'R1')
    expect(ready).toBeDefined()
    expect(cluster.wal.get('R1')?.map((r) => r.type)).toEqual(['pre-prepare', 'prepare'])
    const prepares = cluster.messagesOfType('Prepare')
    expect(prepares.map((e) => e.to).sort()).toEqual(['R0', 'R2', 'R3'])
    expect(prepares[0].message).toMatchObject({ view: 0, seq: 1, replica: 'R1' })
  })

  it('prepared = pre-prepare + 2f matching prepares; then commit; committed-local = 2f+1 commits; then execute', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll((e) => e.message.type === 'PrePrepare')
    // R1 has its own prepare; one more prepare (2f = 2) makes it prepared and it sends a commit.
    expect(cluster.messagesOfType('Commit')).toHaveLength(0)
    cluster.deliverOne((e) => e.to === 'R1' && e.message.type === 'Prepare' && e.message.replica === 'R2')
    expect(cluster.messagesOfType('Commit').filter((e) => e.from === 'R1')).toHaveLength(3)
    expect(cluster.wal.get('R1')?.map((r) => r.type)).toContain('prepared')
    cluster.deliverAll((e) => e.message.type === 'Prepare')
    // Commits: R1 needs 2f+1 = 3 including its own.
    cluster.deliverOne((e) => e.to === 'R1' && e.message.type === 'Commit' && e.from === 'R2')
    expect(cluster.executedSeq('R1')).toBe(0)
    cluster.deliverOne((e) => e.to === 'R1' && e.message.type === 'Commit' && e.from === 'R3')
    expect(cluster.executedSeq('R1')).toBe(1)
    expect(cluster.applied.get('R1')).toEqual([{ index: 1, term: 0, command: put('x', '1'), tag: { clientId: 'alice', seq: 1 }, seq: 1 }])
    cluster.deliverAll()
    for (const id of cluster.members) expect(cluster.kv.get(id)?.get('x')).toBe('1')
    // The slot grid reads these: each phase once, in order, in view 0, with the batch's (shortened) digest.
    const slots = cluster.events.get('R1')!.filter((event) => event.kind === 'slot')
    expect(slots.map((event) => event.kind === 'slot' && [event.seq, event.view, event.phase])).toEqual([
      [1, 0, 'pre-prepared'],
      [1, 0, 'prepared'],
      [1, 0, 'committed'],
      [1, 0, 'executed'],
    ])
    const digests = new Set(slots.map((event) => event.kind === 'slot' && event.digest))
    expect(digests.size).toBe(1)
    expect([...digests][0]).toMatch(/^\S{1,8}$/)
  })

  it('the client accepts a result once f+1 replicas sent matching replies', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    expect(cluster.replies.filter((r) => r.clientId === 'alice')).toHaveLength(4)
    const first = cluster.replies[0]
    expect(first).toMatchObject({ type: 'Reply', view: 0, timestamp: 1, clientId: 'alice', result: { ok: true } })
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true }, view: 0 })
  })

  it('one reply is not enough, and f+1 replies that disagree are not accepted', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    const [a, b] = cluster.replies
    cluster.replies.length = 0
    cluster.replies.push(a)
    expect(cluster.accepted('alice', 1)).toBeUndefined()
    cluster.replies.push({ ...b, result: { ok: false, error: 'cas-mismatch', value: 'lie' } })
    expect(cluster.accepted('alice', 1)).toBeUndefined()
  })

  it('a backup that receives a request forwards it to the primary and starts its request timer', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 1, put('x', '1'), ['R2'])
    expect(cluster.queue.map((e) => [e.to, e.message.type])).toEqual([['R0', 'Request']])
    expect(cluster.core('R2').status().waitingRequests).toBe(1)
    cluster.deliverAll()
    expect(cluster.executedSeq('R0')).toBe(1)
    expect(cluster.core('R2').status().waitingRequests).toBe(0)
  })

  it('the primary batches all proposals of one step into one pre-prepare, up to batchMax', () => {
    const cluster = new Cluster({ n: 4, core: { batchMax: 3 } })
    const proposals = Array.from({ length: 7 }, (_, index) => ({ command: put(`k${index}`, 'v'), tag: { clientId: `c${index}`, seq: 1 } }))
    cluster.propose('R0', proposals)
    const toR1 = cluster.messagesOfType('PrePrepare').filter((e) => e.to === 'R1')
    expect(toR1.map((e) => (e.message.type === 'PrePrepare' ? [e.message.seq, e.message.batch.length] : []))).toEqual([[1, 3], [2, 3], [3, 1]])
    cluster.deliverAll()
    expect(cluster.applied.get('R3')?.map((entry) => entry.index)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('batches execute in sequence order even when a later one commits first', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.request('bob', 1, put('x', '2'), ['R0'])
    // Everything about seq 2 first, then seq 1.
    const isSeq = (seq: number) => (e: { message: { type: string } & Partial<Record<'seq', number>> }) => e.message.seq === seq
    cluster.deliverAll(isSeq(2))
    expect(cluster.executedSeq('R1')).toBe(0)
    cluster.deliverAll()
    for (const id of cluster.members) {
      expect(cluster.appliedCommands(id)).toEqual([`alice:1:${JSON.stringify(put('x', '1'))}`, `bob:1:${JSON.stringify(put('x', '2'))}`])
      expect(cluster.kv.get(id)?.get('x')).toBe('2')
    }
  })

  it('a duplicate request is answered from the reply cache and never executed twice', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    const repliesBefore = cluster.replies.length
    // The client times out and retransmits to every replica.
    cluster.request('alice', 1, put('x', '1'), cluster.members)
    cluster.deliverAll()
    const resent = cluster.replies.slice(repliesBefore)
    expect(resent.map((r) => r.replica).sort()).toEqual(cluster.members)
    expect(resent.every((r) => r.timestamp === 1 && r.result?.ok === true)).toBe(true)
    for (const id of cluster.members) expect(cluster.applied.get(id)).toHaveLength(1)
    expect(cluster.messagesOfType('PrePrepare')).toHaveLength(0)
  })

  it('an older timestamp from the same client is ignored', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 2, put('x', '2'), ['R0'])
    cluster.deliverAll()
    cluster.request('alice', 1, put('x', '1'), cluster.members)
    cluster.deliverAll()
    for (const id of cluster.members) expect(cluster.kv.get(id)?.get('x')).toBe('2')
  })

  it('rejects untagged proposals; a read is a read-only request (TOCS §5.1.3), released at once with nothing prepared', () => {
    const cluster = new Cluster({ n: 4 })
    const ready = cluster.propose('R0', [{ command: put('x', '1') }])
    expect(ready.rejections).toEqual([{ kind: 'proposal', reason: 'dropped' }])
    const read = cluster.step('R0', { kind: 'read', readIds: [7] })
    expect(read.rejections).toEqual([])
    expect(read.reads).toEqual([{ readId: 7 }])
  })

  it('reports role, view and last executed sequence number', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.tick()
    expect(cluster.events.get('R0')).toContainEqual({ kind: 'role', role: 'primary', term: 0, leader: 'R0' })
    expect(cluster.events.get('R1')).toContainEqual({ kind: 'role', role: 'backup', term: 0, leader: 'R0' })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    expect(cluster.events.get('R2')).toContainEqual({ kind: 'commit', index: 1 })
    expect(cluster.core('R2').status()).toMatchObject({ role: 'backup', term: 0, leader: 'R0', commitIndex: 1, appliedIndex: 1 })
  })
})
