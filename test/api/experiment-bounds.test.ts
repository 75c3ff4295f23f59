/**
 * Every schema-valid experiment must run: each numeric field that could make a replica or the
 * workload die, hang or overflow a timer has a bound, and crossing it is a validation error that
 * names the path and what was expected, before anything starts.
 */
import { describe, expect, it } from 'vitest'
import { validateExperiment } from '../../src-main/api/validate.js'
import { timerMsMax } from '../../src-main/api/duration.js'
import { valueBytesMax } from '../../src-main/protocols/common/wire-budget.js'
import { replicaConfigSchema } from '../../src-main/replica/config.js'
import { resolveNode } from '../../src-main/api/experiment.js'
import { adapterFor } from '../../src-main/replica/adapters.js'

type Patch = Record<string, unknown>

/** A valid Raft experiment with `patch` merged in, section by section. */
function experiment(patch: Patch = {}): Record<string, unknown> {
  const base: Record<string, Patch> = { cluster: { nodes: 3 }, workload: { duration: '2s', clients: 2 } }
  const merged: Record<string, unknown> = { protocol: 'raft', ...base }
  for (const [key, value] of Object.entries(patch)) {
    merged[key] = typeof value === 'object' && value !== null && !Array.isArray(value) && key in base ? { ...base[key], ...(value as Patch) } : value
  }
  return merged
}

function errorsOf(patch: Patch): { path: string; message: string }[] {
  const result = validateExperiment(experiment(patch))
  return result.ok ? [] : result.errors
}

const over = `${timerMsMax + 1}ms`

