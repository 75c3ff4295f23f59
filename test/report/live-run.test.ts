/**
 * The whole path on a run made here and now: the real runner (real replica processes on loopback)
 * leaves a run directory; it exports to a run file, comes back the same, and reports.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeRunFile } from '../../src-main/api/run-file.js'
import { buildReport } from '../../src-main/api/report/index.js'
import { validateExperimentText } from '../../src-main/api/validate.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { runExportCommand } from '../../src-main/lab/report/command.js'
import { loadRunDirectory } from '../../src-main/lab/report/run-directory.js'
import { captureIo, scratchDir } from './support.js'

const scratch = scratchDir('live')
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const experimentText = `
name: report-live
protocol: raft
seed: 11
cluster: {nodes: 3}
workload: {duration: 1500ms, clients: 2, keys: 4}
faults:
  - {at: 500ms, crash: leader}
  - {at: 1s, restart: crashed}
`

describe('a run made by the real runner', () => {
  it('exports, reads back the same, and reports with its faults and verdict', async () => {
    const validated = validateExperimentText(experimentText)
    if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
    const summary = await new ExperimentRun(validated.experiment, { runsDir: path.join(scratch, 'runs'), sourceText: experimentText }).execute()
    expect(summary.completed, summary.error).toBe(true)

    const io = captureIo()
    const file = path.join(scratch, 'live.ndjson.gz')
    expect(await runExportCommand([summary.runDir, '--out', file], io), io.err).toBe(0)
    const record = await decodeRunFile(fs.readFileSync(file))
    expect(record).toEqual({ ...(await loadRunDirectory(summary.runDir)), exportedAt: record.exportedAt })
    expect(record.summary.runId).toBe(summary.runId)
    expect(record.experimentSource).toBe(experimentText)
    expect(record.workloadStartMs).toBeGreaterThan(0)

    const html = buildReport({ records: [record], format: 'html', meta: { generatedAt: new Date().toISOString(), labVersion: 'test' } })
    expect(html).toContain('report-live')
    expect(html).toContain('crash leader')
    expect(html).toMatch(/class="badge (pass|fail|unknown)">/)
    expect(html.match(/<svg\b/g)?.length).toBeGreaterThanOrEqual(4)
  })
})
