/**
 * §4.3: water marks, checkpoints, garbage collection; plus retransmission and state transfer for
 * replicas that missed messages (test options: K = 4, L = 8).
 */
import { describe, expect, it } from 'vitest'
import { sign } from '../../../src-main/protocols/pbft/auth.js'
import { batchDigest } from '../../../src-main/protocols/pbft/canonical.js'
import type { CatchUp, PrePrepare } from '../../../src-main/protocols/pbft/types.js'
import { Cluster, put } from './harness.js'

function requestsOneByOne(cluster: Cluster, count: number, to = 'R0'): void {
  for (let index = 1; index <= count; index += 1) cluster.request(`c${index}`, 1, put(`k${index}`, `v${index}`), [to])
}

describe('PBFT water marks and checkpoints (§4.3)', () => {
  it('the primary assigns sequence numbers only up to the high water mark h + L', () => {
    const cluster = new Cluster({ n: 4 })
    requestsOneByOne(cluster, 12)
    const seqs = cluster.messagesOfType('PrePrepare').filter((e) => e.to === 'R1').map((e) => (e.message as PrePrepare).seq)
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(cluster.core('R0').status()).toMatchObject({ lowWaterMark: 0, highWaterMark: 8, pendingRequests: 4 })
    // Executing to 8 makes checkpoint 8 stable; h moves to 8 and the 4 waiting requests go out in one batch.
    cluster.deliverAll()
    for (const id of cluster.members) {
      expect(cluster.core(id).status()).toMatchObject({ commitIndex: 9, appliedIndex: 12, lowWaterMark: 8 })
    }
  })

  it('a backup ignores a pre-prepare outside (h, h + L]', () => {
    const cluster = new Cluster({ n: 4 })
    const batch = [{ command: put('x', '1'), tag: { clientId: 'alice', seq: 1 } }]
    for (const seq of [0, 9]) {
      const message = sign<PrePrepare>(cluster.crypto, cluster.members, {
        type: 'PrePrepare', view: 0, seq, digest: batchDigest(cluster.crypto, batch), batch, replica: 'R0',
      })
      const ready = cluster.step('R1', { kind: 'message', from: 'R0', message })
      expect(ready.messages).toEqual([])
      expect(ready.persist).toEqual([])
    }
  })

  it('a checkpoint becomes stable with 2f+1 matching checkpoint messages, not fewer', () => {
    const cluster = new Cluster({ n: 4 })
    requestsOneByOne(cluster, 4)
    cluster.deliverAll((e) => e.message.type !== 'Checkpoint')
    expect(cluster.executedSeq('R1')).toBe(4)
    expect(cluster.core('R1').status().lowWaterMark).toBe(0)
    cluster.deliverOne((e) => e.to === 'R1' && e.from === 'R2' && e.message.type === 'Checkpoint')
    expect(cluster.core('R1').status().lowWaterMark).toBe(0)
    cluster.deliverOne((e) => e.to === 'R1' && e.from === 'R3' && e.message.type === 'Checkpoint')
    expect(cluster.core('R1').status().lowWaterMark).toBe(4)
    expect(cluster.notes('R1', 'checkpoint-stable')).toEqual(['checkpoint-stable seq=4'])
    const record = cluster.wal.get('R1')?.find((r) => r.type === 'stable-checkpoint')
    expect(record?.type === 'stable-checkpoint' && record.proof.map((c) => c.replica)).toEqual(['R1', 'R2', 'R3'])
  })

  it('a stable checkpoint garbage-collects the log below it', () => {
    const cluster = new Cluster({ n: 4 })
    requestsOneByOne(cluster, 5)
    cluster.deliverAll()
    expect(cluster.core('R2').status().lowWaterMark).toBe(4)
    // Messages for collected sequence numbers are no longer accepted.
    const batch = [{ command: put('x', '1'), tag: { clientId: 'late', seq: 1 } }]
    const stale = sign<PrePrepare>(cluster.crypto, cluster.members, {
      type: 'PrePrepare', view: 0, seq: 3, digest: batchDigest(cluster.crypto, batch), batch, replica: 'R0',
    })
    expect(cluster.step('R2', { kind: 'message', from: 'R0', message: stale }).messages).toEqual([])
  })

  it('checkpoint digests are a hash chain of the executed batches, equal at every replica', () => {
    const cluster = new Cluster({ n: 4 })
    requestsOneByOne(cluster, 8)
    cluster.deliverAll()
    const digests = new Set(cluster.members.map((id) => cluster.core(id).status().checkpointDigest))
    expect(digests.size).toBe(1)
  })
})

describe('PBFT retransmission and state transfer', () => {
  it('a replica that lost messages gets them again through the status exchange', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.dropIf = (e) => e.to === 'R3' && e.message.type === 'Commit'
    requestsOneByOne(cluster, 2)
    cluster.deliverAll()
    expect(cluster.executedSeq('R3')).toBe(0)
    cluster.dropIf = undefined
    cluster.run(12)
    expect(cluster.executedSeq('R3')).toBe(2)
    expect(cluster.kv.get('R3')).toEqual(cluster.kv.get('R0'))
  })

  it('a replica behind the stable checkpoint catches up by state transfer, checked against the checkpoint digest', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.dropIf = (e) => e.to === 'R3' || e.from === 'R3'
    requestsOneByOne(cluster, 10)
    cluster.deliverAll()
    // 8 batches fill the window; the last two requests share seq 9 once checkpoint 8 is stable.
    expect(cluster.executedSeq('R0')).toBe(9)
    expect(cluster.executedSeq('R3')).toBe(0)
    cluster.dropIf = undefined
    cluster.run(12)
    expect(cluster.notes('R3', 'state-transfer seq=1..8')).toHaveLength(1)
    expect(cluster.executedSeq('R3')).toBe(9)
    expect(cluster.kv.get('R3')).toEqual(cluster.kv.get('R0'))
    expect(cluster.disagreements(cluster.members)).toEqual([])
  })

  it('state transfer with batches that do not hash to the checkpoint digest is rejected', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.dropIf = (e) => e.to === 'R3' || e.from === 'R3'
    requestsOneByOne(cluster, 4)
    cluster.deliverAll()
    cluster.dropIf = undefined
    const stable = cluster.wal.get('R1')?.find((r) => r.type === 'stable-checkpoint')
    if (stable?.type !== 'stable-checkpoint') throw new Error('R1 has no stable checkpoint')
    const forged = [{ command: put('k1', 'TRANSFER $1000 Alice->Malicious'), tag: { clientId: 'c1', seq: 1 } }]
    const message = sign<CatchUp>(cluster.crypto, cluster.members, {
      type: 'CatchUp', fromSeq: 1, toSeq: 4, toDigest: stable.digest, proof: stable.proof, batches: [forged, [], [], []], digests: [], replica: 'R1',
    })
    cluster.step('R3', { kind: 'message', from: 'R1', message })
    expect(cluster.notes('R3', 'catch-up from=R1 rejected')).toHaveLength(1)
    expect(cluster.executedSeq('R3')).toBe(0)
    // The stable checkpoint itself was proven, so the window moved.
    expect(cluster.core('R3').status().lowWaterMark).toBe(4)
  })
})
