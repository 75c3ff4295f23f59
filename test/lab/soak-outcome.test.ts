/**
 * How the soak reads one finished run: faults by kind from what was injected, lost writes from the
 * history, replicas that died from the trace (or the verdict's replicas-healthy invariant), and
 * whether the run counts as clean.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { validateExperiment } from '../../src-main/api/validate.js'
import type { RunSummary } from '../../src-main/api/summary.js'
import type { Experiment } from '../../src-main/api/experiment.js'
import { drawSoakExperiment } from '../../src-main/lab/soak/draw.js'
import { isClean, soakRunOutcome } from '../../src-main/lab/soak/outcome.js'
import { nemesisSchedule } from '../../src-main/lab/nemesis.js'
import { describeFault } from '../../src-main/faults/fault.js'

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-outcome-'))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

function experimentOf(seed: number): Experiment {
  const result = validateExperiment(drawSoakExperiment('raft', seed, 20_000).input)
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  return result.experiment
}

/** A run directory as the runner leaves it, with the given history and trace lines. */
function runDirectory(name: string, history: object[], trace: object[], summary: Partial<RunSummary>, experiment: Experiment): RunSummary {
  const dir = path.join(scratch, name)
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'history.ndjson'), history.map((event) => JSON.stringify(event)).join('\n') + '\n')
  fs.writeFileSync(path.join(dir, 'trace.ndjson'), trace.map((event) => JSON.stringify(event)).join('\n') + '\n')
  const injected = nemesisSchedule(experiment).map(({ atMs, fault }) => ({ atMs, scheduledAtMs: atMs, action: describeFault(fault), targets: ['A'], outcome: 'applied' as const }))
  return {
    runDir: dir,
    completed: true,
    workloadStartMs: 0,
    faults: injected,
    reads: { mode: 'readindex', total: 1, stale: 0, examples: [] },
    verdict: { linearizable: true, invariants: [{ name: 'one-leader-per-term', ok: true, detail: 'ok' }] },
    ...summary,
  } as RunSummary
}

const goodHistory = [
  { process: 1, type: 'invoke', f: 'put', key: 'x', value: '1', time: 0 },
  { process: 1, type: 'ok', f: 'put', key: 'x', value: '1', time: 10 },
  { process: 2, type: 'invoke', f: 'get', key: 'x', value: null, time: 100 },
  { process: 2, type: 'ok', f: 'get', key: 'x', value: '1', time: 110 },
]

