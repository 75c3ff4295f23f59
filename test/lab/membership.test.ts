/**
 * Membership changes as faults of an experiment, on real processes: the shipped experiments that
 * grow a cluster, remove its leader, and replace a crashed node each run as a user runs them and
 * must end PASS with no acknowledged write lost, every membership change carried out, and the
 * configuration the replicas end with (their final states) the one the schedule asked for.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadExperimentFile } from '../../src-main/lab/experiment-file.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import type { RunSummary } from '../../src-main/api/summary.js'
import type { FinalState } from '../../src-main/replica/control.js'
import type { TraceEvent } from '../../src-main/api/trace.js'
import { computeLeadership } from '../../src-main/lab/leadership.js'

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-membership-'))
afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }))

async function run(file: string): Promise<{ summary: RunSummary; finalStates: FinalState[]; electionTimeoutMinMs: number }> {
  const loaded = loadExperimentFile(path.join(repositoryRoot(), 'experiments', file))
  if (!loaded.ok) throw new Error(loaded.message)
  const summary = await new ExperimentRun(loaded.experiment, { runsDir }).execute()
  expect(summary.completed, summary.error).toBe(true)
  const finalStates = JSON.parse(fs.readFileSync(path.join(summary.runDir, 'final-states.json'), 'utf8')) as FinalState[]
  const [electionTimeoutMinMs] = (loaded.experiment.cluster as unknown as { electionTimeoutMs: [number, number] }).electionTimeoutMs
  return { summary, finalStates, electionTimeoutMinMs: electionTimeoutMinMs! }
}

/** The run's trace, as its file holds it. */
function readTrace(summary: RunSummary): TraceEvent[] {
  const text = fs.readFileSync(path.join(summary.runDir, 'trace.ndjson'), 'utf8')
  return text.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as TraceEvent)
}

/** The verdict PASS (linearizable, every invariant holds), and no acknowledged write lost; else what failed. */
function expectPass(summary: RunSummary): void {
  const verdict = summary.verdict
  const broken = verdict?.invariants.filter((invariant) => !invariant.ok).map((invariant) => `${invariant.name}: ${invariant.detail}`) ?? []
  expect(verdict?.linearizable === true && broken.length === 0, [`linearizable: ${verdict?.linearizable}`, ...broken, verdict?.witness ?? ''].join('\n')).toBe(true)
  expect(summary.lostWrites, 'final reads judged every acknowledged write').toMatchObject({ lost: 0, finalReadsFound: true })
  expect(summary.lostWrites!.acknowledged).toBeGreaterThan(0)
  // The replicas trace their configurations, so the verdict checks election safety per configuration.
  const perConfiguration = verdict?.invariants.find((invariant) => invariant.name === 'election-safety-per-configuration')
  expect(perConfiguration, 'the verdict names election-safety-per-configuration').toMatchObject({ ok: true })
  expect(perConfiguration!.detail).toMatch(/^[1-9]\d* election\(s\): each leader was elected under the newest committed configuration or one change from it/)
}

/** Every membership fault of the schedule was carried out (with what the record says when not). */
function expectMembershipApplied(summary: RunSummary, count: number): void {
  const membership = summary.faults.filter((fault) => /^(add node|promote|remove node) /.test(fault.action))
  const described = membership.map((fault) => `${fault.action}: ${fault.outcome}${fault.detail ? ` (${fault.detail})` : ''}`)
  expect(membership.map((fault) => `${fault.action}: ${fault.outcome}`), described.join('\n')).toEqual(membership.map((fault) => `${fault.action}: applied`))
  expect(membership).toHaveLength(count)
}

/** The nodes that ended, each holding the configuration `voters` with no learner left, all in one state. */
function expectFinalConfiguration(finalStates: FinalState[], voters: string[]): void {
  expect(finalStates.map((state) => state.node).sort()).toEqual(voters)
  for (const state of finalStates) {
    expect([...(state.status.configuration?.voters ?? [])].sort(), `${state.node}'s voters`).toEqual(voters)
    expect(state.status.configuration?.learners, `${state.node}'s learners`).toEqual([])
  }
  expect(new Set(finalStates.map((state) => state.appliedIndex)).size, 'the remaining nodes at one applied index').toBe(1)
  expect(new Set(finalStates.map((state) => state.kvDigest)).size, 'one state among the remaining nodes').toBe(1)
}

describe('membership changes as faults (Raft, real processes)', () => {
  it('grows three nodes to five under load: D and E join as learners, are promoted, and end as voters with the same state', async () => {
    const { summary, finalStates } = await run('raft-3-grow-to-5.yaml')
    expectMembershipApplied(summary, 4)
    expect(summary.nodeNames).toEqual(['A', 'B', 'C', 'D', 'E'])
    expectFinalConfiguration(finalStates, ['A', 'B', 'C', 'D', 'E'])
    expectPass(summary)
  }, 120_000)

  it('removes the leader of five gracefully: it hands leadership to an up-to-date voter, which commits the removal; the cluster is never without a leader for an election timeout, and the four others end alike', async () => {
    const { summary, finalStates, electionTimeoutMinMs } = await run('raft-5-remove-leader.yaml')
    expectMembershipApplied(summary, 1)
    const fault = summary.faults.find((candidate) => candidate.action === 'remove node leader')!
    const removed = fault.targets
    expect(removed).toHaveLength(1)
    // The trace's own facts: from the first leader on, every interval in which no running node led.
    const trace = readTrace(summary)
    const leadership = computeLeadership(trace, 0, Math.max(...trace.map((event) => event.t)))
    const firstLeaderMs = leadership.tenures[0]!.fromMs
    const gaps = computeLeadership(trace, firstLeaderMs, Math.max(...trace.map((event) => event.t))).leaderlessIntervals.map((gap) => Math.round(gap.toMs - gap.fromMs))
    expect(Math.max(0, ...gaps), `leaderless intervals after the first election (ms): ${gaps.join(', ')}; election timeout ${electionTimeoutMinMs} ms`).toBeLessThan(electionTimeoutMinMs)
    expect(leadership.tenures.some((tenure) => tenure.node !== removed[0] && tenure.fromMs > firstLeaderMs), 'another node leads after the removal').toBe(true)
    expect(fault.detail, 'the fault record says the leadership went to another voter').toMatch(/^leadership transferred to [A-E] in \d+ ms/)
    expectFinalConfiguration(finalStates, ['A', 'B', 'C', 'D', 'E'].filter((node) => node !== removed[0]))
    expectPass(summary)
  }, 120_000)

  it('replaces crashed C with a fresh D: D is added, promoted, C removed, and A, B, D end with the same state', async () => {
    const { summary, finalStates } = await run('raft-3-replace-crashed-node.yaml')
    expectMembershipApplied(summary, 3)
    expect(summary.nodeNames).toEqual(['A', 'B', 'C', 'D'])
    expectFinalConfiguration(finalStates, ['A', 'B', 'D'])
    expectPass(summary)
  }, 120_000)
})
