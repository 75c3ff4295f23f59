/**
 * Election safety per configuration (thesis ch. 4), the rule the test harness, the simulator and the
 * lab's verdict share: a leader is elected under the newest committed configuration or one change
 * from it, and no term has two leaders. Crafted traces that break it, and the witness it gives.
 */
import { describe, expect, it } from 'vitest'
import type { TraceEvent } from '../../src-main/api/trace.js'
import { changesApart, checkConfigurationsInTrace, leaderConfigurationProblem } from '../../src-main/checker/configurations.js'
import { checkInvariants } from '../../src-main/checker/invariants.js'

const role = (t: number, node: string, roleName: string, term: number): TraceEvent => ({ t, node, kind: 'role', role: roleName, term })
const config = (t: number, node: string, index: number, voters: string[], committed: boolean, learners: string[] = []): TraceEvent =>
  ({ t, node, kind: 'config', voters, learners, index, committed })
const crashed = (t: number, node: string): TraceEvent => ({ t, node, kind: 'process', state: 'crashed' })

const abc = ['A', 'B', 'C']
const start = (t: number): TraceEvent[] => abc.map((node) => config(t, node, 0, abc, true))

/** A grows the cluster to five (D, E learners then voters) and every change commits at A and B; C hears none of it. */
const grown: TraceEvent[] = [
  ...start(0),
  role(10, 'A', 'leader', 1),
  config(20, 'A', 2, abc, true, ['D']), config(21, 'B', 2, abc, true, ['D']),
  config(30, 'A', 3, [...abc, 'D'], true), config(31, 'B', 3, [...abc, 'D'], true),
  config(40, 'A', 4, [...abc, 'D'], true, ['E']), config(41, 'B', 4, [...abc, 'D'], true, ['E']),
  config(50, 'A', 5, [...abc, 'D', 'E'], true), config(51, 'B', 5, [...abc, 'D', 'E'], true),
]

function perConfiguration(trace: TraceEvent[]) {
  return checkInvariants({ trace, protocol: 'raft' }).find((invariant) => invariant.name === 'election-safety-per-configuration')
}

describe('the configurations rule', () => {
  it('counts the nodes whose role differs: a learner added is one change, a learner promoted another', () => {
    expect(changesApart({ voters: abc, learners: [] }, { voters: abc, learners: ['D'] })).toBe(1)
    expect(changesApart({ voters: abc, learners: [] }, { voters: [...abc, 'D'], learners: [] })).toBe(1)
    expect(changesApart({ voters: abc, learners: [] }, { voters: [...abc, 'D', 'E'], learners: [] })).toBe(2)
    expect(leaderConfigurationProblem('C', { voters: abc, learners: [], index: 0 }, { voters: [...abc, 'D'], learners: [], index: 3 })).toBeUndefined()
  })
})

describe('election safety per configuration, read off the trace', () => {
  it('fails a leader elected under a configuration two changes from the newest committed one, naming both and who still led', () => {
    const result = perConfiguration([...grown, role(60, 'C', 'leader', 2)])
    expect(result).toBeDefined()
    expect(result!.ok).toBe(false)
    expect(result!.detail).toBe(
      'term 2 at 60.000 ms: C was elected under voters A, B, C (the starting members), 2 changes from the newest committed configuration, ' +
      'voters A, B, C, D, E (entry 5): a majority of one need not overlap a majority of the other; A still led term 1, elected under voters A, B, C (the starting members)',
    )
  })

  it('passes a leader one change from the newest committed configuration, and one elected after it learned the newest', () => {
    const oneApart = [...grown.filter((event) => event.t < 35), role(36, 'C', 'leader', 2)]
    expect(perConfiguration(oneApart)).toMatchObject({ ok: true })
    const caughtUp = [...grown, crashed(55, 'A'), config(58, 'B', 5, [...abc, 'D', 'E'], true), role(60, 'B', 'leader', 2)]
    const result = perConfiguration(caughtUp)!
    expect(result, result.detail).toMatchObject({ ok: true })
    expect(result.detail).toBe('2 election(s): each leader was elected under the newest committed configuration or one change from it, and no term had two leaders (newest committed: voters A, B, C, D, E (entry 5))')
  })

  it('fails two leaders of one term, with the configuration each was elected under', () => {
    const result = perConfiguration([...grown, role(60, 'B', 'leader', 2), role(61, 'D', 'leader', 2)])!
    expect(result.ok).toBe(false)
    expect(result.detail).toMatch(/^term 2 had two leaders: B \(elected under voters A, B, C, D, E \(entry 5\)\) and D \(elected under an unknown configuration\)/)
  })

  it('is left out of the verdict when the trace shows no membership change (older traces, fixed clusters)', () => {
    expect(perConfiguration([...start(0), role(10, 'A', 'leader', 1)])).toBeUndefined()
    expect(checkConfigurationsInTrace([role(10, 'A', 'leader', 1)], ['leader'], 3)).toBeUndefined()
  })
})
