/**
 * configChangeWithoutNoop (the 2015 bug of single-server changes, thesis §4.3 erratum) in the
 * simulator: no seed of `--membership` reaches it (none of 1..1000), so this is a crafted schedule,
 * played as a replay with two changes asked of a leader directly (SimOnlyFault 'reconfigure').
 *
 *   n1 leads n1..n4 and adds n5 as a learner. Cut off with n5 alone, n1 promotes n5: C1 = {n1..n5}
 *   reaches n5 only, and n1 crashes. n2 is elected by n2, n3, n4; n4 crashes right after its vote,
 *   before n2's noop reaches it, so the noop cannot commit under {n1..n4}. n2 is asked to remove n4:
 *   the correct core refuses (no entry of its term committed); the mutated one appends C2 = {n1, n2,
 *   n3} (n5 still a learner there), whose majority n2 and n3 commit it. n2 crashes, n2 and n3 are cut off (what n2 still had in flight too), n1 and n4 come back: n1,
 *   still under C1, is elected by n1, n4 and n5, two changes from the committed C2. Its majority
 *   and C2's need not overlap, and here they do not: the simulator's configurations check fails.
 */
import { describe, expect, it } from 'vitest'
import { validateExperimentText } from '../../src-main/api/validate.js'
import { scheduledFaults } from '../../src-main/lab/faults.js'
import { planReplay, type FaultReplay } from '../../src-main/sim/replay.js'
import { simulate } from '../../src-main/sim/simulation.js'

const experimentText = `
name: change-before-noop
protocol: raft
seed: 5
cluster: {nodes: [n1, n2, n3, n4], electionTimeoutMs: [400, 800], firstElectionTimeoutMs: {n1: 100}, heartbeatMs: 50, preVote: false, checkQuorum: false}
network: {delayMs: 20}
workload: {duration: 3s, clients: 2, keys: 4}
faults:
  - {at: 500ms, addNode: n5}
  - {at: 1000ms, partition: [[n1, n5], [n2, n3, n4]]}
  - {at: 1010ms, campaign: n2}
  - {at: 1060ms, crash: n4}
  - {at: 1100ms, crash: n1}
  - {at: 1300ms, crash: n2}
  - {at: 1300ms, partition: [[n2, n3], [n1, n4, n5]]}
  - {at: 1310ms, restart: n1}
  - {at: 1310ms, restart: n4}
`

function craftedReplay(): FaultReplay {
  const validated = validateExperimentText(experimentText)
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
  const plan = planReplay(validated.experiment, scheduledFaults(validated.experiment), { source: 'change-before-noop', command: 'npx vitest run test/sim/membership-mutations.test.ts' })
  if (!plan.ok) throw new Error(plan.reasons.join('\n'))
  const faults = [
    ...plan.replay.faults,
    { atUs: 1_001_000, fault: { kind: 'reconfigure' as const, node: 'n1', change: { kind: 'promote' as const, node: 'n5' } } },
    { atUs: 1_080_000, fault: { kind: 'reconfigure' as const, node: 'n2', change: { kind: 'remove' as const, node: 'n4' } } },
  ].sort((a, b) => a.atUs - b.atUs)
  return { ...plan.replay, faults }
}

describe('configChangeWithoutNoop in the simulator (a crafted schedule)', () => {
  it('a leader two changes from the committed configuration is caught; the correct core refuses the change and passes', () => {
    const broken = simulate({ protocol: 'raft', seed: 5, replay: craftedReplay(), mutations: ['configChangeWithoutNoop'], recordSteps: true })
    const lines = (broken.lines ?? []).filter((line) => /directly|campaign|crash|restart|partition|add node|membership change \(/.test(line))
    console.log(`configChangeWithoutNoop: ${broken.ok ? 'passed' : `${broken.violation!.check}: ${broken.violation!.detail}`}\n${lines.join('\n')}`)
    expect(broken.ok).toBe(false)
    expect(broken.violation!.check).toBe('configurations')
    expect(broken.violation!.detail).toMatch(/n1 was elected under voters n1, n2, n3, n4, n5 \(entry \d+\), 2 changes from the newest committed configuration, voters n1, n2, n3, learners n5 /)

    const correct = simulate({ protocol: 'raft', seed: 5, replay: craftedReplay() })
    expect(correct.ok, correct.violation?.detail).toBe(true)
  })
})
