/**
 * The shipped membership experiments replayed in the simulator: nodes join with empty disks as
 * learners, are promoted, and are removed (the leader too), each change proposed to whoever leads
 * until committed, as the lab's injector does; the run passes every safety check, converges on the
 * final configuration (a removed node need not) and its history is linearizable.
 *
 * Replay one:  npm run lab -- simulate --from-run <a run of the experiment>   (or this file's planReplay)
 */
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { validateExperimentText } from '../../src-main/api/validate.js'
import { scheduledFaults } from '../../src-main/lab/faults.js'
import { planReplay } from '../../src-main/sim/replay.js'
import { Simulation } from '../../src-main/sim/simulation.js'
import type { SimResult } from '../../src-main/sim/result.js'

function replayOf(file: string) {
  const validated = validateExperimentText(fs.readFileSync(file, 'utf8'))
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
  const experiment = validated.experiment
  const plan = planReplay(experiment, scheduledFaults(experiment), { source: file, command: `replay ${file}` })
  if (!plan.ok) throw new Error(plan.reasons.join('\n'))
  return { experiment, replay: plan.replay }
}

/** The final configuration as the converged leader holds it, and the nodes stopped for good. */
function endState(simulation: Simulation) {
  const leader = simulation.nodes.find((node) => node.core !== undefined && node.status?.role === 'leader')!
  const view = simulation.protocol.host.configuration!(leader.core!)!
  return { voters: [...view.voters].sort(), learners: [...view.learners], committed: view.committed, removed: simulation.nodes.filter((node) => node.removed).map((node) => node.id) }
}

describe('the membership experiments replay in the simulator', () => {
  it('raft-3-grow-to-5: D and E join as learners and are promoted; all five converge', () => {
    const { result, end, lines } = run('experiments/raft-3-grow-to-5.yaml')
    expect(result.ok, verdictOf(result)).toBe(true)
    expect(result.linearizable).toBe(true)
    expect(end).toEqual({ voters: ['A', 'B', 'C', 'D', 'E'], learners: [], committed: true, removed: [] })
    for (const change of ['add D as a learner', 'promote D', 'add E as a learner', 'promote E']) expect(lines).toMatch(new RegExp(`${change} committed after`))
  })

  it('raft-3-replace-crashed-node: D replaces the crashed C, which is removed and never restarted', () => {
    const { result, end, lines } = run('experiments/raft-3-replace-crashed-node.yaml')
    expect(result.ok, verdictOf(result)).toBe(true)
    expect(result.linearizable).toBe(true)
    expect(end).toEqual({ voters: ['A', 'B', 'D'], learners: [], committed: true, removed: ['C'] })
    expect(lines).toMatch(/remove C committed after \d+ proposal\(s\); C stopped for good/)
  })

  it('raft-5-remove-leader: the leader appends its own removal, steps down once it commits, and is stopped; four remain', () => {
    const { result, end, lines, simulation } = run('experiments/raft-5-remove-leader.yaml')
    expect(result.ok, verdictOf(result)).toBe(true)
    expect(result.linearizable).toBe(true)
    const removedLeader = /\bremove ([A-E]) queued/.exec(lines)?.[1]
    expect(removedLeader).toBeDefined()
    expect(end.removed).toEqual([removedLeader])
    expect(end.voters).toEqual(['A', 'B', 'C', 'D', 'E'].filter((node) => node !== removedLeader))
    expect(end.committed).toBe(true)
    // It led when the fault fired: the change went to it, and a new leader took over after.
    expect(lines).toMatch(new RegExp(`proposed to ${removedLeader} \\(term \\d+\\), proposal 1`))
    expect(simulation.nodes.find((node) => node.id === removedLeader)!.core).toBeUndefined()
  })

  it('a membership replay is exact: the same steps twice', () => {
    const first = run('experiments/raft-3-replace-crashed-node.yaml').result
    const second = run('experiments/raft-3-replace-crashed-node.yaml').result
    expect(second.traceHash).toBe(first.traceHash)
  })
})

function run(file: string) {
  const { experiment, replay } = replayOf(file)
  const simulation = new Simulation({ protocol: 'raft', seed: experiment.seed, replay, recordSteps: true })
  const result = simulation.run()
  const lines = (result.lines ?? []).filter((line) => / membership change \(| add node | promote | remove /.test(line)).join('\n')
  console.log(`${file}:\n${lines}`)
  return { result, end: endState(simulation), lines, simulation }
}

function verdictOf(result: SimResult): string {
  return result.ok ? 'passed' : `${result.violation!.check}: ${result.violation!.detail}`
}
