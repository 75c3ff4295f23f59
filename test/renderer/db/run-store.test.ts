// @vitest-environment node
/**
 * The run store over IndexedDB (fake-indexeddb, the same IndexedDB API Chromium has): a run is
 * stored whole or not at all, comes back exactly as saved, and the person's edits are kept.
 */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { fixtureRecords, another, freshRepository } from '../support/runs'

describe('the run store', () => {
  it('gives back the record it was given, split into runs, series, histograms and events', async () => {
    const { raft } = await fixtureRecords()
    const store = freshRepository()
    const row = await store.save(raft, 'lab', '2026-01-01T00:00:00.000Z')
    expect(row).toMatchObject({ id: raft.summary.runId, name: 'fixture-raft-3-crash', protocol: 'raft', nodes: 3, verdict: 'PASS', faultCount: 2, tags: [], notes: '', origin: 'lab' })
    expect(row.faultSummary).toBe('crash leader → B; restart crashed → B')
    expect(row.sizes.total).toBe(row.sizes.record + row.sizes.series + row.sizes.histogram + row.sizes.events)
    expect(row.sizes.events).toBeGreaterThan(0)
    expect(await store.load(raft.summary.runId)).toEqual(raft)
    // The parts live in their own tables; the list row carries no series or events.
    expect(await store.db.series.count()).toBe(1)
    expect(await store.db.histograms.count()).toBe(1)
    expect((await store.db.events.toArray()).map((events) => events.kind).sort()).toEqual(['history', 'trace'])
    expect(Object.keys(row)).not.toContain('series')
    const withoutEvents = await store.load(raft.summary.runId, { events: false })
    expect(withoutEvents?.trace).toBeUndefined()
    expect(withoutEvents?.series).toEqual(raft.series)
  })

  it('lists newest first, and keeps a rename, tags and notes (reports use the new name)', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const store = freshRepository()
    await store.save(raft, 'lab')
    await store.save(another(raft, 'later-run', '2030-01-01T00:00:00.000Z'), 'lab')
    await store.save(primaryBackup, 'import')
    expect((await store.list()).map((run) => run.id)).toEqual(['later-run', primaryBackup.summary.runId, raft.summary.runId])

    await store.update('later-run', { name: '  raft after the fix  ', tags: [' fsync ', 'crash', 'fsync', ''], notes: 'leader crash at 0.8 s' })
    const edited = await store.get('later-run')
    expect(edited).toMatchObject({ name: 'raft after the fix', tags: ['fsync', 'crash'], notes: 'leader crash at 0.8 s' })
    expect((await store.load('later-run'))?.summary.name).toBe('raft after the fix')
    await store.update('later-run', { name: '   ' })
    expect((await store.get('later-run'))?.name).toBe('raft after the fix')
    expect((await store.db.runs.where('tags').equals('crash').primaryKeys())).toEqual(['later-run'])

    // The lab announcing the same run again (a second window) leaves the edits alone.
    const again = await store.saveIfAbsent(another(raft, 'later-run', '2030-01-01T00:00:00.000Z'), 'lab')
    expect(again.saved).toBe(false)
    expect((await store.get('later-run'))?.name).toBe('raft after the fix')
  })

  it('deletes a run with all its rows, and undo puts every row back', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const store = freshRepository()
    await store.save(raft, 'lab')
    await store.save(primaryBackup, 'lab')
    await store.update(raft.summary.runId, { tags: ['keep'] })
    const removed = await store.remove(raft.summary.runId)
    expect(removed).toBeDefined()
    expect((await store.list()).map((run) => run.id)).toEqual([primaryBackup.summary.runId])
    expect(await store.db.series.get(raft.summary.runId)).toBeUndefined()
    expect(await store.db.events.where('runId').equals(raft.summary.runId).count()).toBe(0)
    await store.restore(removed!)
    expect(await store.load(raft.summary.runId)).toEqual(raft)
    expect((await store.get(raft.summary.runId))?.tags).toEqual(['keep'])
    expect(await store.remove('no-such-run')).toBeUndefined()
  })
})
