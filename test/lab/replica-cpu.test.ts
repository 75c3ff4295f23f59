import { describe, expect, it } from 'vitest'
import { ReplicaCpuMeter, cpuSamplesPerReplicaMax } from '../../src-main/lab/replica-cpu.js'

describe('replica CPU over the measured window', () => {
  it('interpolates each replica counter at the window edges between the samples on either side', () => {
    const meter = new ReplicaCpuMeter()
    // a: 1 ms of CPU per ms of time from t=0 (counter 100 at t=0, started at 100 from start-up).
    for (const t of [0, 50, 100, 150, 200]) meter.record('a', t, 100 + t)
    for (const t of [0, 100, 200]) meter.record('b', t, t / 2)
    expect(meter.measured(25, 175)).toEqual({ measuredMs: { a: 150, b: 75 } })
  })

  it('gives no figure for a replica that restarted inside the window, with the reason', () => {
    const meter = new ReplicaCpuMeter()
    meter.record('a', 0, 500)
    meter.record('a', 100, 600)
    meter.record('a', 150, 20)
    meter.record('a', 200, 40)
    const result = meter.measured(50, 190)
    expect(result.measuredMs).toEqual({})
    expect(result.unknown?.a).toMatch(/restarted/)
  })

  it('counts a restart before the window as harmless: both edges lie after it', () => {
    const meter = new ReplicaCpuMeter()
    for (const [t, cpu] of [[0, 500], [50, 10], [100, 60], [200, 160]] as const) meter.record('a', t, cpu)
    expect(meter.measured(100, 200)).toEqual({ measuredMs: { a: 100 } })
  })

  it('gives no figure when the samples do not cover both edges', () => {
    const meter = new ReplicaCpuMeter()
    meter.record('a', 100, 10)
    meter.record('a', 200, 20)
    meter.record('b', 0, 10)
    meter.record('b', 150, 20)
    const result = meter.measured(50, 180)
    expect(result.measuredMs).toEqual({})
    expect(result.unknown?.a).toMatch(/first status came after/)
    expect(result.unknown?.b).toMatch(/no status came after/)
  })

  it('stops keeping samples at its bound, so a window past it has no figure', () => {
    const meter = new ReplicaCpuMeter()
    for (let t = 0; t < cpuSamplesPerReplicaMax + 10; t += 1) meter.record('a', t, t)
    expect(meter.measured(1, cpuSamplesPerReplicaMax + 5).unknown?.a).toMatch(/no status came after/)
  })
})
