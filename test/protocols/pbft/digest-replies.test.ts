/**
 * Digest replies (Castro & Liskov, TOCS 2002 §5.1.1): "a client request designates a replica to
 * send the result. This replica may be chosen randomly ... All other replicas send replies
 * containing just the digest of the result. ... the client [accepts] the result if it receives
 * f+1 matching replies [2f+1 tentative] of which one contains the result. If the client does not
 * receive a correct result from the designated replica, it retransmits the request ... and
 * requests all replicas to send replies with the result."
 */
import { describe, expect, it } from 'vitest'
import { ReplyQuorum, designatedReplier } from '../../../src-main/protocols/pbft/client.js'
import { resultDigestOf } from '../../../src-main/protocols/pbft/canonical.js'
import type { Reply } from '../../../src-main/protocols/pbft/types.js'
import type { CommandResult } from '../../../src-main/protocols/types.js'
import { Cluster, put } from './harness.js'

const repliesTo = (cluster: Cluster, clientId: string, seq: number): Reply[] =>
  cluster.replies.filter((reply) => reply.clientId === clientId && reply.timestamp === seq)

/** A client id whose first request the given replica is designated for. */
function clientDesignating(members: string[], replica: string): string {
  for (let index = 0; index < 1000; index += 1) if (designatedReplier(members, `c${index}`, 1) === replica) return `c${index}`
  throw new Error(`no client designates ${replica}`)
}

describe('PBFT digest replies (TOCS §5.1.1)', () => {
  it('only the designated replica sends the result; the others its digest; the client accepts them together', () => {
    const cluster = new Cluster({ n: 4, tentative: true, core: { digestReplies: true } })
    const clientId = clientDesignating(cluster.members, 'R2')
    cluster.request(clientId, 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    const replies = repliesTo(cluster, clientId, 1)
    expect(replies.filter((reply) => reply.result !== undefined).map((reply) => reply.replica)).toEqual(['R2'])
    const full = replies.find((reply) => reply.replica === 'R2')!.result!
    const digest = resultDigestOf(cluster.crypto.digest, full)
    expect(replies.filter((reply) => reply.result === undefined).map((reply) => reply.resultDigest)).toEqual([digest, digest, digest])
    expect(cluster.accepted(clientId, 1)).toMatchObject({ result: full, tentative: true })
  })

  it('with the designated replica silent the client has matching digests and no result; asked again, every replica answers in full', () => {
    const members = ['R0', 'R1', 'R2', 'R3']
    const clientId = clientDesignating(members, 'R3')
    const cluster = new Cluster({ n: 4, tentative: true, core: { digestReplies: true }, byzantine: { R3: 'silent' } })
    cluster.request(clientId, 1, put('x', '1'), ['R0'])
    cluster.run(4)
    expect(repliesTo(cluster, clientId, 1).every((reply) => reply.result === undefined)).toBe(true)
    expect(cluster.accepted(clientId, 1)).toBeUndefined()
    cluster.request(clientId, 1, put('x', '1'), members)
    cluster.deliverAll()
    expect(cluster.accepted(clientId, 1)).toMatchObject({ result: { ok: true } })
  })

  it('f liars cannot make the client accept a wrong result, in full or by digest', () => {
    const digest = (bytes: Uint8Array) => `d${Buffer.from(bytes).toString('hex')}`
    const right: CommandResult = { ok: true, value: 'right' }
    const wrong: CommandResult = { ok: true, value: 'wrong' }
    const reply = (replica: string, result: CommandResult, full: boolean): Reply => ({
      type: 'Reply', view: 0, timestamp: 1, clientId: 'bob', replica, index: 0,
      ...(full ? { result } : { resultDigest: resultDigestOf(digest, result) }),
    })
    // f = 1: the liar R3 answers in full with a wrong result, then again by the wrong digest.
    const quorum = new ReplyQuorum('bob', 1, 1, digest)
    expect(quorum.add(reply('R3', wrong, true))).toBeUndefined()
    expect(quorum.add(reply('R3', wrong, false))).toBeUndefined()
    // Two honest digests of the right result: enough replicas, but no one has sent it in full yet.
    expect(quorum.add(reply('R0', right, false))).toBeUndefined()
    expect(quorum.add(reply('R1', right, false))).toBeUndefined()
    // A full reply is matched by its own digest: claiming the right digest with a wrong result does not count.
    expect(quorum.add({ ...reply('R3', wrong, true), resultDigest: resultDigestOf(digest, right) })).toBeUndefined()
    expect(quorum.add(reply('R2', right, true))).toMatchObject({ result: right, replicas: ['R0', 'R1', 'R2'] })
  })

  it('the full result may come in a reply of another kind: 2f+1 tentative digests and the designated replica\'s committed reply', () => {
    const digest = (bytes: Uint8Array) => `d${Buffer.from(bytes).toString('hex')}`
    const result: CommandResult = { ok: true, revision: 1 }
    const base = { type: 'Reply' as const, view: 0, timestamp: 1, clientId: 'bob', index: 0 }
    const quorum = new ReplyQuorum('bob', 1, 1, digest)
    // Under load the designated replica committed before it executed tentatively; the others answered tentatively, by digest.
    for (const replica of ['R0', 'R1', 'R3']) expect(quorum.add({ ...base, replica, tentative: true, resultDigest: resultDigestOf(digest, result) })).toBeUndefined()
    expect(quorum.add({ ...base, replica: 'R2', result })).toMatchObject({ result, tentative: true, replicas: ['R0', 'R1', 'R3'] })
  })
})
