/**
 * Replays are exact: the same seed and options give the same steps, in the same order, with the
 * same outcome, whatever ran before and however the run is driven (simulate, step by step, the
 * command). That is what makes a printed seed worth printing.
 */
import { describe, expect, it } from 'vitest'
import { Simulation, simulate, simulateSteps, type SimOptions, type SimStepView } from '../../src-main/sim/index.js'

const cases: SimOptions[] = [
  { protocol: 'raft', seed: 11 },
  { protocol: 'raft', seed: 4, mutations: ['truncateOnStaleAppend'] },
  { protocol: 'primary-backup', seed: 5, faults: 'benign' },
  { protocol: 'primary-backup', seed: 2, faults: 'partitions' },
]

describe('a seed replays exactly', () => {
  for (const options of cases) {
    const name = `${options.protocol} seed ${options.seed}${options.mutations ? ` ${options.mutations.join(',')}` : ''}${options.faults ? ` (${options.faults})` : ''}`
    it(`${name}: two runs give the same event log, hash and outcome`, () => {
      const first = simulate({ ...options, recordSteps: true })
      const second = simulate({ ...options, recordSteps: true })
      expect(second.traceHash).toBe(first.traceHash)
      expect(second.lines).toEqual(first.lines)
      expect(second.violation).toEqual(first.violation)
      expect(second.lines!.length).toBe(first.steps)
    })
  }

  it('different seeds give different runs', () => {
    const hashes = new Set([1, 2, 3, 4, 5].map((seed) => simulate({ protocol: 'raft', seed }).traceHash))
    expect(hashes.size).toBe(5)
  })

  it('no state leaks between runs: a run interleaved with another gives the same hash as alone', () => {
    const alone = simulate({ protocol: 'raft', seed: 21 })
    const interleaved = new Simulation({ protocol: 'raft', seed: 21 })
    for (let step = 0; step < 500; step += 1) interleaved.step()
    simulate({ protocol: 'raft', seed: 22, mutations: ['voteWithoutLogCheck'] })
    simulate({ protocol: 'primary-backup', seed: 21 })
    expect(interleaved.run().traceHash).toBe(alone.traceHash)
  })

  it('--steps N replays a prefix of the same schedule (the scenario does not depend on the step budget)', () => {
    const long = simulate({ protocol: 'raft', seed: 8, recordSteps: true })
    const short = simulate({ protocol: 'raft', seed: 8, stepsMax: 400, recordSteps: true })
    expect(short.lines!.slice(0, 400)).toEqual(long.lines!.slice(0, 400))
    expect(short.lines![400]).toMatch(/phase liveness/)
    expect(short.scenario).toEqual(long.scenario)
  })

  it('the step-by-step API yields the same steps as a run, with every node and the message delivered', () => {
    const run = simulate({ protocol: 'raft', seed: 13, recordSteps: true })
    const generator = simulateSteps({ protocol: 'raft', seed: 13 })
    const views: SimStepView[] = []
    let next = generator.next()
    while (next.done !== true) {
      views.push(next.value)
      next = generator.next()
    }
    expect(next.value.traceHash).toBe(run.traceHash)
    expect(views.map((view) => view.line)).toEqual(run.lines)
    const delivery = views.find((view) => view.event.kind === 'deliver' && view.note === '')!
    expect(delivery.event).toMatchObject({ kind: 'deliver', message: { type: expect.any(String) } })
    expect(delivery.nodes.map((node) => node.id)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'].slice(0, delivery.nodes.length))
    const last = views[views.length - 1]
    expect(last.phase).toBe('done')
    expect(last.nodes.every((node) => node.up && node.status !== undefined && node.status.appliedIndex === last.nodes[0].status!.appliedIndex)).toBe(true)
  })
})
