/**
 * Tentative execution (Castro & Liskov, TOCS 2002 §5.1.3): "replicas execute requests tentatively
 * as soon as the request is prepared and all requests with lower sequence numbers have committed
 * [or executed tentatively]"; "the client waits for 2f+1 matching tentative replies"; a view change
 * rolls tentative execution back. Here the rollback forgets layers: the committed state machine
 * never sees a tentative batch (TentativeState).
 */
import { describe, expect, it } from 'vitest'
import { ReplyQuorum } from '../../../src-main/protocols/pbft/client.js'
import { TentativeState, committedReaderOf } from '../../../src-main/protocols/pbft/tentative.js'
import type { Reply, TentativeBatch } from '../../../src-main/protocols/pbft/types.js'
import type { Command } from '../../../src-main/protocols/types.js'
import { KeyValueStore } from '../../../src-main/kv/store.js'
import { Cluster, put } from './harness.js'

const tentativeReplies = (cluster: Cluster, clientId: string, seq: number): Reply[] =>
  cluster.replies.filter((reply) => reply.clientId === clientId && reply.timestamp === seq && reply.tentative === true)
const committedReplies = (cluster: Cluster, clientId: string, seq: number): Reply[] =>
  cluster.replies.filter((reply) => reply.clientId === clientId && reply.timestamp === seq && reply.tentative === undefined)

describe('PBFT tentative execution (TOCS §5.1.3)', () => {
  it('a request runs tentatively once prepared, before any commit, and the client accepts 2f+1 matching tentative replies', () => {
    const cluster = new Cluster({ n: 4, tentative: true })
    cluster.dropIf = (envelope) => envelope.message.type === 'Commit'
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    // Nothing committed, nothing applied to any state machine...
    for (const id of cluster.members) expect(cluster.applied.get(id)).toEqual([])
    // ...and every replica answered tentatively, in view 0.
    const replies = tentativeReplies(cluster, 'alice', 1)
    expect(replies.map((reply) => reply.replica).sort()).toEqual(['R0', 'R1', 'R2', 'R3'])
    expect(replies.every((reply) => reply.view === 0)).toBe(true)
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true, revision: 1 }, tentative: true, view: 0 })
  })

  it('2f matching tentative replies are not enough, nor are 2f+1 from different views; f+1 committed ones are', () => {
    const reply = (replica: string, view: number, tentative: boolean): Reply => ({
      type: 'Reply', view, timestamp: 1, clientId: 'alice', replica, result: { ok: true }, index: 0, ...(tentative ? { tentative: true as const } : {}),
    })
    const quorum = new ReplyQuorum('alice', 1, 1)
    expect(quorum.add(reply('R0', 0, true))).toBeUndefined()
    expect(quorum.add(reply('R1', 0, true))).toBeUndefined()
    expect(quorum.add(reply('R2', 1, true))).toBeUndefined()
    expect(quorum.add(reply('R3', 0, true))).toMatchObject({ tentative: true, replicas: ['R0', 'R1', 'R3'] })
    const committed = new ReplyQuorum('alice', 1, 1)
    expect(committed.add(reply('R0', 0, false))).toBeUndefined()
    expect(committed.add(reply('R1', 3, false))).toMatchObject({ tentative: false, view: 3 })
  })

  it('a replica that answered tentatively sends no second reply at commit, unless the client asked again', () => {
    const cluster = new Cluster({ n: 4, tentative: true })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    for (const id of cluster.members) expect(cluster.appliedCommands(id)).toHaveLength(1)
    expect(tentativeReplies(cluster, 'alice', 1)).toHaveLength(4)
    expect(committedReplies(cluster, 'alice', 1)).toHaveLength(0)

    // bob's request: R3's commits are lost, so R3 stays prepared while the client retransmits.
    cluster.dropIf = (envelope) => envelope.message.type === 'Commit' && envelope.to === 'R3'
    cluster.request('bob', 1, put('y', '2'), ['R0'])
    cluster.deliverAll()
    expect(tentativeReplies(cluster, 'bob', 1)).toHaveLength(4)
    cluster.request('bob', 1, put('y', '2'), cluster.members)
    cluster.deliverAll()
    // The three that had committed answer from their reply cache; R3 will answer when it commits.
    expect(committedReplies(cluster, 'bob', 1).map((reply) => reply.replica).sort()).toEqual(['R0', 'R1', 'R2'])
    cluster.dropIf = undefined
    cluster.run(8)
    expect(committedReplies(cluster, 'bob', 1).map((reply) => reply.replica)).toContain('R3')
  })

  it('a view change voids tentative execution; the batch prepared at 2f+1 is re-proposed and answered again in the new view', () => {
    const cluster = new Cluster({ n: 4, tentative: true })
    cluster.dropIf = (envelope) => envelope.message.type === 'Commit' && envelope.message.view === 0
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    expect(tentativeReplies(cluster, 'alice', 1).map((reply) => reply.view)).toEqual([0, 0, 0, 0])
    cluster.crash('R0')
    cluster.request('alice', 1, put('x', '1'), ['R1', 'R2', 'R3'])
    cluster.run(40)
    for (const id of ['R1', 'R2', 'R3']) {
      expect(cluster.notes(id, 'tentative-dropped')).not.toEqual([])
      expect(cluster.core(id).status()).toMatchObject({ view: 1, role: id === 'R1' ? 'primary' : 'backup' })
      expect(cluster.appliedCommands(id)).toEqual([`alice:1:${JSON.stringify(put('x', '1'))}`])
    }
    // Committed in view 1 (the tentative replies of view 0 were sent, so the committed ones go to the client that asked again).
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true } })
  })

  it('the mutation tentativeBeforePrepared answers before the prepare phase (what the simulator must catch)', () => {
    const cluster = new Cluster({ n: 4, tentative: true, core: { mutations: { tentativeBeforePrepared: true } } })
    cluster.dropIf = (envelope) => envelope.message.type === 'Prepare'
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    expect(tentativeReplies(cluster, 'alice', 1)).toHaveLength(4)
    const correct = new Cluster({ n: 4, tentative: true })
    correct.dropIf = (envelope) => envelope.message.type === 'Prepare'
    correct.request('alice', 1, put('x', '1'), ['R0'])
    correct.deliverAll()
    expect(tentativeReplies(correct, 'alice', 1)).toHaveLength(0)
  })
})