describe('the outcome of a soak run', () => {
  it('a clean run: faults counted by kind, its acknowledged write survives, nobody died', async () => {
    const experiment = experimentOf(3)
    const summary = runDirectory('clean', goodHistory, [{ t: 5, node: 'A', kind: 'process', state: 'crashed', detail: 'SIGKILL' }], {}, experiment)
    const outcome = await soakRunOutcome(3, 'drawn', experiment, summary)
    const starts = nemesisSchedule(experiment).filter((_, index) => index % 2 === 0).length
    expect(Object.values(outcome.faults).reduce((sum, count) => sum + count, 0)).toBe(starts)
    expect(outcome.lostWrites).toMatchObject({ acknowledged: 1, lost: 0, finalReadsFound: true })
    expect(outcome.replicasDied).toEqual([])
    expect(outcome.verdict).toBe('pass')
    expect(isClean(outcome)).toBe(true)
  })

  it('a replica that exited on its own, a lost write and a violation each make the run not clean', async () => {
    const experiment = experimentOf(4)
    const lostHistory = [...goodHistory.slice(0, 2), { process: 2, type: 'invoke', f: 'get', key: 'x', value: null, time: 100 }, { process: 2, type: 'ok', f: 'get', key: 'x', value: null, time: 110 }]
    const died = [{ t: 1234.5, node: 'B', kind: 'process', state: 'exited', detail: 'exit code 1' }]
    const summary = runDirectory('broken', lostHistory, died, { verdict: { linearizable: false, invariants: [], witness: 'get(x) returned nothing\nmore' } }, experiment)
    const outcome = await soakRunOutcome(4, 'drawn', experiment, summary)
    expect(outcome.replicasDied).toEqual(['B exited at 1235 ms: exit code 1'])
    expect(outcome.lostWrites?.lost).toBe(1)
    expect(outcome.verdict).toBe('violation')
    expect(outcome.verdictDetail).toBe('not linearizable: get(x) returned nothing')
    expect(isClean(outcome)).toBe(false)
  })

  it('takes dead replicas from the verdict\'s replicas-healthy invariant when it is there', async () => {
    const experiment = experimentOf(5)
    const verdict = { linearizable: true as const, invariants: [{ name: 'replicas-healthy', ok: false, detail: 'C exited with code 1 at 2.0 s' }] }
    const outcome = await soakRunOutcome(5, 'drawn', experiment, runDirectory('healthy-invariant', goodHistory, [], { verdict }, experiment))
    expect(outcome.replicasDied).toEqual(['C exited with code 1 at 2.0 s'])
    expect(outcome.verdict).toBe('violation')
  })

  it('an unknown verdict, a run that did not complete, or a fault the lab could not carry out are not clean either', async () => {
    const experiment = experimentOf(6)
    const unknown = await soakRunOutcome(6, 'drawn', experiment, runDirectory('unknown', goodHistory, [], { verdict: { linearizable: 'unknown', invariants: [], witness: 'budget ran out' } }, experiment))
    expect(unknown.verdict).toBe('unknown')
    expect(isClean(unknown)).toBe(false)
    const failed = await soakRunOutcome(6, 'drawn', experiment, runDirectory('failed', goodHistory, [], { completed: false, error: 'replica A did not start', verdict: undefined }, experiment))
    expect(failed).toMatchObject({ completed: false, verdict: 'none', verdictDetail: 'replica A did not start' })
    expect(isClean(failed)).toBe(false)
    const summary = runDirectory('fault-failed', goodHistory, [], {}, experiment)
    summary.faults[0] = { ...summary.faults[0]!, targets: [], outcome: 'failed', detail: 'failed: replica A did not start within 10000 ms' }
    const faultFailed = await soakRunOutcome(6, 'drawn', experiment, summary)
    expect(faultFailed.faultsFailed).toHaveLength(1)
    expect(isClean(faultFailed)).toBe(false)
  })

  it('a fault the run ended before (waiting for its node, or a restart cut short by the shutdown) is set apart, not counted, and not a failure', async () => {
    const experiment = experimentOf(7)
    const summary = runDirectory('not-carried-out', goodHistory, [], {}, experiment)
    const last = summary.faults.length - 1
    const due = summary.faults[last]!.scheduledAtMs!
    const detail = 'not carried out: the run ended while C was still starting (2300 ms after the restart began)'
    summary.faults[last] = { ...summary.faults[last]!, atMs: due + 2300, targets: [], outcome: 'not-carried-out', detail }
    const outcome = await soakRunOutcome(7, 'drawn', experiment, summary)
    expect(outcome.faultsNotCarriedOut).toEqual([`${summary.faults[last]!.action} due at ${due} ms (${detail} at ${due + 2300} ms)`])
    expect(outcome.faultsFailed).toEqual([])
    expect(isClean(outcome)).toBe(true)
  })

  it('pairs records with the schedule by due time and action, in whatever order they settled', async () => {
    const experiment = experimentOf(3)
    const inOrder = await soakRunOutcome(3, 'drawn', experiment, runDirectory('in-order', goodHistory, [], {}, experiment))
    const summary = runDirectory('settled-order', goodHistory, [], {}, experiment)
    summary.faults.reverse()
    const reversed = await soakRunOutcome(3, 'drawn', experiment, summary)
    expect(reversed.faults).toEqual(inOrder.faults)
    expect(Object.values(reversed.faults).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0)
  })

  it('a fault aimed at a leader when there was none is counted apart and is no failure', async () => {
    const experiment = experimentOf(3)
    const summary = runDirectory('no-leader', goodHistory, [], {}, experiment)
    const index = nemesisSchedule(experiment).findIndex(({ fault }) => fault.kind === 'crash' || fault.kind === 'pause')
    expect(index).toBeGreaterThanOrEqual(0)
    summary.faults[index] = { ...summary.faults[index]!, targets: [], detail: 'no node matched the target at that moment' }
    const outcome = await soakRunOutcome(3, 'drawn', experiment, summary)
    expect(outcome.faultsMissed).toBe(1)
    expect(isClean(outcome)).toBe(true)
  })

  it('draws read modes that are safe under the faults drawn: never lease reads with clock skew', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const { cluster, nemesis } = experimentOf(seed)
      if (nemesis!.faults.includes('clockSkew')) expect(cluster.readMode, `seed ${seed}`).not.toBe('lease')
      expect(cluster.readMode).not.toBe('follower')
      expect(cluster.durability).toBe('fsync')
    }
  })
})
