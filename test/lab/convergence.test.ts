import { describe, expect, it } from 'vitest'
import { ConvergenceWatch } from '../../src-main/lab/convergence.js'

const bounds = { stallMs: 3000, waitMaxMs: 30_000 }

describe('the wait for the replicas to apply the same index at the end of a run', () => {
  it('is over as soon as every running replica applied the same index', () => {
    expect(new ConvergenceWatch(0, bounds).observe([1569, 1569, 1569], 0)).toBe('converged')
    expect(new ConvergenceWatch(0, bounds).observe([7], 10)).toBe('converged')
  })

  it('keeps waiting past the stall bound while a follower back from a crash is still catching up', () => {
    // The CI run that cut the wait off at a fixed 3 s: C had applied 921 of the leader's 1569.
    const watch = new ConvergenceWatch(0, bounds)
    let applied = 600
    for (let nowMs = 0; nowMs < 9000; nowMs += 500) {
      expect(watch.observe([1569, 1569, applied], nowMs), `at ${nowMs} ms`).toBe('waiting')
      applied += 40
    }
    expect(watch.observe([1569, 1569, 1569], 9000)).toBe('converged')
  })

  it('gives up once nothing has moved for the stall bound (a replica still cut off)', () => {
    const watch = new ConvergenceWatch(0, bounds)
    expect(watch.observe([50, 50, 20], 0)).toBe('waiting')
    expect(watch.remainingMs(0)).toBe(3000)
    expect(watch.observe([50, 50, 21], 1000)).toBe('waiting')
    expect(watch.remainingMs(2000)).toBe(2000)
    expect(watch.observe([50, 50, 21], 3999)).toBe('waiting')
    expect(watch.observe([50, 50, 21], 4000)).toBe('stalled')
  })

  it('gives up at the hard bound even while the lagging replica still creeps forward', () => {
    const watch = new ConvergenceWatch(100, bounds)
    let applied = 0
    for (let nowMs = 100; nowMs < 30_100; nowMs += 1000) expect(watch.observe([10_000, ++applied], nowMs)).toBe('waiting')
    expect(watch.remainingMs(29_600)).toBe(500)
    expect(watch.observe([10_000, ++applied], 30_100)).toBe('bounded')
  })
})
