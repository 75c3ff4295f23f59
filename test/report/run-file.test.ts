/**
 * The run file: a run directory becomes one record, both encodings give the same record back, and
 * a file that is foreign, newer or damaged is refused with a message that says which.
 */
import fs from 'node:fs'
import path from 'node:path'
import { gzipSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  TraceBounder,
  decodeRunBundle,
  decodeRunFile,
  decodeRunJson,
  encodeRunBundle,
  encodeRunJson,
  runRecordLines,
  RunFileError,
  type RunRecord,
} from '../../src-main/api/run-file.js'
import type { TraceEvent } from '../../src-main/api/trace.js'
import { loadRunDirectory, readRunFileFromDisk, writeRunFileToDisk } from '../../src-main/lab/report/run-directory.js'
import { copyRun, fixtureRuns, scratchDir } from './support.js'

const scratch = scratchDir('run-file')
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

let passing: RunRecord
let failing: RunRecord
beforeAll(async () => {
  passing = await loadRunDirectory(fixtureRuns.passing)
  failing = await loadRunDirectory(fixtureRuns.failing)
})

async function problemOf(read: () => Promise<unknown> | unknown): Promise<RunFileError> {
  try {
    await read()
  } catch (error) {
    if (error instanceof RunFileError) return error
    throw error
  }
  throw new Error('expected the file to be refused')
}

describe('a run directory as a run record', () => {
  it('carries the summary, experiment, series, histogram, final states, environment, trace and history', () => {
    expect(passing.format).toBe('consensus-lab-run')
    expect(passing.version).toBe(1)
    expect(passing.summary.name).toBe('fixture-raft-3-crash')
    expect(passing.experiment.protocol).toBe('raft')
    expect(passing.experimentSource).toContain('crash: leader')
    expect(passing.series.length).toBeGreaterThan(10)
    expect(passing.latencyHistogramUs).toMatch(/^HIST/)
    expect(passing.finalStates.map((state) => state.node)).toContain('A')
    expect(passing.environment).toMatchObject({ capturedAt: 'export', labVersion: expect.any(String), cpus: expect.any(Number) })
    expect(passing.trace!.events.length).toBe(passing.trace!.total)
    expect(passing.history!.omitted).toBe(0)
  })

  it('places experiment time 0 before the first operation and before the first fault event', () => {
    const firstInvokeMs = Math.min(...passing.history!.events.filter((event) => event.type === 'invoke').map((event) => event.time / 1e6))
    const faultEvent = passing.trace!.events.find((event) => event.kind === 'fault')!
    expect(passing.workloadStartMs).toBeGreaterThan(0)
    expect(passing.workloadStartMs!).toBeLessThanOrEqual(firstInvokeMs)
    expect(passing.workloadStartMs!).toBeLessThanOrEqual(faultEvent.t - passing.summary.faults[0]!.atMs)
  })

  it('keeps a long trace within its bound, non-message events first, and says what it left out', async () => {
    const bounded = await loadRunDirectory(fixtureRuns.failing, { traceEventsMax: 50, historyEventsMax: 20 })
    expect(bounded.trace!.events).toHaveLength(50)
    expect(bounded.trace!.omitted).toBe(bounded.trace!.total - 50)
    expect(bounded.trace!.note).toMatch(/trace events left out .*the run directory has them all/)
    expect(bounded.history!.events).toHaveLength(20)
    expect(bounded.history!.note).toMatch(/history events left out/)
  })

  it('keeps role, fault and process events ahead of message events when the bound bites', () => {
    const bounder = new TraceBounder(3)
    const events: TraceEvent[] = [
      { t: 1, node: 'A', kind: 'send', to: 'B', type: 'AppendEntries', bytes: 10 },
      { t: 2, node: 'A', kind: 'send', to: 'C', type: 'AppendEntries', bytes: 10 },
      { t: 3, node: 'B', kind: 'role', role: 'leader', term: 2 },
      { t: 4, node: 'lab', kind: 'fault', fault: 'crash leader' },
      { t: 5, node: 'A', kind: 'recv', from: 'B', type: 'AppendEntries', bytes: 10 },
    ]
    events.forEach((event) => bounder.add(event))
    const result = bounder.result()
    expect(result.events.map((event) => event.t)).toEqual([1, 3, 4])
    expect(result).toMatchObject({ total: 5, omitted: 2 })
  })

  it('can leave the trace and the history out', async () => {
    const lean = await loadRunDirectory(fixtureRuns.passing, { trace: false, history: false })
    expect(lean.trace).toBeUndefined()
    expect(lean.history).toBeUndefined()
    expect(lean.workloadStartMs).toBe(passing.workloadStartMs)
  })
})

describe('a run directory that is not whole', () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['summary.json missing', (dir) => fs.rmSync(path.join(dir, 'summary.json')), /: summary\.json is missing — the run may have been interrupted/],
    ['series.json missing', (dir) => fs.rmSync(path.join(dir, 'series.json')), /: series\.json is missing — the run may have been interrupted/],
    ['metrics.json missing from a completed run', (dir) => fs.rmSync(path.join(dir, 'metrics.json')), /: metrics\.json is missing/],
    ['summary.json cut off', (dir) => fs.writeFileSync(path.join(dir, 'summary.json'), '{"runId": "x", "na'), /summary\.json: not valid JSON .*damaged or cut off/],
    ['a trace line that is not JSON', (dir) => fs.appendFileSync(path.join(dir, 'trace.ndjson'), '{"t": 1, "node"\n'), /trace\.ndjson:\d+: not valid JSON/],
    ['a summary without its counts', (dir) => fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')), ops: undefined })), /summary\.ops: expected object/],
  ]
  for (const [what, damage, expected] of cases) {
    it(`names the directory and the file: ${what}`, async () => {
      const dir = copyRun(fixtureRuns.passing, scratch, what.replace(/\W+/g, '-'))
      damage(dir)
      const error = await loadRunDirectory(dir).then(
        () => undefined,
        (caught: Error) => caught,
      )
      expect(error?.message).toMatch(expected)
      expect(error?.message.startsWith(dir)).toBe(true)
      expect(error?.message).not.toContain('\n')
    })
  }

  it('says so when the directory does not exist', async () => {
    await expect(loadRunDirectory(path.join(scratch, 'nowhere'))).rejects.toThrow(/nowhere: no such run directory/)
  })
})

