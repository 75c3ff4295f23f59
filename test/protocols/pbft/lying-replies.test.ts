/**
 * Byzantine replicas that lie to clients (the 'lie-reply' and 'lie-reply-digest' behaviours):
 * "the client waits for f+1 replies from different replicas with the same result ... this ensures
 * that the result is valid, since at most f replicas can be faulty" (Castro & Liskov, OSDI 1999
 * §4.1); 2f+1 for tentative and read-only replies (TOCS 2002 §5.1.3); and with digest replies "one
 * contains the result" (§5.1.1). Every liar forges the same result, so f of them agree: the client
 * is safe only because it waits for one more.
 */
import { describe, expect, it } from 'vitest'
import { forgedResult } from '../../../src-main/protocols/pbft/byzantine.js'
import { ReplyQuorum, designatedReplier } from '../../../src-main/protocols/pbft/client.js'
import { resultDigestOf } from '../../../src-main/protocols/pbft/canonical.js'
import { pbftDefaults } from '../../../src-main/protocols/pbft/config.js'
import type { Reply } from '../../../src-main/protocols/pbft/types.js'
import { Cluster, put } from './harness.js'

const lie = pbftDefaults.forgedValue
const repliesTo = (cluster: Cluster, clientId: string, seq: number): Reply[] =>
  cluster.replies.filter((reply) => reply.clientId === clientId && reply.timestamp === seq)

/** A client id whose first request the given replica is designated for. */
function clientDesignating(members: string[], replica: string): string {
  for (let index = 0; index < 1000; index += 1) if (designatedReplier(members, `c${index}`, 1) === replica) return `c${index}`
  throw new Error(`no client designates ${replica}`)
}

/** What a client that trusted `quorum` matching committed replies (instead of f+1) would accept. */
function acceptedWith(cluster: Cluster, quorum: number, clientId: string, seq: number) {
  const client = new ReplyQuorum(clientId, seq, quorum - 1, cluster.crypto.digest)
  for (const reply of repliesTo(cluster, clientId, seq)) {
    const accepted = client.add(reply)
    if (accepted !== undefined) return accepted
  }
  return undefined
}

describe('forgedResult: the lie a reply liar tells is one the history shows', () => {
  it('a read returns the forged value, a write is said refused, a refused compare-and-set is said done', () => {
    expect(forgedResult({ ok: true, value: 'real', revision: 3 }, lie)).toEqual({ ok: true, value: lie, revision: 3 })
    expect(forgedResult({ ok: true, value: null }, lie)).toEqual({ ok: true, value: lie })
    expect(forgedResult({ ok: true, revision: 4 }, lie)).toMatchObject({ ok: false, error: 'invalid' })
    expect(forgedResult({ ok: false, error: 'cas-mismatch', value: 'x' }, lie)).toEqual({ ok: true })
    expect(forgedResult({ ok: true, entries: [] }, lie)).toEqual({ ok: true, entries: [['forged', lie]] })
  })
})

describe('PBFT replicas that lie in their replies', () => {
  it('a lie-reply replica answers committed requests and read-only gets with the forged result; the client accepts the honest one', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R3: 'lie-reply' } })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    const liar = repliesTo(cluster, 'alice', 1).find((reply) => reply.replica === 'R3')
    expect(liar?.result).toMatchObject({ ok: false, error: 'invalid' })
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true }, tentative: false })
    expect(cluster.accepted('alice', 1)?.replicas).not.toContain('R3')

    cluster.readOnly('bob', 1, 'x')
    cluster.deliverAll()
    const reads = repliesTo(cluster, 'bob', 1)
    expect(reads.find((reply) => reply.replica === 'R3')?.result).toEqual({ ok: true, value: lie, revision: undefined })
    expect(cluster.accepted('bob', 1)).toMatchObject({ result: { ok: true, value: '1' }, readOnly: true })
  })

  it('f liars agree on one forged result: f+1 matching replies reject it, a client trusting f would accept it', () => {
    // n = 7, f = 2: the liars R5 and R6 send matching forged replies, and answer first.
    const cluster = new Cluster({ n: 7, byzantine: { R5: 'lie-reply', R6: 'lie-reply' } })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    const replies = repliesTo(cluster, 'alice', 1)
    const lies = replies.filter((reply) => reply.replica === 'R5' || reply.replica === 'R6')
    expect(lies).toHaveLength(2)
    expect(lies[0].result).toEqual(lies[1].result)
    // The liars' replies reach the client first.
    cluster.replies.sort((a, b) => Number(b.replica >= 'R5') - Number(a.replica >= 'R5'))
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true } })
    expect(acceptedWith(cluster, cluster.f, 'alice', 1)).toMatchObject({ result: { ok: false, error: 'invalid' } })
  })

  it('with digest replies, a designated liar sends the forged result in full and the honest digests never match it', () => {
    const members = ['R0', 'R1', 'R2', 'R3']
    const clientId = clientDesignating(members, 'R3')
    const cluster = new Cluster({ n: 4, core: { digestReplies: true }, byzantine: { R3: 'lie-reply' } })
    cluster.request(clientId, 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    const full = repliesTo(cluster, clientId, 1).filter((reply) => reply.result !== undefined)
    expect(full.map((reply) => [reply.replica, reply.result?.ok])).toEqual([['R3', false]])
    // Matching honest digests, but the only full result is the lie: the client waits and asks again.
    expect(cluster.accepted(clientId, 1)).toBeUndefined()
    cluster.request(clientId, 1, put('x', '1'), members)
    cluster.deliverAll()
    expect(cluster.accepted(clientId, 1)).toMatchObject({ result: { ok: true } })
  })

  it('a lie-reply-digest replica sends honest full results and the digest of the forged one: it matches a lie-reply liar, never the truth', () => {
    const members = ['R0', 'R1', 'R2', 'R3', 'R4', 'R5', 'R6']
    const clientId = clientDesignating(members, 'R6')
    const cluster = new Cluster({ n: 7, core: { digestReplies: true }, byzantine: { R5: 'lie-reply-digest', R6: 'lie-reply' } })
    cluster.request(clientId, 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    const byReplica = new Map(repliesTo(cluster, clientId, 1).map((reply) => [reply.replica, reply]))
    const forged = byReplica.get('R6')!.result!
    expect(forged).toMatchObject({ ok: false })
    expect(byReplica.get('R5')!.resultDigest).toBe(resultDigestOf(cluster.crypto.digest, forged))
    expect(byReplica.get('R0')!.resultDigest).not.toBe(byReplica.get('R5')!.resultDigest)
    // Two liars (f) agree on the lie with its full result; honest digests but no honest full result.
    expect(cluster.accepted(clientId, 1)).toBeUndefined()
    expect(acceptedWith(cluster, cluster.f, clientId, 1)).toMatchObject({ result: forged })
    // Asked again, the lie-reply-digest replica answers honestly in full, as do the honest ones.
    cluster.request(clientId, 1, put('x', '1'), members)
    cluster.deliverAll()
    expect(cluster.accepted(clientId, 1)).toMatchObject({ result: { ok: true } })
  })
})
