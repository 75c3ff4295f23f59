/**
 * The nemesis draws its schedule from the run's seed: every kind it is given is drawn, each fault
 * is healed (the same node gets its disk and clock back) before the next one starts, and the end of
 * the run is left whole.
 */
import { describe, expect, it } from 'vitest'
import { validateExperiment } from '../../src-main/api/validate.js'
import type { Experiment } from '../../src-main/api/experiment.js'
import { nemesisSchedule } from '../../src-main/lab/nemesis.js'
import { describeFault } from '../../src-main/faults/fault.js'

const allKinds = ['crash', 'pause', 'partition', 'cut', 'loss', 'delay', 'slowDisk', 'clockSkew'] as const

function experiment(seed: number, faults: readonly string[] = allKinds): Experiment {
  const result = validateExperiment({
    protocol: 'raft',
    seed,
    cluster: { nodes: 5 },
    workload: { duration: '60s' },
    nemesis: { meanInterval: '500ms', faultDuration: '400ms', faults },
  })
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  return result.experiment
}

describe('the nemesis', () => {
  it('draws every kind it is given, slow disks and clock skew included', () => {
    const drawn = new Set(nemesisSchedule(experiment(7)).map(({ fault }) => fault.kind))
    for (const kind of ['crash', 'restart', 'pause', 'resume', 'partition', 'heal', 'cut', 'network', 'slowDisk', 'clockSkew']) expect(drawn, kind).toContain(kind)
  })

  it('heals each fault before the next starts, and leaves the last second whole', () => {
    for (const seed of [1, 2, 3]) {
      const schedule = nemesisSchedule(experiment(seed))
      expect(schedule.length % 2).toBe(0)
      for (let index = 0; index < schedule.length; index += 2) {
        const [start, heal] = [schedule[index]!, schedule[index + 1]!]
        expect(heal.atMs - start.atMs).toBe(400)
        if (index + 2 < schedule.length) expect(schedule[index + 2]!.atMs).toBeGreaterThanOrEqual(heal.atMs)
      }
      expect(schedule.at(-1)!.atMs).toBeLessThanOrEqual(60_000 - 1000)
    }
  })

  it('skews one named node\'s clock and gives the same node its clock back', () => {
    const schedule = nemesisSchedule(experiment(11, ['clockSkew']))
    expect(schedule.length).toBeGreaterThan(10)
    for (let index = 0; index < schedule.length; index += 2) {
      const start = schedule[index]!.fault as { kind: 'clockSkew'; target: string; factor: number }
      const heal = schedule[index + 1]!.fault as { kind: 'clockSkew'; target: string; factor: number }
      expect(['A', 'B', 'C', 'D', 'E']).toContain(start.target)
      expect(start.factor).not.toBe(1)
      expect(heal).toEqual({ kind: 'clockSkew', target: start.target, factor: 1 })
      expect(describeFault(schedule[index]!.fault)).toMatch(/^clock of [A-E] runs at /)
    }
    const factors = new Set(schedule.filter((_, index) => index % 2 === 0).map(({ fault }) => (fault as { factor: number }).factor))
    expect([...factors].some((factor) => factor < 1) && [...factors].some((factor) => factor > 1)).toBe(true)
  })

  it('is the same schedule for the same seed', () => {
    expect(nemesisSchedule(experiment(5))).toEqual(nemesisSchedule(experiment(5)))
    expect(nemesisSchedule(experiment(5))).not.toEqual(nemesisSchedule(experiment(6)))
  })
})