describe('both encodings give the same record back', () => {
  it('JSON', () => {
    expect(decodeRunJson(encodeRunJson(failing))).toEqual(failing)
  })

  it('gzip NDJSON bundle: a header line, typed records, an end line', async () => {
    const bytes = await encodeRunBundle(failing)
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b])
    const lines = gunzipSync(bytes).toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string })
    expect(lines[0]).toMatchObject({ type: 'header', format: 'consensus-lab-run', version: 1 })
    expect(lines[lines.length - 1]).toMatchObject({ type: 'end', lines: lines.length })
    expect(new Set(lines.map((line) => line.type))).toEqual(new Set(['header', 'summary', 'experiment', 'environment', 'metrics', 'final-states', 'series', 'trace-info', 'trace', 'history-info', 'history', 'end']))
    expect(await decodeRunBundle(bytes)).toEqual(failing)
  })

  it('a bundle compressed by node:zlib reads the same as one from CompressionStream', async () => {
    const bytes = gzipSync(runRecordLines(passing).join('\n') + '\n')
    expect(await decodeRunFile(bytes)).toEqual(passing)
  })

  it('on disk, told apart by content rather than name', async () => {
    for (const name of ['run.json', 'run.ndjson.gz']) {
      const file = path.join(scratch, name)
      await writeRunFileToDisk(file, passing)
      expect(await readRunFileFromDisk(file)).toEqual(passing)
    }
    fs.copyFileSync(path.join(scratch, 'run.ndjson.gz'), path.join(scratch, 'renamed.json'))
    expect(await readRunFileFromDisk(path.join(scratch, 'renamed.json'))).toEqual(passing)
  })
})

describe('a file that is not a readable run is refused with what is wrong', () => {
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

  it('foreign: JSON of something else', async () => {
    const error = await problemOf(() => decodeRunFile(json({ hello: 'world' })))
    expect(error.problem).toBe('foreign')
    expect(error.message).toMatch(/^not a Consensus Lab run file/)
  })

  it('foreign: not JSON at all (an image)', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
    expect((await problemOf(() => decodeRunFile(png))).message).toMatch(/^not a Consensus Lab run file/)
  })

  it('foreign: a gzip file that is not a bundle', async () => {
    const error = await problemOf(() => decodeRunFile(gzipSync('just some text\n')))
    expect(error.problem).toBe('foreign')
  })

  it('newer: format 2, as JSON and as a bundle', async () => {
    const newer = { ...JSON.parse(encodeRunJson(passing)), version: 2 }
    const error = await problemOf(() => decodeRunFile(json(newer)))
    expect(error.problem).toBe('newer')
    expect(error.message).toMatch(/made by a newer version of Consensus Lab \(format 2; this lab reads 1\)/)
    const lines = runRecordLines(passing)
    lines[0] = JSON.stringify({ ...JSON.parse(lines[0]!), version: 2 })
    expect((await problemOf(() => decodeRunFile(gzipSync(lines.join('\n'))))).message).toMatch(/format 2; this lab reads 1/)
  })

  it('corrupt: a field of the wrong type, named by its path', async () => {
    const damaged = JSON.parse(encodeRunJson(passing))
    damaged.summary.ops.ok = 'many'
    const error = await problemOf(() => decodeRunFile(json(damaged)))
    expect(error.problem).toBe('corrupt')
    expect(error.message).toMatch(/^corrupt: summary\.ops\.ok: expected number, received string/)
  })

  it('corrupt: a JSON export cut off half way', async () => {
    const text = encodeRunJson(passing)
    const error = await problemOf(() => decodeRunFile(new TextEncoder().encode(text.slice(0, text.length / 2))))
    expect(error.message).toMatch(/^corrupt: not valid JSON/)
  })

  it('corrupt: a bundle whose gzip data is cut off', async () => {
    const bytes = await encodeRunBundle(passing)
    const error = await problemOf(() => decodeRunFile(bytes.slice(0, Math.floor(bytes.length * 0.6))))
    expect(error.message).toMatch(/^corrupt: /)
  })

  it('corrupt: a bundle that ends before its end line', async () => {
    const lines = runRecordLines(passing)
    const error = await problemOf(() => decodeRunFile(gzipSync(lines.slice(0, -5).join('\n'))))
    expect(error.message).toMatch(/^corrupt: the file ends early/)
  })

  it('corrupt: a bundle with a damaged line, named by its number', async () => {
    const lines = runRecordLines(passing)
    lines[7] = '{"type": "series", "point": {'
    expect((await problemOf(() => decodeRunFile(gzipSync(lines.join('\n'))))).message).toMatch(/^corrupt: line 8: not valid JSON/)
  })

  it('the file name is in the message when read from disk', async () => {
    const file = path.join(scratch, 'other.json')
    fs.writeFileSync(file, '{"name": "not a run"}')
    await expect(readRunFileFromDisk(file)).rejects.toThrow(`${file}: not a Consensus Lab run file`)
  })
})
