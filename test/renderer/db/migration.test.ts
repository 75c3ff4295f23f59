// @vitest-environment node
/**
 * Schema upgrades keep every run: a database written by the first layout (v1: one row per run with
 * the whole record) opens under the current one (v2: runs, series, histograms, events) with every
 * record, every list field and the person's run names intact.
 */
import 'fake-indexeddb/auto'
import Dexie, { type Table } from 'dexie'
import { describe, expect, it } from 'vitest'
import { RunDatabase, runDatabaseVersion, schemaV1, schemaV2, type RunRowV1 } from '../../../src-renderer/src/db/schema'
import { CourseRepository } from '../../../src-renderer/src/db/course-repository'
import { RunRepository } from '../../../src-renderer/src/db/run-repository'
import type { RunRecord } from '../../../src-main/api/run-file'
import { describeInjected, verdictWord } from '../../../src-main/api/report/analysis'
import { another, fixtureRecords } from '../support/runs'

/** The database exactly as v2 declared it (runs in parts), nothing of the course known. */
class RunDatabaseV2 extends Dexie {
  constructor(name: string) {
    super(name)
    this.version(1).stores(schemaV1)
    this.version(2).stores(schemaV2)
  }
}

/** The database exactly as v1 declared it, nothing of v2 known. */
class RunDatabaseV1 extends Dexie {
  runs!: Table<RunRowV1, string>
  constructor(name: string) {
    super(name)
    this.version(1).stores(schemaV1)
  }
}

function v1Row(record: RunRecord, name = record.summary.name): RunRowV1 {
  const { summary } = record
  return {
    id: summary.runId,
    name,
    experimentName: record.experiment.name,
    protocol: summary.protocol,
    nodes: summary.nodes,
    faultSummary: summary.faults.map(describeInjected).join('; '),
    verdict: verdictWord(summary),
    startedAt: summary.startedAt,
    finishedAt: new Date(Date.parse(summary.startedAt) + summary.durationMs).toISOString(),
    record,
  }
}

describe('the run store schema', () => {
  it('opens a v1 database under v2 with nothing lost', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const withoutEvents = another(raft, 'v1-no-trace', '2026-12-01T00:00:00.000Z')
    delete withoutEvents.trace
    delete withoutEvents.history
    const name = `migration-${process.pid}`
    const old = new RunDatabaseV1(name)
    await old.runs.bulkPut([v1Row(raft, 'renamed in v1'), v1Row(primaryBackup), v1Row(withoutEvents)])
    expect(old.verno).toBe(1)
    old.close()

    const db = new RunDatabase(name)
    await db.open()
    expect(db.verno).toBe(runDatabaseVersion)
    expect(runDatabaseVersion).toBe(3)
    const store = new RunRepository(db)

    // Every record comes back whole (the v1 name is the run's name now).
    expect(await store.load(raft.summary.runId)).toEqual({ ...raft, summary: { ...raft.summary, name: 'renamed in v1' } })
    expect(await store.load(primaryBackup.summary.runId)).toEqual(primaryBackup)
    expect(await store.load('v1-no-trace')).toEqual(withoutEvents)

    // The list fields v1 had are as they were; what v2 added starts empty; the record left the row.
    const rows = await store.list()
    expect(rows.map((row) => row.id)).toEqual(['v1-no-trace', primaryBackup.summary.runId, raft.summary.runId])
    const migrated = rows.find((row) => row.id === raft.summary.runId)!
    expect(migrated).toMatchObject({ name: 'renamed in v1', experimentName: 'fixture-raft-3-crash', protocol: 'raft', nodes: 3, verdict: 'PASS', tags: [], notes: '', origin: 'migrated' })
    expect(migrated.startedAt).toBe(raft.summary.startedAt)
    expect(migrated.sizes.total).toBeGreaterThan(0)
    expect(Object.keys(migrated)).not.toContain('record')
    expect(rows.find((row) => row.id === primaryBackup.summary.runId)?.verdict).toBe('FAIL')
    expect(await db.series.count()).toBe(3)
    expect(await db.histograms.count()).toBe(3)
    expect(await db.events.count()).toBe(4)

    // v2's new index works on migrated rows, and a migrated run is edited like any other.
    await store.update(raft.summary.runId, { tags: ['migrated'] })
    expect(await db.runs.where('tags').equals('migrated').primaryKeys()).toEqual([raft.summary.runId])
    db.close()

    // Opening again (no upgrade this time) changes nothing.
    const reopened = new RunRepository(new RunDatabase(name))
    expect((await reopened.list()).length).toBe(3)
    expect(await reopened.load(primaryBackup.summary.runId)).toEqual(primaryBackup)
    reopened.db.close()
  })

  it('upgrades an empty v1 database too', async () => {
    const name = `migration-empty-${process.pid}`
    const old = new RunDatabaseV1(name)
    await old.open()
    old.close()
    const db = new RunDatabase(name)
    await db.open()
    expect(db.verno).toBe(runDatabaseVersion)
    expect(await db.runs.count()).toBe(0)
    db.close()
  })

  it('opens a v2 database under v3: the runs as they were, the course tables empty, and progress kept across a restart', async () => {
    const { raft } = await fixtureRecords()
    const name = `migration-v2-${process.pid}`
    const old = new RunDatabaseV2(name)
    await old.open()
    await new RunRepository(old as unknown as RunDatabase).save(raft, 'lab', '2026-12-01T00:00:00.000Z')
    expect(old.verno).toBe(2)
    old.close()

    const db = new RunDatabase(name)
    await db.open()
    expect(db.verno).toBe(3)
    expect(await new RunRepository(db).load(raft.summary.runId)).toEqual(raft)
    expect(await db.exercises.count()).toBe(0)
    const course = new CourseRepository(db)
    expect(await course.student()).toBe('')
    await course.setStudent('김민준')
    await course.setAnswer('leader-crash', 'predict-leaderless', 300, true)
    await course.attachRun('leader-crash', 'main', raft.summary.runId)
    await course.setAnswer('leader-crash', 'new-leader', 'B', false)
    db.close()

    // The app restarts: everything is where it was, and a reset forgets the exercise but not its run.
    const reopened = new RunDatabase(name)
    const again = new CourseRepository(reopened)
    expect(await again.student()).toBe('김민준')
    const row = await again.get('leader-crash')
    expect(row).toMatchObject({ predictions: { 'predict-leaderless': 300 }, answers: { 'new-leader': 'B' }, runs: { main: raft.summary.runId } })
    expect(row!.predictionsLockedAt).toBeDefined()
    await again.reset('leader-crash')
    expect(await again.get('leader-crash')).toBeUndefined()
    expect(await new RunRepository(reopened).get(raft.summary.runId)).toBeDefined()
    reopened.close()
  })
})
