/**
 * Every schema-valid experiment runs: large values and a follower that comes back after missing
 * tens of MiB of log. Catch-up AppendEntries are capped by bytes (appendBytesMax), so no replica
 * builds a frame it cannot send, and the returning follower catches up.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { validateExperiment } from '../../src-main/api/validate.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import type { TraceEvent } from '../../src-main/api/trace.js'
import type { FinalState } from '../../src-main/replica/control.js'
import { frameBytesMax } from '../../src-main/protocols/common/wire-budget.js'

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-large-values-'))
afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }))

describe('an experiment with 64 KiB values and a follower down for 6 s', () => {
  it('runs with no replica dying, and the restarted follower applies everything the leader applied', async () => {
    const validated = validateExperiment({
      name: 'large-values-follower-down',
      protocol: 'raft',
      seed: 3,
      cluster: { nodes: 3, durability: 'fsync', firstElectionTimeoutMs: { A: 150, B: 1000, C: 1000 } },
      // C stays down long enough for more than a frame of log to commit even on a loaded machine
      // (3 s was not always enough), and the run goes on long enough after its restart to catch up.
      workload: { duration: '12s', clients: 16, keys: 50, valueBytes: 65_536, mix: { get: 0.1, put: 0.9 }, timeoutMs: 3000 },
      faults: [
        { at: '1s', crash: 'C' },
        { at: '7s', restart: 'C' },
      ],
    })
    if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
    const summary = await new ExperimentRun(validated.experiment, { runsDir }).execute()
    const trace = fs
      .readFileSync(path.join(summary.runDir, 'trace.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TraceEvent)
    const deaths = trace.filter((event) => event.kind === 'process' && event.state === 'exited')
    expect(deaths, JSON.stringify(deaths)).toEqual([])
    expect(summary.completed, summary.error).toBe(true)
    const finalStates = JSON.parse(fs.readFileSync(path.join(summary.runDir, 'final-states.json'), 'utf8')) as FinalState[]
    const restarted = finalStates.find((state) => state.node === 'C')!
    const furthest = finalStates.reduce((best, state) => (state.appliedIndex > best.appliedIndex ? state : best))
    // More than a whole frame of log committed while C was down: the catch-up could not be one message.
    const processAt = (state: string) => trace.find((event) => event.kind === 'process' && event.node === 'C' && event.state === state)!.t
    const crashedAt = processAt('crashed')
    const restartedAt = trace.find((event) => event.kind === 'process' && event.node === 'C' && event.state === 'up' && event.t > crashedAt)!.t
    const commitAt = (t: number) => Math.max(0, ...trace.filter((event) => event.kind === 'commit' && event.node !== 'C' && event.t <= t).map((event) => (event as { index: number }).index))
    const missedBytes = (commitAt(restartedAt) - commitAt(crashedAt)) * 65_536
    expect(missedBytes, 'the scenario must leave C more than a frame behind (too few writes while it was down: is the machine overloaded?)').toBeGreaterThan(frameBytesMax)
    expect(restarted.appliedIndex).toBe(furthest.appliedIndex)
    expect(restarted.hash).toBe(furthest.hash)
    expect(summary.verdict?.linearizable).toBe(true)
  }, 120_000)
})
