/**
 * Read-only requests (Castro & Liskov, TOCS 2002 §5.1.3): "the client multicasts a read-only
 * request to all replicas"; replicas answer it without ordering it, but "only after all requests
 * reflected in the tentative state have committed", and "the client waits for 2f+1 replies from
 * different replicas with the same result". Here a replica waits until everything it had prepared
 * when the read arrived has executed (core.ts onReadOnly says why that is the safe reading).
 */
import { describe, expect, it } from 'vitest'
import { ReplyQuorum } from '../../../src-main/protocols/pbft/client.js'
import type { Reply } from '../../../src-main/protocols/pbft/types.js'
import { Cluster, put } from './harness.js'

const readOnlyReplies = (cluster: Cluster, clientId: string, seq: number): Reply[] =>
  cluster.replies.filter((reply) => reply.clientId === clientId && reply.timestamp === seq && reply.readOnly === true)

describe('PBFT read-only requests (TOCS §5.1.3)', () => {
  it('a read-only request is answered by every replica from its state, without being ordered', () => {
    const cluster = new Cluster({ n: 4, tentative: true })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    const sentBefore = cluster.sent
    cluster.readOnly('bob', 1, 'x')
    cluster.deliverAll()
    expect(cluster.sent).toBe(sentBefore)
    expect(readOnlyReplies(cluster, 'bob', 1).map((reply) => reply.replica).sort()).toEqual(['R0', 'R1', 'R2', 'R3'])
    expect(cluster.accepted('bob', 1)).toMatchObject({ result: { ok: true, value: '1' }, readOnly: true })
    for (const id of cluster.members) expect(cluster.appliedCommands(id)).toHaveLength(1)
  })

  it('a replica answers a read only after every request it had prepared when the read arrived has committed and executed', () => {
    const cluster = new Cluster({ n: 4, tentative: true })
    cluster.dropIf = (envelope) => envelope.message.type === 'Commit'
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    // alice's write is complete: 2f+1 matching tentative replies. Nothing has committed.
    expect(cluster.accepted('alice', 1)).toMatchObject({ tentative: true })
    cluster.readOnly('bob', 1, 'x')
    cluster.deliverAll()
    expect(readOnlyReplies(cluster, 'bob', 1)).toEqual([])
    cluster.dropIf = undefined
    cluster.run(8)
    expect(readOnlyReplies(cluster, 'bob', 1)).toHaveLength(4)
    expect(cluster.accepted('bob', 1)).toMatchObject({ result: { ok: true, value: '1' }, readOnly: true })
  })

  it('the mutation readOnlyBeforeExecuted answers from the committed state at once: 2f+1 replies miss a completed write', () => {
    const cluster = new Cluster({ n: 4, tentative: true, core: { mutations: { readOnlyBeforeExecuted: true } } })
    cluster.dropIf = (envelope) => envelope.message.type === 'Commit'
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    expect(cluster.accepted('alice', 1)).toMatchObject({ tentative: true })
    cluster.readOnly('bob', 1, 'x')
    // A stale read the client accepts: what the simulator must catch.
    expect(cluster.accepted('bob', 1)).toMatchObject({ result: { ok: true, value: null }, readOnly: true })
  })

  it('a Byzantine-silent replica sends no read-only reply', () => {
    const cluster = new Cluster({ n: 4, tentative: true, byzantine: { R3: 'silent' } })
    cluster.readOnly('bob', 1, 'x')
    expect(readOnlyReplies(cluster, 'bob', 1).map((reply) => reply.replica).sort()).toEqual(['R0', 'R1', 'R2'])
  })

  it('the client takes 2f+1 matching read-only replies, never f+1, and never mixes them with committed or tentative ones', () => {
    const reply = (replica: string, value: string, kind: 'readOnly' | 'tentative' | 'committed'): Reply => ({
      type: 'Reply', view: 0, timestamp: 1, clientId: 'bob', replica, result: { ok: true, value }, index: 0,
      ...(kind === 'readOnly' ? { readOnly: true as const } : kind === 'tentative' ? { tentative: true as const } : {}),
    })
    const quorum = new ReplyQuorum('bob', 1, 1)
    expect(quorum.add(reply('R0', 'a', 'readOnly'))).toBeUndefined()
    expect(quorum.add(reply('R1', 'a', 'readOnly'))).toBeUndefined()
    expect(quorum.add(reply('R2', 'b', 'readOnly'))).toBeUndefined()
    expect(quorum.add(reply('R2', 'a', 'tentative'))).toBeUndefined()
    expect(quorum.add(reply('R3', 'a', 'readOnly'))).toMatchObject({ result: { value: 'a' }, readOnly: true, tentative: false, replicas: ['R0', 'R1', 'R3'] })
  })
})
