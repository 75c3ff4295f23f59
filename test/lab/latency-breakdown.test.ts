/**
 * A real run's summary.json carries its latency breakdown: the phases of its protocol, each
 * operation split on the run's one clock, and a note; with trace.log off it has none and says why.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadExperimentFile } from '../../src-main/lab/experiment-file.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { pbftPhases, raftPhases } from '../../src-main/api/latency-breakdown.js'
import type { RunSummary } from '../../src-main/api/summary.js'

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-breakdown-'))
afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }))

async function run(file: string, patch: { trace?: { messages: boolean; log: boolean } } = {}): Promise<RunSummary> {
  const loaded = loadExperimentFile(path.join(repositoryRoot(), 'experiments', file))
  if (!loaded.ok) throw new Error(loaded.message)
  const experiment = { ...loaded.experiment, faults: [], nemesis: undefined, workload: { ...loaded.experiment.workload, duration: 1500, warmup: 0 }, ...patch }
  const summary = await new ExperimentRun(experiment, { runsDir }).execute()
  expect(summary.completed).toBe(true)
  // What the run wrote is what it returned.
  expect(JSON.parse(fs.readFileSync(path.join(summary.runDir, 'summary.json'), 'utf8')).latencyBreakdown).toEqual(summary.latencyBreakdown)
  return summary
}

describe('latencyBreakdown in summary.json', () => {
  it('a Raft run splits its logged operations into client hop, leader persist, replicate and ack, commit to apply, reply', async () => {
    const summary = await run('raft-3.yaml')
    expect(summary.latencyBreakdown?.map((row) => row.phase)).toEqual([...raftPhases])
    for (const row of summary.latencyBreakdown!) expect(row.p50Ms).toBeGreaterThanOrEqual(0)
    // Means add up: the phases' means are the mean latency of the operations split, which is within the run's latency.
    const meanSumMs = summary.latencyBreakdown!.reduce((sum, row) => sum + row.meanMs, 0)
    expect(meanSumMs).toBeGreaterThan(0)
    expect(meanSumMs).toBeLessThanOrEqual(summary.latencyMs.max)
    expect(summary.latencyBreakdownNote).toMatch(/^\d+ of \d+ acknowledged operations split/)
  })

  it('a PBFT run splits its operations into request, pre-prepare, prepare quorum, commit quorum, execute, replies', async () => {
    const summary = await run('pbft-4-faulty-primary.yaml')
    expect(summary.latencyBreakdown?.map((row) => row.phase)).toEqual([...pbftPhases])
    expect(summary.latencyBreakdownNote).toContain('f+1 replicas')
  })

  it('with trace.log off there is no breakdown, and the note says why', async () => {
    const summary = await run('raft-3.yaml', { trace: { messages: true, log: false } })
    expect(summary.latencyBreakdown).toBeUndefined()
    expect(summary.latencyBreakdownNote).toContain('trace.log is off')
  })
})
