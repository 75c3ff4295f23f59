import { describe, expect, it } from 'vitest'
import { measurePbftCoreCpu } from '../../src-main/lab/bench/pbft-core.js'

describe('pbft-core bench', () => {
  it('runs every write through pre-prepare, prepare and commit on every core, and counts its messages', () => {
    // It throws unless every write executed at a backup; messages per write: 3 pre-prepares, 3x3
    // prepares, 4x3 commits, and a share of the status messages of each tick.
    const result = measurePbftCoreCpu({ replicas: 4, ops: 40, warmupOps: 10 })
    expect(result.messagesPerOp).toBeGreaterThanOrEqual(24)
    expect(result.messagesPerOp).toBeLessThan(24 + 12)
    expect(result.cpuMsPerOp).toBeGreaterThan(0)
  })
})
