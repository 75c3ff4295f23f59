// @vitest-environment node
/**
 * The lab service's run store calls on a real run folder: the record of a finished run (what the
 * renderer stores when a run ends), the list of run folders, and PDF printing through whatever the
 * host injected.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createLabService } from '../../../src-main/lab/service'
import { loadRunDirectory } from '../../../src-main/lab/report/run-directory'

const fixture = path.resolve(import.meta.dirname, '../../fixtures/runs/raft-3-crash')
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-service-runs-'))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

function service(options: { renderPdf?: (html: string) => Promise<Uint8Array> } = {}) {
  const runsDir = path.join(scratch, 'runs')
  if (!fs.existsSync(runsDir)) {
    fs.cpSync(fixture, path.join(runsDir, 'run-a'), { recursive: true })
    fs.mkdirSync(path.join(runsDir, 'not-a-run'))
  }
  return createLabService({ experimentsDir: scratch, userExperimentsDir: scratch, runsDir, ...options })
}

describe('the lab service for the run store', () => {
  it('reads a finished run’s record from its run folder', async () => {
    const record = await service().getRunRecord('run-a')
    const expected = await loadRunDirectory(path.join(scratch, 'runs', 'run-a'))
    expect({ ...record, exportedAt: '' }).toEqual({ ...expected, exportedAt: '' })
    expect(record.summary.name).toBe('fixture-raft-3-crash')
  })

  it('says which file is missing, and never leaves the run folder', async () => {
    await expect(service().getRunRecord('not-a-run')).rejects.toThrow(/summary\.json is missing/)
    await expect(service().getRunRecord('no-such-run')).rejects.toThrow(/no such run directory/)
    await expect(service().getRunRecord('..')).rejects.toThrow(/expected a run id/)
  })

  it('lists the run folders that hold a run', async () => {
    expect(await service().listRunDirectories()).toEqual([{ runId: 'run-a', name: 'fixture-raft-3-crash', protocol: 'raft', startedAt: '2026-11-27T18:19:15.408Z', completed: true }])
  })

  it('prints PDF through the host’s printer, as base64, and says so when the host has none', async () => {
    const printed: string[] = []
    const pdf = await service({
      renderPdf: async (html) => {
        printed.push(html)
        return new TextEncoder().encode('%PDF-1.7 fake')
      },
    }).renderPdf('<p>report</p>')
    expect(Buffer.from(pdf, 'base64').toString()).toBe('%PDF-1.7 fake')
    expect(printed).toEqual(['<p>report</p>'])
    await expect(service().renderPdf('<p>report</p>')).rejects.toThrow(/cannot print PDF reports/)
  })
})
