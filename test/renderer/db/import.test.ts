// @vitest-environment node
/**
 * Importing run files: the two encodings the CLI writes come in whole; a file that is foreign,
 * corrupt, from a newer lab, or already stored gets its clear error and leaves the store untouched.
 */
import 'fake-indexeddb/auto'
import { gunzipSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { encodeRunFile, RunFileError, type RunRecord } from '../../../src-main/api/run-file'
import { RunImportError, type RunRepository } from '../../../src-renderer/src/db/run-repository'
import { describeImportError } from '../../../src-renderer/src/composables/useRunImport'
import { fixtureRecords, freshRepository } from '../support/runs'

/** Everything the store holds, to prove a refused import changed nothing. */
async function snapshot(store: RunRepository) {
  return {
    runs: await store.db.runs.toArray(),
    series: await store.db.series.count(),
    histograms: await store.db.histograms.count(),
    events: await store.db.events.count(),
  }
}

async function refused(store: RunRepository, bytes: Uint8Array): Promise<unknown> {
  const before = await snapshot(store)
  const error = await store.importFile(bytes).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error, 'the import must be refused').toBeDefined()
  expect(await snapshot(store)).toEqual(before)
  return error
}

const text = (value: string) => new TextEncoder().encode(value)

describe('importing a run file', () => {
  it('takes the .json and the .ndjson.gz encodings, and the run comes back as written', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const store = freshRepository()
    const fromJson = await store.importFile(await encodeRunFile(raft, 'json'))
    expect(fromJson).toMatchObject({ id: raft.summary.runId, origin: 'import', verdict: 'PASS' })
    const fromBundle = await store.importFile(await encodeRunFile(primaryBackup, 'ndjson.gz'))
    expect(fromBundle).toMatchObject({ id: primaryBackup.summary.runId, verdict: 'FAIL' })
    expect(await store.load(raft.summary.runId)).toEqual(raft)
    expect(await store.load(primaryBackup.summary.runId)).toEqual(primaryBackup)
  })

  it('refuses foreign, corrupt and newer files with the reason, storing nothing', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const store = freshRepository()
    await store.save(primaryBackup, 'lab')
    const json = new TextDecoder().decode(await encodeRunFile(raft, 'json'))
    const bundle = await encodeRunFile(raft, 'ndjson.gz')
    const newer = JSON.parse(json) as Omit<RunRecord, 'version'> & { version: number }
    newer.version = 2
    const brokenField = JSON.parse(json) as { summary: { ops: unknown } }
    brokenField.summary.ops = 'many'
    const lines = gunzipSync(bundle).toString().split('\n')

    const cases: [string, Uint8Array, RunFileError['problem'], RegExp][] = [
      ['a picture', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'foreign', /not a Consensus Lab run file/],
      ['some other JSON', text('{"hello": "world"}'), 'foreign', /not a Consensus Lab run file/],
      ['a newer format', text(JSON.stringify(newer)), 'newer', /newer version of Consensus Lab \(format 2; this lab reads 1\)/],
      ['a cut-off JSON file', text(json.slice(0, json.length / 2)), 'corrupt', /corrupt: not valid JSON/],
      ['a wrong field', text(JSON.stringify(brokenField)), 'corrupt', /corrupt: summary\.ops/],
      ['a cut-off bundle', bundle.slice(0, Math.floor(bundle.length / 2)), 'corrupt', /corrupt: the gzip data is damaged or cut off/],
      ['a bundle without its end', new Uint8Array(gzipSync(lines.slice(0, -2).join('\n'))), 'corrupt', /corrupt: the file ends early/],
    ]
    for (const [what, bytes, problem, message] of cases) {
      const error = await refused(store, bytes)
      expect(error, what).toBeInstanceOf(RunFileError)
      expect((error as RunFileError).problem, what).toBe(problem)
      expect((error as Error).message, what).toMatch(message)
      expect(describeImportError('x.json', error), what).toMatchObject({ file: 'x.json', problem })
    }
  })

  it('refuses a run that is already stored, keeping the stored one as it is', async () => {
    const { raft } = await fixtureRecords()
    const store = freshRepository()
    await store.save(raft, 'lab')
    await store.update(raft.summary.runId, { name: 'mine', notes: 'keep me' })
    const error = await refused(store, await encodeRunFile(raft, 'ndjson.gz'))
    expect(error).toBeInstanceOf(RunImportError)
    expect((error as RunImportError).problem).toBe('duplicate')
    expect((error as Error).message).toBe(`run ${raft.summary.runId} is already stored as “mine”`)
    expect((await store.get(raft.summary.runId))?.notes).toBe('keep me')
  })
})
