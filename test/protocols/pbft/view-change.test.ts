/**
 * §4.4–4.5: view changes (test options: request timeout 20 ticks, status every 5).
 */
import { describe, expect, it } from 'vitest'
import { sign } from '../../../src-main/protocols/pbft/auth.js'
import { batchDigest } from '../../../src-main/protocols/pbft/canonical.js'
import type { NewView, PrePrepare, Unsigned } from '../../../src-main/protocols/pbft/types.js'
import { Cluster, put } from './harness.js'
import type { Envelope } from './harness.js'

function primariesByView(cluster: Cluster): Map<number, Set<string>> {
  const byView = new Map<number, Set<string>>()
  for (const [id, events] of cluster.events) {
    for (const event of events) {
      if (event.kind !== 'role' || event.role !== 'primary') continue
      byView.set(event.term, (byView.get(event.term) ?? new Set()).add(id))
    }
  }
  return byView
}

function expectOnePrimaryPerView(cluster: Cluster): void {
  for (const [view, primaries] of primariesByView(cluster)) expect([view, [...primaries]]).toEqual([view, [cluster.members[view % cluster.members.length]]])
}

const commitInView0 = (e: Envelope): boolean => e.message.type === 'Commit' && e.message.view === 0

/** Pre-prepares and prepares reach everyone; every commit of view 0 is lost (retransmissions too). */
function prepareEverywhereButCommitNowhere(cluster: Cluster): void {
  cluster.dropIf = commitInView0
  cluster.request('alice', 1, put('x', '1'), ['R0'])
  cluster.deliverAll()
}

