/**
 * The simulator's bench (sim/bench.ts): a bench row's experiment in virtual time. Its figures are
 * only worth printing if they are the workload's own: the clients' operations after the first
 * leader served, none of the liveness probe's, and none at all from a run whose checks failed.
 */
import { describe, expect, it } from 'vitest'
import { benchExperiment } from '../../src-main/lab/bench/shape.js'
import { scheduledFaults } from '../../src-main/lab/faults.js'
import { simulateExperiment } from '../../src-main/sim/bench.js'

function row(protocol: 'raft' | 'parallel-raft', clients: number, fsyncUs: number, lossy = false, diskJitterMs = 0) {
  const experiment = benchExperiment({
    protocol, nodes: 3, clients, durability: fsyncUs > 0 ? 'fsync' : 'none', durationMs: 2000, warmupMs: 1000, seed: 1,
    ...(lossy ? { links: { delayMs: 5, jitterMs: 20, loss: 0.05 } } : {}),
    ...(diskJitterMs > 0 ? { diskJitterMs } : {}),
    ...(protocol === 'parallel-raft' ? { lookBehindEntries: 64 } : {}),
  })
  return simulateExperiment(experiment, scheduledFaults(experiment), { seed: 1, fsyncUs })
}

describe('an experiment measured in the simulator', () => {
  it('obeys Little\'s law: clients in flight = throughput x latency (the liveness probe long after the load is not measured)', () => {
    const result = row('raft', 16, 0)
    expect(result.linearizable).toBe(true)
    expect(result.measuredOps).toBeGreaterThan(1000)
    // Closed loop, no think time: about 16 operations are always in flight.
    const meanInFlight = result.throughput * (result.p50Ms / 1000)
    expect(meanInFlight).toBeGreaterThan(12)
    expect(meanInFlight).toBeLessThan(20)
  })

  it('pays the modelled fsync, and replays exactly from its seed', () => {
    const none = row('raft', 1, 0)
    const fsync = row('raft', 1, 1000)
    expect(fsync.p50Ms - none.p50Ms).toBeGreaterThanOrEqual(0.9)
    expect(row('raft', 1, 1000)).toEqual(fsync)
  })

  it('blocks each fsync 0..jitterMs longer on a jittery disk (slowDisk jitterMs on every node), drawn from the seed', () => {
    const steady = row('raft', 1, 1000)
    const jittery = row('raft', 1, 1000, false, 10)
    expect(jittery.linearizable).toBe(true)
    // One writer waits for the leader's and one follower's fsync: on average 5 ms more each (the faster of two followers' less).
    expect(jittery.p50Ms - steady.p50Ms).toBeGreaterThan(4)
    expect(jittery.p99Ms).toBeLessThan(steady.p99Ms + 2 * 10 + 1)
    expect(row('raft', 1, 1000, false, 10)).toEqual(jittery)
  })

  it('runs ParallelRaft on a lossy link through the same checks', () => {
    const result = row('parallel-raft', 16, 1000, true)
    expect(result.violation).toBeUndefined()
    expect(result.linearizable).toBe(true)
    expect(result.measuredOps).toBeGreaterThan(100)
    expect(result.p99Ms).toBeGreaterThan(result.p50Ms)
  })
})
