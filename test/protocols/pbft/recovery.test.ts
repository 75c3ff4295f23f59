/**
 * Crash and restart from the WAL (the `persisted` option): the replica rebuilds its state machine
 * from the executed batches, keeps its view, never contradicts a vote it sent, and catches up.
 */
import { describe, expect, it } from 'vitest'
import { sign } from '../../../src-main/protocols/pbft/auth.js'
import { batchDigest } from '../../../src-main/protocols/pbft/canonical.js'
import { PbftCore } from '../../../src-main/protocols/pbft/core.js'
import type { PbftPersist, PrePrepare } from '../../../src-main/protocols/pbft/types.js'
import { Cluster, put, testCoreOptions } from './harness.js'

describe('PBFT recovery from the WAL', () => {
  it('re-applies what it executed on its first step, then catches up with what it missed', () => {
    const cluster = new Cluster({ n: 4 })
    for (let index = 1; index <= 3; index += 1) cluster.request(`c${index}`, 1, put(`k${index}`, 'before'), ['R0'])
    cluster.deliverAll()
    cluster.crash('R2')
    for (let index = 4; index <= 6; index += 1) cluster.request(`c${index}`, 1, put(`k${index}`, 'during'), ['R0'])
    cluster.deliverAll()
    cluster.restart('R2')
    const first = cluster.step('R2', { kind: 'tick' })
    expect(first.applied.map((entry) => entry.index)).toEqual([1, 2, 3])
    expect(cluster.core('R2').status()).toMatchObject({ commitIndex: 3, appliedIndex: 3, term: 0 })
    cluster.run(15)
    expect(cluster.core('R2').status().commitIndex).toBe(6)
    expect(cluster.kv.get('R2')).toEqual(cluster.kv.get('R0'))
  })

  it('keeps its prepare: after a restart it still refuses a conflicting pre-prepare for the same view and sequence number', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverOne((e) => e.to === 'R1' && e.message.type === 'PrePrepare')
    cluster.crash('R1')
    cluster.restart('R1')
    const other = [{ command: put('x', 'other'), tag: { clientId: 'mallory', seq: 1 } }]
    const conflicting = sign<PrePrepare>(cluster.crypto, cluster.members, {
      type: 'PrePrepare', view: 0, seq: 1, digest: batchDigest(cluster.crypto, other), batch: other, replica: 'R0',
    })
    const ready = cluster.step('R1', { kind: 'message', from: 'R0', message: conflicting })
    expect(ready.messages.filter((e) => e.message.type === 'Prepare')).toEqual([])
    expect(cluster.notes('R1', 'conflicting pre-prepares from primary R0 for 0/1')).toHaveLength(1)
    // The slot grid marks the equivocating primary from this event.
    expect(ready.events).toContainEqual({ kind: 'conflict', seq: 1, view: 0, from: 'R0', type: 'PrePrepare' })
  })

  it('a primary restarted mid-view continues after its last sequence number', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.request('bob', 1, put('y', '1'), ['R0'])
    cluster.deliverAll()
    cluster.crash('R0')
    cluster.restart('R0')
    cluster.request('carol', 1, put('z', '1'), ['R0'])
    const seqs = cluster.messagesOfType('PrePrepare').map((e) => (e.message.type === 'PrePrepare' ? e.message.seq : 0))
    expect(new Set(seqs)).toEqual(new Set([3]))
    cluster.deliverAll()
    for (const id of cluster.members) expect(cluster.kv.get(id)?.get('z')).toBe('1')
  })

  it('a replica that crashed while changing view resumes the view change', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: 'silent' } })
    cluster.request('alice', 1, put('x', '1'), ['R1'])
    cluster.tick(['R1'], 20)
    expect(cluster.core('R1').status().role).toBe('view-changing')
    cluster.queue = []
    cluster.crash('R1')
    cluster.restart('R1')
    const first = cluster.step('R1', { kind: 'tick' })
    expect(first.messages.filter((e) => e.message.type === 'ViewChange').map((e) => e.to).sort()).toEqual(['R0', 'R2', 'R3'])
    expect(cluster.core('R1').status()).toMatchObject({ role: 'view-changing', term: 1 })
  })

  it('resends the very view-change it persisted, never a second one for the same view', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: 'silent' } })
    cluster.request('alice', 1, put('x', '1'), ['R1'])
    cluster.tick(['R1'], 20)
    const sent = cluster.messagesOfType('ViewChange').find((e) => e.from === 'R1')?.message
    expect(sent).toMatchObject({ type: 'ViewChange', view: 1 })
    expect(cluster.wal.get('R1')?.filter((r) => r.type === 'view-change').map((r) => r.type === 'view-change' && r.message)).toEqual([sent])
    cluster.queue = []
    cluster.crash('R1')
    cluster.restart('R1')
    const resent = cluster.step('R1', { kind: 'tick' }).messages.filter((e) => e.message.type === 'ViewChange')
    expect(resent.map((e) => e.to).sort()).toEqual(['R0', 'R2', 'R3'])
    for (const envelope of resent) expect(envelope.message).toEqual(sent)
    expect(cluster.wal.get('R1')?.filter((r) => r.type === 'view-change')).toHaveLength(1)
  })

  // Found by the simulator (seed 1770 with --steps 10000): a crash tore the join off the WAL but
  // kept the view-changes that caused it; the restarted primary stayed in its old view forever,
  // since those view-changes never arrived again as new messages.
  it('a replica that restarts holding f+1 view-changes for a higher view joins it at once', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.dropIf = (e) => e.message.type === 'Request'
    cluster.request('alice', 1, put('x', '1'), ['R2', 'R3'])
    cluster.tick(['R2', 'R3'], 20)
    cluster.deliverAll((e) => e.to === 'R0')
    expect(cluster.core('R0').status()).toMatchObject({ role: 'view-changing', view: 1 })
    const wal = cluster.wal.get('R0') as PbftPersist[]
    const joined = wal.findIndex((record) => record.type === 'view')
    expect(wal.slice(joined).map((r) => r.type)).toEqual(['view', 'view-change'])
    expect(wal.slice(0, joined).map((r) => r.type === 'view-change' && r.message.replica)).toEqual(['R2', 'R3'])
    cluster.crash('R0')
    cluster.wal.set('R0', wal.slice(0, joined))
    cluster.restart('R0')
    expect(cluster.core('R0').status()).toMatchObject({ role: 'primary', view: 0 })
    const first = cluster.step('R0', { kind: 'tick' })
    expect(cluster.core('R0').status()).toMatchObject({ role: 'view-changing', view: 1 })
    expect(first.messages.filter((e) => e.message.type === 'ViewChange').map((e) => e.to).sort()).toEqual(['R1', 'R2', 'R3'])
  })

  it('a new-view record installs its view on replay even when the view record after it was torn off', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: 'silent' } })
    cluster.request('alice', 1, put('x', '1'), cluster.members)
    cluster.run(30)
    const wal = cluster.wal.get('R2') as PbftPersist[]
    const installed = wal.findLastIndex((record) => record.type === 'new-view')
    expect(wal[installed + 1]).toEqual({ type: 'view', view: 1, viewChanging: false })
    const restarted = new PbftCore({ id: 'R2', members: cluster.members, crypto: cluster.crypto, persisted: wal.slice(0, installed + 1) })
    expect(restarted.status()).toMatchObject({ role: 'backup', view: 1, leader: 'R1' })
  })

  it('the core says when its records must be synced: views, view-changes, executions, stable checkpoints, prepared certificates; not votes', () => {
    const cluster = new Cluster({ n: 4, byzantine: { R0: 'silent' } })
    cluster.request('alice', 1, put('x', '1'), ['R1'])
    const readies = [] as { types: string[]; mustSync: boolean }[]
    for (let tick = 0; tick < 20; tick += 1) {
      const ready = cluster.step('R1', { kind: 'tick' })
      if (ready.persist.length > 0) readies.push({ types: ready.persist.map((r) => r.type), mustSync: ready.mustSync })
    }
    expect(readies).toEqual([{ types: ['view', 'view-change'], mustSync: true }])
    const backup = new Cluster({ n: 4 })
    backup.request('bob', 1, put('y', '1'), ['R0'])
    const prePrepare = backup.messagesOfType('PrePrepare').find((e) => e.to === 'R2')
    if (!prePrepare) throw new Error('R0 sent R2 no pre-prepare')
    const ready = backup.step('R2', { kind: 'message', from: 'R0', message: prePrepare.message })
    expect(ready.persist.map((r) => r.type)).toEqual(['pre-prepare', 'prepare'])
    expect(ready.mustSync).toBe(false)
  })

  it('a prepared certificate must be synced: it backs the tentative answer sent in the same Ready (TOCS §5.1.3)', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.dropIf = (envelope) => envelope.message.type === 'Commit'
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll((envelope) => envelope.message.type === 'PrePrepare')
    const prepare = cluster.messagesOfType('Prepare').find((e) => e.to === 'R1' && e.from === 'R2')
    if (!prepare) throw new Error('R2 sent R1 no prepare')
    const ready = cluster.step('R1', { kind: 'message', from: 'R2', message: prepare.message })
    expect(ready.persist.map((r) => r.type)).toEqual(['prepared', 'commit'])
    expect(ready.tentative.map((batch) => batch.seq)).toEqual([1])
    expect(ready.mustSync).toBe(true)
  })

  it('replays a WAL with a prepared certificate into the next view change', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.dropIf = (e) => e.message.type === 'Commit' && e.message.view === 0
    cluster.request('alice', 1, put('x', '1'), ['R0'])
    cluster.deliverAll()
    const wal = cluster.wal.get('R3') as PbftPersist[]
    expect(wal.map((record) => record.type)).toEqual(['pre-prepare', 'prepare', 'prepared', 'commit'])
    const restarted = new PbftCore({ id: 'R3', members: cluster.members, crypto: cluster.crypto, requestTimeoutTicks: 5, persisted: wal })
    restarted.step({ kind: 'propose', proposals: [{ command: put('x', '1'), tag: { clientId: 'alice', seq: 1 } }] })
    let viewChange
    for (let tick = 0; tick < 5 && !viewChange; tick += 1) {
      viewChange = restarted.step({ kind: 'tick' }).messages.find((e) => e.message.type === 'ViewChange')?.message
    }
    expect(viewChange?.type === 'ViewChange' && viewChange.prepared.map((proof) => proof.prePrepare.seq)).toEqual([1])
  })

  it('accepts a WAL compacted below the stable checkpoint (only executed records kept there)', () => {
    const cluster = new Cluster({ n: 4 })
    for (let index = 1; index <= 6; index += 1) cluster.request(`c${index}`, 1, put(`k${index}`, 'v'), ['R0'])
    cluster.deliverAll()
    const wal = cluster.wal.get('R1') as PbftPersist[]
    const stable = wal.filter((record) => record.type === 'stable-checkpoint').at(-1)
    expect(stable?.type === 'stable-checkpoint' && stable.seq).toBe(4)
    const seqOf = (record: PbftPersist): number | undefined =>
      record.type === 'pre-prepare' || record.type === 'prepare' || record.type === 'commit' ? record.message.seq : undefined
    const compacted = wal.filter((record) => record.type === 'prepared' || (seqOf(record) ?? 5) > 4)
    const restarted = new PbftCore({ id: 'R1', members: cluster.members, crypto: cluster.crypto, ...testCoreOptions, persisted: compacted })
    expect(restarted.step({ kind: 'tick' }).applied).toHaveLength(6)
    expect(restarted.status()).toMatchObject({ commitIndex: 6, lowWaterMark: 4 })
  })

  // Found by the simulator (seeds 310, 558, 662, 958, 1419, 1860, 1924 with --steps 10000): replicas
  // that executed a full window and then restarted never sent their checkpoint again, so it never
  // became stable, h never moved, and the primary could assign no further sequence number.
  it('a replica restarted after executing a checkpoint sequence number sends its checkpoint again (§4.3)', () => {
    const cluster = new Cluster({ n: 4 })
    cluster.dropIf = (e) => e.message.type === 'Checkpoint'
    for (let index = 1; index <= 8; index += 1) cluster.request(`c${index}`, 1, put(`k${index}`, 'v'), ['R0'])
    cluster.deliverAll()
    for (const id of cluster.members) expect(cluster.core(id).status()).toMatchObject({ commitIndex: 8, lowWaterMark: 0, highWaterMark: 8 })
    for (const id of ['R1', 'R2']) {
      cluster.crash(id)
      cluster.restart(id)
    }
    cluster.dropIf = undefined
    cluster.run(12)
    for (const id of cluster.members) expect(cluster.core(id).status().lowWaterMark, id).toBe(8)
    cluster.request('late', 1, put('late', 'v'), ['R0'])
    cluster.deliverAll()
    for (const id of cluster.members) expect(cluster.kv.get(id)?.get('late'), id).toBe('v')
  })

  it('rejects a WAL whose executed records are not contiguous', () => {
    const cluster = new Cluster({ n: 4 })
    const record = (seq: number): PbftPersist => ({ type: 'executed', seq, view: 0, digest: 'd', chain: 'c', batch: [] })
    expect(() => new PbftCore({ id: 'R1', members: cluster.members, crypto: cluster.crypto, persisted: [record(1), record(3)] })).toThrow(
      /executed seq 3 follows 1/,
    )
  })
})