describe('bounds on every field that could break a run', () => {
  const cases: [string, Patch, string, RegExp][] = [
    ['a run longer than a timer can wait', { workload: { duration: over } }, 'workload.duration', /at most 2147483647 ms/],
    ['a warm-up and run that together overflow a timer', { workload: { duration: `${timerMsMax - 10}ms`, warmup: '1s' } }, 'workload.warmup', /warmup \+ duration .* at most 2147483647 ms/],
    ['a fault time past a timer', { faults: [{ at: over, crash: 'leader' }] }, 'faults.0.at', /at most 2147483647 ms/],
    ['a tick below a millisecond', { cluster: { tickMs: 0.01 } }, 'cluster.tickMs', /expected at least 1/],
    ['a tick above 100 ms', { cluster: { tickMs: 500 } }, 'cluster.tickMs', /expected at most 100/],
    ['an election timeout of minutes', { cluster: { electionTimeoutMs: [150, 600_000] } }, 'cluster.electionTimeoutMs.1', /at most 60000/],
    ['an election timeout under two ticks', { cluster: { tickMs: 50, electionTimeoutMs: [60, 300], heartbeatMs: 50 } }, 'cluster.electionTimeoutMs', /at least two ticks \(2 × tickMs = 100 ms\), got 60 ms/],
    ['a heartbeat shorter than a tick', { cluster: { tickMs: 10, heartbeatMs: 2 } }, 'cluster.heartbeatMs', /at least one tick \(10 ms\)/],
    ['a first election timeout of hours', { cluster: { firstElectionTimeoutMs: { A: 7_200_000 } } }, 'cluster.firstElectionTimeoutMs.A', /at most 60000/],
    ['a lease drift of hours', { cluster: { leaseDriftMs: 7_200_000 } }, 'cluster.leaseDriftMs', /at most 60000/],
    ['a PBFT request timeout of hours', { protocol: 'pbft', cluster: { nodes: 4, requestTimeoutMs: 7_200_000 } }, 'cluster.requestTimeoutMs', /at most 60000/],
    ['a slow primary holding pre-prepares for hours', { protocol: 'pbft', cluster: { nodes: 4, byzantine: { A: { kind: 'slow-primary', delayMs: 7_200_000 } } } }, 'cluster.byzantine.A.delayMs', /at most 60000/],
    ['a link delay of hours', { network: { delayMs: 7_200_000 } }, 'network.delayMs', /at most 60000/],
    ['a link jitter of hours (fault)', { faults: [{ at: '1s', network: { jitterMs: 7_200_000 } }] }, 'faults.0.network.jitterMs', /at most 60000/],
    ['a disk that never finishes an fsync', { faults: [{ at: '1s', slowDisk: { node: 'A', ms: 1e12 } }] }, 'faults.0.slowDisk.ms', /at most 10000/],
    ['values larger than the lab takes', { workload: { valueBytes: valueBytesMax + 1 } }, 'workload.valueBytes', new RegExp(`at most ${valueBytesMax}`)],
    ['a scripted value larger than the lab takes', { workload: { script: [`SET x=${'v'.repeat(valueBytesMax + 1)}`] } }, 'workload.script.0', /a value of \d+ bytes is larger than/],
    ['a scripted key longer than the lab takes', { workload: { script: [`GET ${'k'.repeat(2000)}`] } }, 'workload.script.0', /a key of 2000 bytes is longer than/],
    ['a forged value larger than the lab takes', { protocol: 'pbft', cluster: { nodes: 4, byzantine: { A: { kind: 'equivocate', forgedValue: 'v'.repeat(valueBytesMax + 1) } } } }, 'cluster.byzantine.A.forgedValue', /at most 262144 bytes/],
    ['an open loop faster than the workload can pace', { workload: { rate: 1e9 } }, 'workload.rate', /at most 100000/],
    ['a client timeout past a timer', { workload: { timeoutMs: timerMsMax + 1 } }, 'workload.timeoutMs', /at most 2147483647/],
    ['a zipf exponent past any use', { workload: { distribution: 'zipf', zipfExponent: 1e9 } }, 'workload.zipfExponent', /at most 10/],
    ['a seed the generator cannot tell apart', { seed: 2 ** 40 }, 'seed', /at most 4294967295/],
    ['a nemesis with no time between faults', { nemesis: { meanInterval: '0ms', faultDuration: '0ms' } }, 'nemesis.meanInterval', /above 0/],
    ['a nemesis that would schedule millions of faults', { workload: { duration: '1000s' }, nemesis: { meanInterval: '1ms', faultDuration: '1ms' } }, 'nemesis', /about 500000 faults, more than the 10000/],
    ['a script of a million steps', { workload: { script: Array.from({ length: 10_001 }, () => 'GET x') } }, 'workload.script', /at most 10000/],
    ['a fault schedule of a million faults', { faults: Array.from({ length: 10_001 }, () => ({ at: '1s', heal: 'all' })) }, 'faults', /at most 10000/],
  ]
  for (const [what, patch, path, message] of cases) {
    it(`refuses ${what}, naming ${path}`, () => {
      const errors = errorsOf(patch)
      const error = errors.find((candidate) => candidate.path === path)
      expect(error, JSON.stringify(errors)).toBeDefined()
      expect(error!.message).toMatch(message)
    })
  }

  it('refuses PBFT values that a view change could not carry in one frame, saying how large they may be', () => {
    const errors = errorsOf({ protocol: 'pbft', cluster: { nodes: 4 }, workload: { valueBytes: 65_536, mix: { put: 1, get: 0 } } })
    const error = errors.find((candidate) => candidate.path === 'workload.valueBytes')
    expect(error?.message).toMatch(/^PBFT with 4 replicas \(f = 1\) and checkpointInterval 32 \(a log window of 128\) puts up to 512 batches in one new-view message, so a command may take at most \d+ bytes here; a put with valueBytes 65536 takes \d+: use valueBytes of at most \d+$/)
    const allowed = Number(/at most (\d+)$/.exec(error!.message)![1])
    expect(errorsOf({ protocol: 'pbft', cluster: { nodes: 4 }, workload: { valueBytes: allowed, mix: { put: 1, get: 0 } } })).toEqual([])
    expect(errorsOf({ protocol: 'pbft', cluster: { nodes: 4 }, workload: { valueBytes: allowed + 1, mix: { put: 1, get: 0 } } })).not.toEqual([])
  })

  it('counts both values of a PBFT cas', () => {
    const errors = errorsOf({ protocol: 'pbft', cluster: { nodes: 7 }, workload: { valueBytes: 12_000, mix: { get: 0.5, put: 0.3, cas: 0.2 } } })
    expect(errors.find((candidate) => candidate.path === 'workload.valueBytes')?.message).toMatch(/a cas with valueBytes 12000 takes \d+/)
  })

  it('refuses a PBFT cluster whose view changes could not fit in a frame at all, naming the largest checkpointInterval that fits', () => {
    const errors = errorsOf({ protocol: 'pbft', cluster: { nodes: 15, checkpointInterval: 1024 } })
    expect(errors.find((candidate) => candidate.path === 'cluster.checkpointInterval')?.message).toMatch(/even a batch of one small request would not fit in a frame .*: use checkpointInterval of at most 32, or fewer replicas/)
  })

  it('refuses a PBFT script command or forged value too large for a batch', () => {
    const script = errorsOf({ protocol: 'pbft', cluster: { nodes: 7 }, workload: { clients: 0, script: [`SET x=${'v'.repeat(30_000)}`] } })
    expect(script.find((candidate) => candidate.path === 'workload.script.0')?.message).toMatch(/a command of \d+ bytes is larger than the \d+ a command may have here/)
    const forged = errorsOf({ protocol: 'pbft', cluster: { nodes: 7, byzantine: { A: { kind: 'equivocate', forgedValue: 'v'.repeat(30_000) } } } })
    expect(forged.find((candidate) => candidate.path === 'cluster.byzantine.A.forgedValue')?.message).toMatch(/a forged write of \d+ bytes is larger than the \d+ a command may have here/)
  })

  it('accepts the extremes it allows, and a replica can be built from them', () => {
    const result = validateExperiment(
      experiment({ cluster: { tickMs: 1, electionTimeoutMs: [60_000, 60_000], heartbeatMs: 59_999, firstElectionTimeoutMs: { A: 60_000 }, leaseDriftMs: 60_000 }, workload: { valueBytes: valueBytesMax } }),
    )
    expect(result.ok, JSON.stringify(!result.ok && result.errors)).toBe(true)
    if (!result.ok) return
    const cluster = result.experiment.cluster
    const launch = replicaConfigSchema.parse({ ...resolveNode(result.experiment, 'A'), dataDir: '/nonexistent' })
    const config = { ...launch, secret: 'a run secret of at least sixteen characters' }
    expect(config.settings).toMatchObject({ electionTimeoutTicks: [60_000, 60_000], firstElectionTimeoutTicks: { A: 60_000 } })
    expect(() => adapterFor(config).createCore([])).not.toThrow()
  })
})
