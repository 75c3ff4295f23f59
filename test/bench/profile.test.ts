/** `npm run bench -- profile`: the history and the leader's phase records joined into phases. */
import { describe, expect, it } from 'vitest'
import { phaseBreakdown, phaseNames } from '../../src-main/lab/bench/profile.js'
import type { PhaseRecord } from '../../src-main/replica/phase-profile.js'

const ns = (ms: number) => ms * 1e6

describe('phase breakdown', () => {
  it('splits each operation into consecutive phases that add up to its latency, joined by client and sequence number', () => {
    // Process 1: two writes (seq 1 and 2); process 2: one write that failed, then one that succeeded (seq 2).
    const history = [
      { process: 1, type: 'invoke' as const, time: ns(10) },
      { process: 2, type: 'invoke' as const, time: ns(10) },
      { process: 1, type: 'ok' as const, time: ns(20) },
      { process: 2, type: 'fail' as const, time: ns(11) },
      { process: 1, type: 'invoke' as const, time: ns(30) },
      { process: 2, type: 'invoke' as const, time: ns(30) },
      { process: 1, type: 'ok' as const, time: ns(38) },
      { process: 2, type: 'ok' as const, time: ns(50) },
    ]
    const records: PhaseRecord[] = [
      ['p1', 1, 11, 12, 14, 16, 17, 18],
      ['p1', 2, 31, 32, 33, 34, 35, 36],
      ['p2', 2, 32, 33, 40, 44, 46, 47],
    ]
    const breakdown = phaseBreakdown(history, records, 25)
    // The first write was invoked before the measured window (25 ms): left out.
    expect(breakdown.operations).toBe(2)
    expect(breakdown.unmatched).toBe(0)
    const mean = Object.fromEntries(breakdown.rows.map((row) => [row.phase, row.meanMs]))
    expect(mean['client hop']).toBe(1.5) // (31-30 + 32-30) / 2
    expect(mean.persist).toBe(4) // (33-32 + 40-33) / 2
    expect(mean.total).toBe(14) // (8 + 20) / 2
    const sumOfMeans = phaseNames.reduce((sum, name) => sum + mean[name]!, 0)
    expect(sumOfMeans).toBeCloseTo(mean.total!, 9)
  })

  it('counts operations no node recorded (answered by a node not profiled) apart instead of guessing', () => {
    const history = [
      { process: 1, type: 'invoke' as const, time: ns(1) },
      { process: 1, type: 'ok' as const, time: ns(2) },
    ]
    const breakdown = phaseBreakdown(history, [], 0)
    expect(breakdown).toMatchObject({ operations: 0, unmatched: 1 })
    expect(Number.isNaN(breakdown.rows[0]!.p50Ms)).toBe(true)
  })
})
