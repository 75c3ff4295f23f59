/**
 * Byzantine replicas. Each behaviour is checked twice: that it really changes what the replica
 * sends, and that with at most f such replicas the honest ones still agree, execute only what
 * clients asked, and answer every client (f+1 matching replies). Then the paper's bound: with
 * f+1 colluding liars (scenario 7b), two honest replicas execute different requests at one
 * sequence number.
 */
import { describe, expect, it } from 'vitest'
import { victimsOf } from '../../../src-main/protocols/pbft/byzantine.js'
import { byzantineKinds } from '../../../src-main/protocols/pbft/types.js'
import type { ByzantineBehaviour, ByzantineKind, PrePrepare } from '../../../src-main/protocols/pbft/types.js'
import type { Command } from '../../../src-main/protocols/types.js'
import { ClosedLoopClients, Cluster, put, validityViolations } from './harness.js'
import type { Envelope } from './harness.js'

const forgedTransfer = 'TRANSFER $1000 Alice->Malicious'
const aliceToBob: Command = put('transfer', 'TRANSFER $100 Alice->Bob')

function runClients(cluster: Cluster, clients: ClosedLoopClients, ticksMax = 600): void {
  for (let tick = 0; tick < ticksMax && !clients.finished(); tick += 1) {
    clients.advance()
    cluster.tick()
    cluster.deliverAll()
  }
}

function expectHonestAgreementAndService(cluster: Cluster, clients: ClosedLoopClients): void {
  const honest = cluster.honest()
  expect(clients.finished()).toBe(true)
  expect(cluster.disagreements(honest)).toEqual([])
  expect(validityViolations(cluster, clients.proposed, honest)).toEqual([])
  // Every result the clients accepted was applied by at least f+1 honest replicas.
  for (const key of clients.results.keys()) {
    const appliedBy = honest.filter((id) => cluster.applied.get(id)?.some((e) => `${e.tag?.clientId}:${e.tag?.seq}` === key))
    expect(appliedBy.length, key).toBeGreaterThanOrEqual(cluster.f + 1)
  }
}

/** Records every message a replica sends, including ones the test drops. */
function recordSent(cluster: Cluster, from: string): Envelope[] {
  const sent: Envelope[] = []
  const previous = cluster.dropIf
  cluster.dropIf = (e) => {
    if (e.from === from) sent.push(e)
    return previous?.(e) ?? false
  }
  return sent
}

describe('PBFT tolerates f Byzantine replicas (n = 4, f = 1)', () => {
  const placements: [ByzantineKind, string][] = byzantineKinds.flatMap((kind) => [[kind, 'R0'], [kind, 'R2']] as [ByzantineKind, string][])
  it.each(placements)('%s at %s: honest replicas agree, execute only client requests, and answer every client', (kind, at) => {
    const cluster = new Cluster({ n: 4, byzantine: { [at]: kind } })
    const clients = new ClosedLoopClients(cluster, 3, 4)
    runClients(cluster, clients)
    expectHonestAgreementAndService(cluster, clients)
  })
})

