/**
 * The workload's deadline counts its warm-up: a run of warmup + duration is what the experiment
 * asked for, so a warm-up longer than the grace the lab gives a workload must not get it killed.
 * A real run with a 4 s warm-up, beyond the 3 s grace this run gives (the default grace is 30 s:
 * the same shape at full size took 40 s of the suite), and a 1 s measured phase.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { validateExperiment } from '../../src-main/api/validate.js'
import { ExperimentRun, workloadDeadlineMs, workloadGraceMs } from '../../src-main/lab/runner.js'

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-workload-deadline-'))
afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }))

describe('the workload deadline', () => {
  it('lets a run with a warm-up longer than the grace (4 s against 3 s) and a 1 s measured phase finish, and measures only the 1 s', async () => {
    const validated = validateExperiment({
      name: 'long-warmup',
      protocol: 'raft',
      seed: 4,
      cluster: { nodes: 3, durability: 'none' },
      workload: { warmup: '4s', duration: '1s', clients: 1, keys: 3, mix: { get: 0.5, put: 0.5 } },
    })
    if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
    const summary = await new ExperimentRun(validated.experiment, { runsDir, workloadGraceMs: 3000 }).execute()
    expect(summary.error).toBeUndefined()
    expect(summary.completed).toBe(true)
    // The summary's duration is the measured phase, not the warm-up.
    expect(summary.durationMs).toBeLessThan(4000)
    expect(summary.ops.ok).toBeGreaterThan(0)
  }, 120_000)
})

describe('workloadDeadlineMs', () => {
  it('is warm-up plus duration plus the grace', () => {
    expect(workloadDeadlineMs({ warmup: 40_000, duration: 5000 })).toBe(40_000 + 5000 + workloadGraceMs)
    expect(workloadDeadlineMs({ warmup: 0, duration: 5000 }, 1000)).toBe(6000)
  })
})
