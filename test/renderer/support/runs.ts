/**
 * Run records for the run store tests, read from the real run directories in test/fixtures/runs
 * (made by the real runner), and a fresh fake IndexedDB database per test.
 * Import 'fake-indexeddb/auto' before this module (and before anything that imports Dexie).
 */
import path from 'node:path'
import { loadRunDirectory } from '../../../src-main/lab/report/run-directory'
import type { RunRecord } from '../../../src-main/api/run-file'
import { RunDatabase } from '../../../src-renderer/src/db/schema'
import { RunRepository } from '../../../src-renderer/src/db/run-repository'
import { setRunRepository } from '../../../src-renderer/src/db'

const fixtures = path.resolve(import.meta.dirname, '../../fixtures/runs')

let cached: Promise<{ raft: RunRecord; primaryBackup: RunRecord }> | undefined

/** A passing Raft run with a leader crash, and a failing primary-backup run with a cut link. */
export function fixtureRecords(): Promise<{ raft: RunRecord; primaryBackup: RunRecord }> {
  cached ??= Promise.all([loadRunDirectory(path.join(fixtures, 'raft-3-crash')), loadRunDirectory(path.join(fixtures, 'primary-backup-split'))]).then(
    ([raft, primaryBackup]) => ({ raft, primaryBackup }),
  )
  // Each caller gets its own copy, so a test may change a record freely.
  return cached.then((records) => structuredClone(records))
}

/** The same run under another id and start time: a second stored run of the same experiment. */
export function another(record: RunRecord, runId: string, startedAt: string): RunRecord {
  const copy = structuredClone(record)
  copy.summary.runId = runId
  copy.summary.startedAt = startedAt
  return copy
}

let databases = 0

export function freshRepository(): RunRepository {
  databases += 1
  const repository = new RunRepository(new RunDatabase(`test-runs-${process.pid}-${databases}`))
  setRunRepository(repository)
  return repository
}