describe('each Byzantine behaviour is real output, not a label', () => {
  it('silent: the replica sends nothing and builds no replies', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R2: 'silent' } })
    const sent = recordSent(cluster, 'R2')
    cluster.request('alice', 1, put('x', '1'), ['R0', 'R2'])
    cluster.run(30)
    expect(sent).toEqual([])
    expect(cluster.executedSeq('R2')).toBe(1)
    expect(cluster.replies.filter((r) => r.replica === 'R2')).toEqual([])
  })

  it('equivocate as primary: the victim half gets a forged batch with a valid MAC', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: 'equivocate' } })
    expect([...victimsOf({}, 'R0', cluster.members)]).toEqual(['R3'])
    cluster.request('alice', 1, aliceToBob, ['R0'])
    const byReceiver = new Map(cluster.messagesOfType('PrePrepare').map((e) => [e.to, e.message as PrePrepare]))
    expect(byReceiver.get('R1')?.batch[0].command).toEqual(aliceToBob)
    expect(byReceiver.get('R3')?.batch[0].command).toEqual(put('transfer', forgedTransfer))
    expect(byReceiver.get('R3')?.digest).not.toBe(byReceiver.get('R1')?.digest)
    cluster.deliverAll()
    // R1 and R2 commit the real transfer with the primary; the victim prepares the forgery but cannot.
    expect(cluster.kv.get('R1')?.get('transfer')).toBe('TRANSFER $100 Alice->Bob')
    expect(cluster.kv.get('R3')?.get('transfer')).toBeUndefined()
    expect(cluster.notes('R3', 'auth-failed')).toEqual([])
  })

  it('equivocate as backup: victims get prepares and commits with the forged digest', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R1: 'equivocate' } })
    const sent = recordSent(cluster, 'R1')
    cluster.request('alice', 1, aliceToBob, ['R0'])
    cluster.deliverAll()
    const digests = (to: string, type: string): string[] =>
      sent.flatMap((e) => (e.to === to && e.message.type === type && 'digest' in e.message ? [e.message.digest] : []))
    expect(digests('R3', 'Prepare')).not.toEqual(digests('R2', 'Prepare'))
    expect(digests('R3', 'Commit')).not.toEqual(digests('R2', 'Commit'))
    expect(cluster.notes('R3', 'conflicting')).toEqual([])
  })

  it('corrupt-digest: prepares and commits carry a digest that matches no pre-prepare', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R2: 'corrupt-digest' } })
    const sent = recordSent(cluster, 'R2')
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    const real = (cluster.wal.get('R1')?.find((r) => r.type === 'pre-prepare') as { message: PrePrepare }).message.digest
    const votes = sent.filter((e) => e.message.type === 'Prepare' || e.message.type === 'Commit')
    expect(votes.length).toBeGreaterThan(0)
    expect(votes.every((e) => 'digest' in e.message && e.message.digest !== real)).toBe(true)
    expect(cluster.executedSeq('R1')).toBe(1)
  })

  it('phantom: prepares and commits for sequence numbers no primary assigned', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R2: 'phantom' } })
    const sent = recordSent(cluster, 'R2')
    cluster.run(3)
    const seqs = new Set(sent.flatMap((e) => (e.message.type === 'Prepare' ? [e.message.seq] : [])))
    expect([...seqs].sort()).toEqual([1, 2, 3, 4, 5, 6])
    expect(cluster.executedSeq('R1')).toBe(0)
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.run(5)
    for (const id of ['R0', 'R1', 'R3']) expect(cluster.appliedCommands(id)).toEqual([`alice:1:${JSON.stringify(put('x', '1'))}`])
  })

  it('forge-auth: everything it sends fails authentication and is dropped', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R2: 'forge-auth' } })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.run(6)
    expect(cluster.notes('R1', 'auth-failed from=R2').length).toBeGreaterThan(0)
    expect(cluster.executedSeq('R1')).toBe(1)
  })

  it('slow-primary: pre-prepares leave only after the delay', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: { kind: 'slow-primary', delayTicks: 12 } } })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.run(11)
    expect(cluster.executedSeq('R1')).toBe(0)
    cluster.run(1)
    expect(cluster.executedSeq('R1')).toBe(1)
  })

  it('slow-primary slower than the request timer gets replaced by a view change', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: { kind: 'slow-primary', delayTicks: 200 } } })
    cluster.request('alice', 1, put('x', '1'), cluster.members)
    cluster.run(40)
    expect(cluster.core('R1').status()).toMatchObject({ role: 'primary', term: 1 })
    expect(cluster.accepted('alice', 1)).toMatchObject({ view: 1 })
  })

  it('lie-checkpoint: its checkpoint digests differ; honest replicas notice and still stabilize', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R2: 'lie-checkpoint' } })
    for (let index = 1; index <= 4; index += 1) cluster.request(`c${index}`, 1, put('x', `${index}`), ['R0'])
    cluster.deliverAll()
    expect(cluster.notes('R1', 'checkpoint-mismatch from=R2 seq=4')).toHaveLength(1)
    expect(cluster.core('R1').status().lowWaterMark).toBe(4)
  })

  it('forge-view-change: its view-changes verify only at the new primary', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R2: 'forge-view-change' } })
    const sent = recordSent(cluster, 'R2')
    cluster.core('R2').step({ kind: 'propose', proposals: [{ command: put('x', '1'), tag: { clientId: 'alice', seq: 1 } }] })
    cluster.tick(['R2'], 20)
    const viewChanges = cluster.messagesOfType('ViewChange')
    expect(viewChanges.map((e) => e.to).sort()).toEqual(['R0', 'R1', 'R3'])
    for (const { to, message } of viewChanges) {
      const ready = cluster.step(to, { kind: 'message', from: 'R2', message })
      const rejected = ready.events.some((e) => e.kind === 'note' && e.text.startsWith('auth-failed from=R2'))
      expect(rejected, to).toBe(to !== 'R1')
    }
    expect(sent.filter((e) => e.message.type !== 'ViewChange').length).toBeGreaterThan(0)
  })

  // The issue's case: before view-change acknowledgements a new primary put R0's message into its
  // new-view whenever it arrived before an honest one, every backup rejected the new-view, and the
  // next primary did the same (R0 joins every view change through the f+1 rule).
  it('forge-view-change does not block view changes: the new primary uses only view-changes 2f+1 replicas vouch for', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: 'forge-view-change' } })
    // The faulty R0's pre-prepares never arrive; R3's view-changes reach each new primary only
    // through relays (the network favours the liar), so R0's is always there first.
    cluster.dropIf = (e) =>
      (e.from === 'R0' && e.message.type === 'PrePrepare') ||
      (e.from === 'R3' && e.message.type === 'ViewChange' && e.to === cluster.members[e.message.view % 4])
    cluster.request('alice', 1, put('x', '1'), cluster.members)
    cluster.run(300)
    expect(cluster.notes('R2', 'invalid new-view')).toEqual([])
    expect(cluster.core('R2').status()).toMatchObject({ role: 'backup', view: 1, leader: 'R1' })
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true }, view: 1 })
  })

  it('setByzantine switches a replica live', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.core('R2').setByzantine('silent')
    const sent = recordSent(cluster, 'R2')
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.run(3)
    expect(sent).toEqual([])
    cluster.core('R2').setByzantine(undefined)
    cluster.run(6)
    expect(sent.length).toBeGreaterThan(0)
    expect(cluster.notes('R2', 'byzantine')).toEqual(['byzantine silent', 'byzantine off'])
  })
})