describe('TentativeState: tentative results without touching the committed state', () => {
  const batch = (seq: number, commands: Command[]): TentativeBatch => ({
    seq, view: 0, requests: commands.map((command, index) => ({ command, tag: { clientId: `c${index}`, seq } })),
  })
  const commands: Command[][] = [
    [{ op: 'put', key: 'a', value: '1' }, { op: 'get', key: 'a' }, { op: 'delete', key: 'b' }],
    [{ op: 'cas', key: 'a', expected: '1', value: '2' }, { op: 'cas', key: 'a', expected: '1', value: '3' }, { op: 'delete', key: 'a' }],
    [{ op: 'get', key: 'a' }, { op: 'put', key: 'b', value: 'x' }, { op: 'noop' }, { op: 'get', key: 'b' }],
  ]

  it('gives exactly the results the key-value store gives when the batches commit, revisions included', () => {
    const committed = new KeyValueStore()
    committed.apply(1, 0, { op: 'put', key: 'b', value: 'old' })
    const state = new TentativeState()
    const tentative = commands.map((commandsOfBatch, index) => state.execute(batch(index + 2, commandsOfBatch), 1, committedReaderOf(committed)))
    expect(committed.revision).toBe(1)
    let index = 1
    const real = commands.map((commandsOfBatch) => commandsOfBatch.map((command) => committed.apply(++index, 0, command)))
    expect(tentative).toEqual(real)
  })

  it('drops batches on demand and as they commit; a write it cannot evaluate makes every later result unknown', () => {
    const committed = new KeyValueStore()
    const state = new TentativeState()
    const reader = committedReaderOf(committed)
    state.execute(batch(1, [put('a', '1')]), 0, reader)
    expect(state.execute(batch(2, [{ op: 'get', key: 'a' }]), 0, reader)).toEqual([{ ok: true, value: '1', revision: 1 }])
    state.drop()
    expect(state.execute(batch(1, [{ op: 'get', key: 'a' }]), 0, reader)).toEqual([{ ok: true, value: null, revision: 0 }])
    committed.apply(1, 0, put('a', 'c'))
    state.committedThrough(1)
    expect(state.depth).toBe(0)
    // A batch that does not follow the last one is refused (and everything kept is dropped).
    expect(state.execute(batch(5, [{ op: 'get', key: 'a' }]), 1, reader)).toBeUndefined()
    const leased = state.execute(batch(2, [{ op: 'put', key: 'a', value: 'v', lease: 'l1' }, { op: 'get', key: 'a' }]), 1, reader)
    expect(leased).toEqual([undefined, undefined])
    expect(state.execute(batch(3, [{ op: 'get', key: 'z' }]), 1, reader)).toEqual([undefined])
  })
})
