/**
 * PBFT by bytes: a pre-prepare's batch, a forwarded Request and a state transfer are capped by
 * bytes (at least one request or batch each, so progress never stops), and the certificates a
 * view change carries (up to L prepared pre-prepares in each of 2f+1 view-changes, plus O) fit in a
 * frame because the batch budget is derived from n, f and L (pbftBatchBytesMax).
 */
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { clientIdBytesMax, encodedBytesMax, messageBytesMax } from '../../../src-main/protocols/common/wire-budget.js'
import { sign } from '../../../src-main/protocols/pbft/auth.js'
import { batchDigest } from '../../../src-main/protocols/pbft/canonical.js'
import { logWindowFor, maxFaults, pbftBatchBytesMax, pbftRequestBytesMax } from '../../../src-main/protocols/pbft/config.js'
import type { CatchUp, ClientRequest, NewView, PrePrepare, RequestMessage } from '../../../src-main/protocols/pbft/types.js'
import { Cluster, put } from './harness.js'

const packr = new Packr({ useRecords: false, mapsAsObjects: true })
const value = (bytes: number, tag: string | number): string => `${tag}:`.padEnd(bytes, 'v')
const proposal = (index: number, bytes: number) => ({ command: put(`k${index}`, value(bytes, index)), tag: { clientId: `c${index}`, seq: 1 } })

describe('PBFT batches are capped by bytes', () => {
  it('the primary fills a pre-prepare up to batchBytesMax, and every request executes', () => {
    const batchBytesMax = 4096
    const cluster = new Cluster({ n: 4, core: { batchBytesMax, batchMax: 64, logWindowMax: 64, checkpointInterval: 16 } })
    cluster.propose('R0', Array.from({ length: 24 }, (_, index) => proposal(index, 1000)))
    const batches = cluster.messagesOfType('PrePrepare').filter((envelope) => envelope.to === 'R1').map((envelope) => (envelope.message as PrePrepare).batch)
    expect(batches.length).toBeGreaterThan(5)
    for (const batch of batches) expect(encodedBytesMax(batch)).toBeLessThanOrEqual(batchBytesMax)
    cluster.deliverAll()
    for (const id of cluster.members) expect(cluster.applied.get(id)!.length, id).toBe(24)
  })

  it('a request too large for any batch is refused at intake; a pre-prepare carrying one is dropped as malformed', () => {
    const batchBytesMax = 4096
    const cluster = new Cluster({ n: 4, core: { batchBytesMax, logWindowMax: 64, checkpointInterval: 16 } })
    const big = proposal(1, 6000)
    expect(cluster.propose('R0', [big]).rejections).toEqual([{ kind: 'proposal', tag: big.tag, reason: 'dropped' }])
    expect(cluster.messagesOfType('PrePrepare')).toEqual([])
    const forged = sign<PrePrepare>(cluster.crypto, cluster.members, { type: 'PrePrepare', view: 0, seq: 1, digest: batchDigest(cluster.crypto, [big]), batch: [big], replica: 'R0' })
    cluster.step('R1', { kind: 'message', from: 'R0', message: forged })
    expect(cluster.notes('R1', 'malformed')).not.toEqual([])
    expect(cluster.messagesOfType('Prepare')).toEqual([])
  })

  it('a backup forwards what clients sent it in Request messages of at most batchBytesMax', () => {
    const batchBytesMax = 4096
    const cluster = new Cluster({ n: 4, core: { batchBytesMax, batchMax: 64, logWindowMax: 64, checkpointInterval: 16 } })
    cluster.propose('R1', Array.from({ length: 20 }, (_, index) => proposal(index, 1000)))
    const forwarded = cluster.messagesOfType('Request').filter((envelope) => envelope.from === 'R1').map((envelope) => (envelope.message as RequestMessage).requests)
    expect(forwarded.length).toBeGreaterThan(3)
    for (const requests of forwarded) expect(encodedBytesMax(requests)).toBeLessThanOrEqual(batchBytesMax)
    cluster.deliverAll()
    for (const id of cluster.members) expect(cluster.applied.get(id)!.length, id).toBe(20)
  })

  it('a replica far behind catches up through several CatchUp messages of at most catchUpBytesMax, each checked against the checkpoint digest', () => {
    const catchUpBytesMax = 8 * 1024
    const cluster = new Cluster({ n: 4, core: { catchUpBytesMax, batchMax: 1 } })
    cluster.dropIf = (envelope) => envelope.to === 'R3' || envelope.from === 'R3'
    for (let index = 1; index <= 10; index += 1) cluster.request(`c${index}`, 1, put(`k${index}`, value(2000, index)), ['R0'])
    cluster.deliverAll()
    expect(cluster.executedSeq('R0')).toBe(10)
    cluster.dropIf = undefined
    const catchUps: CatchUp[] = []
    const deliver = cluster.deliverOne.bind(cluster)
    cluster.deliverOne = (match) => {
      const envelope = deliver(match)
      if (envelope?.message.type === 'CatchUp' && envelope.to === 'R3') catchUps.push(envelope.message)
      return envelope
    }
    cluster.run(20)
    expect(cluster.executedSeq('R3')).toBe(10)
    expect(cluster.kv.get('R3')).toEqual(cluster.kv.get('R0'))
    const carrying = catchUps.filter((message) => message.batches.length > 0)
    expect(carrying.length).toBeGreaterThan(1)
    for (const message of carrying) if (message.batches.length > 1) expect(encodedBytesMax(message.batches)).toBeLessThanOrEqual(catchUpBytesMax)
    expect(cluster.disagreements(cluster.members)).toEqual([])
  })

  it('a CatchUp whose trailing digests do not chain to the checkpoint is rejected', () => {
    const cluster = new Cluster({ n: 4, core: { catchUpBytesMax: 1, batchMax: 1 } })
    cluster.dropIf = (envelope) => envelope.to === 'R3' || envelope.from === 'R3'
    for (let index = 1; index <= 4; index += 1) cluster.request(`c${index}`, 1, put(`k${index}`, `v${index}`), ['R0'])
    cluster.deliverAll()
    cluster.dropIf = undefined
    cluster.tick(['R3'], 5)
    const status = cluster.queue.find((envelope) => envelope.from === 'R3' && envelope.to === 'R1' && envelope.message.type === 'Status')!
    cluster.queue = []
    cluster.step('R1', { kind: 'message', from: 'R3', message: status.message })
    const honest = cluster.queue.find((envelope) => envelope.to === 'R3' && envelope.message.type === 'CatchUp')!.message as CatchUp
    expect(honest.batches).toHaveLength(1)
    expect(honest.digests).toHaveLength(3)
    const forged: CatchUp = { ...honest, digests: [...honest.digests.slice(0, 2), 'forged'] }
    cluster.step('R3', { kind: 'message', from: 'R1', message: forged })
    expect(cluster.executedSeq('R3')).toBe(0)
  })
})