describe('scenarios 7 and 8: seven replicas, f = 2', () => {
  const colluding = (colluders: string[]): Record<string, ByzantineBehaviour> =>
    Object.fromEntries(colluders.map((id) => [id, { kind: 'equivocate', colluders }]))

  it('7: replicas 2 and 5 lie with a forged transfer; Alice->Bob still commits at every honest replica', () => {
    const cluster = new Cluster({ n: 7, byzantine: colluding(['R2', 'R5']) })
    cluster.request('alice', 1, aliceToBob, ['R0'])
    cluster.run(20)
    for (const id of cluster.honest()) expect(cluster.kv.get(id)?.get('transfer'), id).toBe('TRANSFER $100 Alice->Bob')
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true } })
  })

  it('7 with a lying primary and one accomplice (2 = f): the victims cannot commit the forgery, and honest replicas agree', () => {
    const cluster = new Cluster({ n: 7, byzantine: colluding(['R0', 'R2']) })
    const clients = new ClosedLoopClients(cluster, 2, 3, 30, () => aliceToBob)
    runClients(cluster, clients)
    expectHonestAgreementAndService(cluster, clients)
    for (const id of cluster.honest()) expect(cluster.kv.get(id)?.get('transfer')).not.toBe(forgedTransfer)
  })

  it('7b: with f+1 = 3 colluding liars two honest replicas execute different requests at the same sequence number', () => {
    const liars = ['R0', 'R2', 'R5']
    const cluster = new Cluster({ n: 7, byzantine: colluding(liars) })
    const victims = [...victimsOf({ colluders: liars }, 'R0', cluster.members)]
    expect(victims).toEqual(['R4', 'R6'])
    cluster.request('alice', 1, aliceToBob, ['R0'])
    cluster.run(10)
    expect(cluster.disagreements(cluster.honest())).toEqual(['seq 1: R1+R3 vs R4+R6'])
    expect(cluster.kv.get('R1')?.get('transfer')).toBe('TRANSFER $100 Alice->Bob')
    expect(cluster.kv.get('R4')?.get('transfer')).toBe(forgedTransfer)
  })

  it('8: an equivocating primary stalls both halves; backups time out, change view, and the new primary finishes the request', () => {
    const cluster = new Cluster({ n: 7, byzantine: { R0: 'equivocate' } })
    const clients = new ClosedLoopClients(cluster, 1, 1, 15, () => aliceToBob)
    runClients(cluster, clients)
    expect(clients.finished()).toBe(true)
    for (const id of cluster.honest()) {
      expect(cluster.core(id).status(), id).toMatchObject({ term: 1, leader: 'R1' })
      expect(cluster.kv.get(id)?.get('transfer'), id).toBe('TRANSFER $100 Alice->Bob')
    }
    expect(cluster.notes('R3', 'view-change-start view=1')).toHaveLength(1)
  })
})