describe('PBFT view change (§4.4)', () => {
  it('a silent primary: backups time out, change view, and the new primary executes the request', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: 'silent' } })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.run(30)
    expect(cluster.accepted('alice', 1)).toBeUndefined()
    // The client times out and retransmits to all replicas; the backups forward and start timers.
    cluster.request('alice', 1, put('x', '1'), cluster.members)
    cluster.run(19)
    expect(cluster.core('R1').status().role).toBe('backup')
    cluster.run(10)
    for (const id of ['R1', 'R2', 'R3']) {
      expect(cluster.notes(id, 'view-change-start view=1')).toHaveLength(1)
      expect(cluster.core(id).status()).toMatchObject({ term: 1, leader: 'R1' })
    }
    expect(cluster.core('R1').status().role).toBe('primary')
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true }, view: 1 })
    expect(cluster.events.get('R2')).toContainEqual({ kind: 'role', role: 'view-changing', term: 1 })
    expectOnePrimaryPerView(cluster)
  })

  it('a request prepared in the old view keeps its sequence number and digest in the new one', () => {
    const cluster = new Cluster({ n: 4 })
    prepareEverywhereButCommitNowhere(cluster)
    const original = cluster.wal.get('R2')?.find((r) => r.type === 'pre-prepare')
    if (original?.type !== 'pre-prepare') throw new Error('no pre-prepare at R2')
    expect(cluster.executedSeq('R2')).toBe(0)
    cluster.crash('R0')
    cluster.run(30)
    const newView = cluster.wal.get('R1')?.filter((r) => r.type === 'pre-prepare' && r.message.view === 1)
    expect(newView?.map((r) => r.type === 'pre-prepare' && [r.message.seq, r.message.digest])).toEqual([[1, original.message.digest]])
    for (const id of ['R1', 'R2', 'R3']) {
      expect(cluster.executed.get(id)?.get(1)?.digest).toBe(original.message.digest)
      expect(cluster.kv.get(id)?.get('x')).toBe('1')
    }
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true } })
  })

  it('the view-change message carries the prepared certificate (pre-prepare + 2f prepares)', () => {
    const cluster = new Cluster({ n: 4 })
    prepareEverywhereButCommitNowhere(cluster)
    cluster.crash('R0')
    cluster.tick(['R1', 'R2', 'R3'], 20)
    const viewChange = cluster.messagesOfType('ViewChange').find((e) => e.from === 'R2')?.message
    if (viewChange?.type !== 'ViewChange') throw new Error('R2 sent no view-change')
    expect(viewChange).toMatchObject({ view: 1, stableSeq: 0 })
    expect(viewChange.prepared).toHaveLength(1)
    expect(viewChange.prepared[0].prePrepare).toMatchObject({ view: 0, seq: 1, replica: 'R0' })
    expect(viewChange.prepared[0].prepares.length).toBeGreaterThanOrEqual(2)
  })

  it('gaps in the new view are filled with null requests', () => {
    const cluster = new Cluster({ n: 4 })
    // Seq 1 is lost everywhere, seq 2 prepares everywhere: O = [null request at 1, the batch at 2].
    cluster.dropIf = (e) => e.message.type === 'Commit' || (e.message.type === 'PrePrepare' && e.message.seq === 1)
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.request('bob', 1, put('y', '2'), ['R0'])
    cluster.deliverAll()
    cluster.dropIf = undefined
    cluster.crash('R0')
    cluster.request('alice', 1, put('x', '1'), ['R1', 'R2', 'R3'])
    cluster.run(40)
    const reproposed = cluster.wal.get('R1')?.flatMap((r) => (r.type === 'pre-prepare' && r.message.view === 1 ? [r.message] : []))
    expect(reproposed?.map((m) => [m.seq, m.batch.length])).toEqual([[1, 0], [2, 1], [3, 1]])
    for (const id of ['R1', 'R2', 'R3']) expect(cluster.appliedCommands(id).map((c) => c.split(':')[0])).toEqual(['bob', 'alice'])
  })

  it('a backup rejects a new-view whose O does not match the one recomputed from V', () => {
    const cluster = new Cluster({ n: 4 })
    prepareEverywhereButCommitNowhere(cluster)
    cluster.crash('R0')
    let genuine: NewView | undefined
    cluster.dropIf = (e) => {
      if (e.message.type !== 'NewView') return commitInView0(e)
      genuine = e.message
      return true
    }
    cluster.tick(['R1', 'R2', 'R3'], 20)
    cluster.deliverAll()
    if (!genuine) throw new Error('R1 sent no new-view')
    expect(genuine.prePrepares.map((m) => m.seq)).toEqual([1])
    // R1 turns Byzantine and replaces the prepared request with a null request at seq 1.
    const nullRequest = sign<PrePrepare>(cluster.crypto, cluster.members, {
      type: 'PrePrepare', view: 1, seq: 1, digest: batchDigest(cluster.crypto, []), batch: [], replica: 'R1',
    })
    const { auth: _auth, ...body } = genuine
    const forged = sign<NewView>(cluster.crypto, cluster.members, { ...body, prePrepares: [nullRequest] } as Unsigned<NewView>)
    cluster.step('R2', { kind: 'message', from: 'R1', message: forged })
    expect(cluster.notes('R2', 'invalid new-view from=R1 view=1: O differs')).toHaveLength(1)
    expect(cluster.core('R2').status().role).toBe('view-changing')
    // The genuine one is accepted.
    cluster.step('R2', { kind: 'message', from: 'R1', message: genuine })
    expect(cluster.core('R2').status()).toMatchObject({ role: 'backup', term: 1 })
  })

  it('a backup takes a view-change in V that it cannot check itself when f+1 replicas vouch for it (TOCS acks), and not otherwise', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: 'silent' } })
    let genuine: NewView | undefined
    cluster.dropIf = (e) => {
      if (e.message.type !== 'NewView' || e.to !== 'R3') return false
      genuine = e.message
      return true
    }
    cluster.request('alice', 1, put('x', '1'), cluster.members)
    cluster.run(30)
    if (!genuine) throw new Error('R1 sent R3 no new-view')
    expect(cluster.core('R3').status().role).toBe('view-changing')
    expect(genuine.viewChanges.map((m) => m.replica)).toEqual(['R1', 'R2', 'R3'])
    expect(genuine.acks.filter((ack) => ack.subject === 'R2').map((ack) => ack.replica)).toEqual(['R3'])
    // R2's view-change as R3 would see it had R2 given R3 a bad MAC: only the vouchers can carry it.
    const garbled = genuine.viewChanges.map((m) => (m.replica === 'R2' ? { ...m, auth: m.auth.map((mac, index) => (index === 3 ? 'AAAA' : mac)) } : m))
    const resign = (changes: Partial<NewView>): NewView => {
      const { auth: _auth, ...body } = { ...(genuine as NewView), ...changes }
      return sign<NewView>(cluster.crypto, cluster.members, body as Unsigned<NewView>)
    }
    cluster.step('R3', { kind: 'message', from: 'R1', message: resign({ viewChanges: garbled, acks: [] }) })
    expect(cluster.notes('R3', 'invalid new-view from=R1 view=1: view-change from R2 fails authentication here and f+1 replicas do not vouch for it')).toHaveLength(1)
    expect(cluster.core('R3').status().role).toBe('view-changing')
    cluster.step('R3', { kind: 'message', from: 'R1', message: resign({ viewChanges: garbled }) })
    expect(cluster.core('R3').status()).toMatchObject({ role: 'backup', view: 1 })
  })

  it('a new primary waits for 2f+1 vouchers; acks lost on the way (or to its restart) are sent again when its status shows it still changing', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: 'silent' } })
    cluster.dropIf = (e) => e.message.type === 'ViewChangeAck'
    cluster.request('alice', 1, put('x', '1'), cluster.members)
    cluster.run(30)
    expect(cluster.core('R1').status()).toMatchObject({ role: 'view-changing', view: 1 })
    expect(cluster.sentByType.get('ViewChangeAck')).toBeGreaterThan(0)
    cluster.crash('R1')
    cluster.restart('R1')
    cluster.dropIf = undefined
    cluster.run(10)
    for (const id of ['R1', 'R2', 'R3']) expect(cluster.core(id).status(), id).toMatchObject({ role: id === 'R1' ? 'primary' : 'backup', view: 1 })
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true }, view: 1 })
  })

  it('a certificate whose pre-prepare a replica cannot check still counts there: its 2f valid prepares prove the primary sent it', () => {
    // R0, the faulty primary, MACs its pre-prepare only for R2 and R3 (they prepare it), gives R1
    // garbage, and then falls silent. R1, the next primary, cannot check R0's MAC inside the
    // certificates R2 and R3 carry; the prepares of R2 and R3 in them, which it can check, show
    // that R0 did send that pre-prepare to a correct replica.
    const cluster = new Cluster({ n: 4, byzantine: { R0: 'silent' } })
    const garbledForR1 = (message: PrePrepare): PrePrepare => ({ ...message, auth: message.auth.map((mac, index) => (index === 1 ? 'AAAA' : mac)) })
    const batch = [{ command: put('x', '1'), tag: { clientId: 'alice', seq: 1 } }]
    const prePrepare = garbledForR1(sign<PrePrepare>(cluster.crypto, cluster.members, {
      type: 'PrePrepare', view: 0, seq: 1, digest: batchDigest(cluster.crypto, batch), batch, replica: 'R0',
    }))
    cluster.dropIf = (e) => e.message.type === 'Commit' && e.message.view === 0
    for (const to of ['R1', 'R2', 'R3']) cluster.step(to, { kind: 'message', from: 'R0', message: prePrepare })
    cluster.deliverAll()
    expect(cluster.notes('R1', 'auth-failed from=R0 via=R0 type=PrePrepare')).toHaveLength(1)
    cluster.request('alice', 1, put('x', '1'), ['R1', 'R2', 'R3'])
    cluster.run(40)
    expect(cluster.notes('R1', 'invalid view-change')).toEqual([])
    for (const id of ['R1', 'R2', 'R3']) {
      expect(cluster.core(id).status(), id).toMatchObject({ role: id === 'R1' ? 'primary' : 'backup', view: 1 })
      expect(cluster.kv.get(id)?.get('x'), id).toBe('1')
    }
  })

  it('f+1 view-changes for a higher view make a replica join without its own timer expiring', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.dropIf = (e) => e.message.type === 'Request'
    // R1 and R2 wait for a request the primary never sees; R3 knows nothing.
    cluster.request('alice', 1, put('x', '1'), ['R1', 'R2'])
    cluster.dropIf = undefined
    cluster.tick(['R1', 'R2'], 20)
    expect(cluster.core('R3').status().role).toBe('backup')
    cluster.deliverOne((e) => e.to === 'R3' && e.from === 'R1' && e.message.type === 'ViewChange')
    expect(cluster.core('R3').status().role).toBe('backup')
    cluster.deliverOne((e) => e.to === 'R3' && e.from === 'R2' && e.message.type === 'ViewChange')
    expect(cluster.notes('R3', 'view-change-start view=1 reason=f+1')).toHaveLength(1)
    cluster.run(10)
    expect(cluster.core('R1').status().role).toBe('primary')
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true }, view: 1 })
  })

  // Found by the simulator (seeds 892 and 1016; 277, 672, 842, 1327, 1355 with --steps 10000): a
  // replica that moved on to v+2 and then restarted forgot the view-change it had sent for v+1, so the
  // two replicas still waiting in v+1 never completed 2f+1 and never started their timers.
  it('restarted replicas still hand out the view-changes they sent and received, so laggards complete their quorum', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R1: 'silent' } })
    const lostToR2 = (e: Envelope): boolean => e.from === 'R3' && e.to === 'R2' && e.message.type === 'ViewChange' && e.message.view === 1
    cluster.dropIf = (e) => e.message.type === 'Request' || lostToR2(e)
    cluster.request('alice', 1, put('x', '1'), ['R2', 'R3'])
    // R2 and R3 time out and R0 joins them (f+1); R0 and R3 hold 2f+1 for view 1, R2 misses R3's.
    const until = (done: () => boolean): void => {
      for (let round = 0; round < 300 && !done(); round += 1) cluster.run(1)
    }
    until(() => cluster.core('R0').status().view === 1)
    cluster.crash('R0')
    // The silent R1 sends no new-view: R3's timer moves it on to view 2. Then R3 restarts too.
    until(() => cluster.core('R3').status().view === 2)
    cluster.crash('R3')
    cluster.restart('R3')
    cluster.restart('R0')
    cluster.dropIf = (e) => e.message.type === 'Request'
    expect(cluster.core('R2').status()).toMatchObject({ role: 'view-changing', view: 1 })
    cluster.run(600)
    for (const id of ['R0', 'R2', 'R3']) expect(cluster.core(id).status(), id).toMatchObject({ role: id === 'R2' ? 'primary' : 'backup', view: 2 })
    cluster.request('alice', 1, put('x', '1'), ['R0', 'R2', 'R3'])
    cluster.run(5)
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true }, view: 2 })
  })

  it('a new primary that is also faulty is replaced after a doubled timeout (exponential backoff)', () => {
    const cluster = new Cluster({ n: 7, byzantine: { R0: 'silent', R1: 'silent' } })
    cluster.request('alice', 1, put('x', '1'), cluster.members)
    const startTicks = new Map<number, number>()
    for (let tick = 1; tick <= 200 && !cluster.accepted('alice', 1); tick += 1) {
      cluster.run(1)
      for (const view of [1, 2]) {
        if (!startTicks.has(view) && cluster.notes('R3', `view-change-start view=${view}`).length > 0) startTicks.set(view, tick)
      }
    }
    expect(startTicks.get(1)).toBe(20)
    expect((startTicks.get(2) ?? 0) - (startTicks.get(1) ?? 0)).toBe(40)
    expect(cluster.core('R2').status()).toMatchObject({ role: 'primary', term: 2 })
    expect(cluster.accepted('alice', 1)).toMatchObject({ result: { ok: true }, view: 2 })
    expectOnePrimaryPerView(cluster)
  })

  it('a replica that missed the new-view gets it from a peer through the status exchange', () => {
    const cluster = new Cluster({ n: 4 })
    prepareEverywhereButCommitNowhere(cluster)
    cluster.crash('R0')
    cluster.dropIf = (e) => commitInView0(e) || (e.to === 'R3' && e.message.type === 'NewView')
    cluster.run(25)
    expect(cluster.core('R3').status().role).toBe('view-changing')
    cluster.dropIf = commitInView0
    cluster.run(10)
    expect(cluster.core('R3').status()).toMatchObject({ role: 'backup', term: 1, commitIndex: 1 })
  })
})