describe('view-change certificates fit in a frame', () => {
  /** The largest NewView a view change can build: every slot of the window prepared, with full batches and every prepare. */
  function worstNewView(n: number, checkpointInterval: number): NewView {
    const f = maxFaults(n)
    const window = logWindowFor(checkpointInterval)
    const batchBytes = pbftBatchBytesMax(n, f, window)
    const name = (index: number) => `${'n'.repeat(30)}${String(index).padStart(2, '0')}`
    const digest = 'd'.repeat(44)
    const auth = Array.from({ length: n }, () => digest)
    const request: ClientRequest = { command: put('k', ''), tag: { clientId: 'p1', seq: 1 } }
    const fill = batchBytes - encodedBytesMax([request])
    const batch: ClientRequest[] = [{ ...request, command: put('k', 'v'.repeat(Math.max(0, fill))) }]
    expect(encodedBytesMax(batch)).toBeLessThanOrEqual(batchBytes)
    const big = 2 ** 40
    const prePrepare = (seq: number): PrePrepare => ({ type: 'PrePrepare', view: big, seq: big + seq, digest, batch, replica: name(0), auth })
    const prepares = Array.from({ length: n - 1 }, (_, index) => ({ type: 'Prepare' as const, view: big, seq: big, digest, replica: name(index + 1), auth }))
    const checkpoints = Array.from({ length: n }, (_, index) => ({ type: 'Checkpoint' as const, seq: big, digest, replica: name(index), auth }))
    const viewChanges = Array.from({ length: 2 * f + 1 }, (_, index) => ({
      type: 'ViewChange' as const, view: big, stableSeq: big, stableDigest: digest, checkpointProof: checkpoints,
      prepared: Array.from({ length: window }, (_, seq) => ({ prePrepare: prePrepare(seq), prepares })), replica: name(index), auth,
    }))
    const acks = viewChanges.flatMap((viewChange) =>
      Array.from({ length: n - 1 }, (_, index) => ({ type: 'ViewChangeAck' as const, view: big, subject: viewChange.replica, digest, replica: name(index + 1), auth })),
    )
    return { type: 'NewView', view: big, viewChanges, acks, prePrepares: Array.from({ length: window }, (_, seq) => prePrepare(seq)), replica: name(0), auth }
  }

  for (const [n, checkpointInterval] of [[4, 32], [7, 32], [10, 64], [13, 32], [4, 256]] as const) {
    it(`with ${n} replicas and checkpointInterval ${checkpointInterval}, the largest new-view encodes within a frame`, () => {
      const encoded = packr.pack({ v: 1, from: 'x'.repeat(32), to: 'y'.repeat(32), m: worstNewView(n, checkpointInterval) })
      expect(encoded.length).toBeLessThanOrEqual(messageBytesMax)
      // ... and not far below it: the budget is not wasted.
      expect(encoded.length).toBeGreaterThan(messageBytesMax * 0.6)
    })
  }

  it('a command of pbftRequestBytesMax, with the longest client id, fits in a batch of one', () => {
    for (const n of [4, 7, 15]) {
      const window = logWindowFor(32)
      const limit = pbftRequestBytesMax(n, maxFaults(n), window)
      const command = put('k', '')
      const filled = put('k', 'v'.repeat(limit - encodedBytesMax(command)))
      expect(encodedBytesMax(filled)).toBe(limit)
      expect(encodedBytesMax([{ command: filled, tag: { clientId: 'c'.repeat(clientIdBytesMax), seq: 2 ** 40 } }])).toBeLessThanOrEqual(pbftBatchBytesMax(n, maxFaults(n), window))
    }
  })
})
